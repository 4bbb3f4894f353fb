// What the server logs of its requests: nothing at info for ordinary ones (a dashboard session made hundreds of
// lines), a line at debug; a 5xx answer at warn; a slow one at info.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLogLevel } from '../../src/api/plugins/request-log.js';
import { loadConfig } from '../../src/config/index.js';
import { bearer, createTestApp, type TestApp } from '../support/app.js';

interface Line {
  level: number;
  msg: string;
  responseTime?: number;
  req?: { method: string; url: string };
  res?: { statusCode: number };
}

function capture(): { stream: Writable; lines: Line[] } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Line);
      cb();
    },
  });
  return { stream, lines };
}

const DEBUG = 20;
const INFO = 30;
const WARN = 40;

describe('request logging', () => {
  let t: TestApp;
  const log = capture();
  beforeAll(async () => {
    t = await createTestApp('pglite', {}, { logger: { level: 'debug', stream: log.stream } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('logs an ordinary request once, at debug, with its status and time', async () => {
    log.lines.length = 0;
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    const token = await t.token('viewer');
    expect((await t.app.inject({ method: 'GET', url: '/api/reports', headers: bearer(token) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/nope', headers: bearer(token) })).statusCode).toBe(404);
    const requestLines = log.lines.filter((l) => l.res);
    expect(requestLines.map((l) => [l.level, l.req?.url, l.res?.statusCode])).toEqual([
      [DEBUG, '/health', 200],
      [DEBUG, '/api/reports', 200],
      [DEBUG, '/api/nope', 404],
    ]);
    for (const l of requestLines) expect(typeof l.responseTime).toBe('number');
    // and when it came in, at debug too
    expect(log.lines.filter((l) => l.msg === 'incoming request').map((l) => l.level)).toEqual([DEBUG, DEBUG, DEBUG]);
    expect(log.lines.filter((l) => l.level >= INFO)).toEqual([]);
  });

  it('logs a 5xx answer at warn', async () => {
    log.lines.length = 0;
    // the database gone under the app: /ready answers 503
    await t.t.db.close();
    expect((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(503);
    const line = log.lines.find((l) => l.req?.url === '/ready' && l.res);
    expect(line).toMatchObject({ level: WARN, msg: 'request answered with a server error', res: { statusCode: 503 } });
  });

  it('chooses the level by status and time', () => {
    const slow = loadConfig({}).slowRequestMs;
    expect(slow).toBe(1000);
    expect(requestLogLevel(200, 12, slow)).toBe('debug');
    expect(requestLogLevel(404, 12, slow)).toBe('debug');
    expect(requestLogLevel(200, 1000, slow)).toBe('info');
    expect(requestLogLevel(429, 2500, slow)).toBe('info');
    expect(requestLogLevel(503, 3, slow)).toBe('warn');
    expect(requestLogLevel(500, 5000, slow)).toBe('warn');
    expect(loadConfig({ DMARC_LOG_SLOW_REQUESTS: '250ms' }).slowRequestMs).toBe(250);
    expect(() => loadConfig({ DMARC_LOG_SLOW_REQUESTS: 'soon' })).toThrow(/DMARC_LOG_SLOW_REQUESTS/);
  });
});
