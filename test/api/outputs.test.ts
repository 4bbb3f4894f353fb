// The output routes (/api/outputs): admins only; every answer shows the configuration masked (tokens, passwords,
// API keys, webhook URLs and secrets never come back, nor reach the audit log); a PATCH keeps what it leaves out,
// sends back masked or sends empty; bad input is a 400 naming the field precisely; the private-address guard
// refuses internal targets unless allowed; the test button sends one event; one organisation never sees another's
// outputs (404, never 403).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutput } from '../../src/outputs/admin.js';
import { startRecorder, type Recorder } from '../alerts/servers.js';
import { bearer, createTestApp, type TestApp } from '../support/app.js';
import { createOrg } from '../support/org.js';
import { startSplunk, type SplunkServer } from '../outputs/servers.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';

const TOKEN = 'hec-token-0123456789abcdef';

interface OutputAnswer {
  id: number;
  name: string;
  type: string;
  config: Record<string, unknown>;
  enabled: boolean;
  state: string;
  backlog: number;
}

describe('output routes', () => {
  let x: TestApp;
  let denied: TestApp;
  let splunk: SplunkServer;
  let web: Recorder;
  beforeAll(async () => {
    splunk = await startSplunk(TOKEN);
    web = await startRecorder();
    x = await createTestApp('pglite', { DMARC_WEBHOOK_ALLOW_PRIVATE: 'true', DMARC_WEBHOOK_TIMEOUT: '1s' });
    denied = await createTestApp('pglite');
  });
  afterAll(async () => {
    await x?.close();
    await denied?.close();
    await splunk?.close();
    await web?.close();
  });

  const call = async (
    app: TestApp,
    method: string,
    url: string,
    role: 'admin' | 'analyst' | 'viewer' = 'admin',
    body?: unknown,
  ) =>
    app.app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...bearer(await app.token(role)),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });

  it('admins only; create, list, read, change, test and delete with secrets masked everywhere', async () => {
    const created = await call(x, 'POST', '/api/outputs', 'admin', {
      name: 'splunk',
      type: 'splunk_hec',
      config: { url: splunk.url, token: TOKEN, index: 'dmarc' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const o = created.json<OutputAnswer>();
    expect(o).toMatchObject({ name: 'splunk', type: 'splunk_hec', enabled: true, state: 'new', backlog: 0 });
    expect(o.config).toEqual({ url: splunk.url, token: '••••', index: 'dmarc' });
    for (const role of ['viewer', 'analyst'] as const) {
      for (const [m, u] of [
        ['GET', '/api/outputs'],
        ['GET', `/api/outputs/${o.id}`],
        ['DELETE', `/api/outputs/${o.id}`],
        ['POST', `/api/outputs/${o.id}/test`],
      ] as const) {
        expect((await call(x, m, u, role)).statusCode, `${role} ${m} ${u}`).toBe(403);
      }
    }
    const list = await call(x, 'GET', '/api/outputs');
    expect(list.body).not.toContain(TOKEN);
    expect(list.json<{ items: OutputAnswer[] }>().items.map((i) => i.name)).toEqual(['splunk']);
    // a PATCH with the masked token, or an empty one, keeps it: the test event still authenticates
    const renamed = await call(x, 'PATCH', `/api/outputs/${o.id}`, 'admin', {
      name: 'splunk main',
      config: { ...o.config, token: '' },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.body).not.toContain(TOKEN);
    const tested = await call(x, 'POST', `/api/outputs/${o.id}/test`);
    expect(tested.json()).toEqual({ delivered: true, error: null });
    expect(splunk.events.at(-1)).toMatchObject({ test: true, org_slug: 'default' });
    const audit = await x.t.db.query<{ details: unknown }>(
      `SELECT details FROM audit_log WHERE action LIKE 'output.%'`,
    );
    expect(audit.rows.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(audit.rows)).not.toContain(TOKEN);
    // a wrong token: the test answers why, without the token
    const wrong = await call(x, 'PATCH', `/api/outputs/${o.id}`, 'admin', { config: { token: 'not-the-token-42' } });
    expect(wrong.statusCode).toBe(200);
    const failed = (await call(x, 'POST', `/api/outputs/${o.id}/test`)).json<{ delivered: boolean; error: string }>();
    expect(failed.delivered).toBe(false);
    expect(failed.error).toContain('HTTP 403');
    expect(failed.error).not.toContain('not-the-token-42');
    expect((await call(x, 'DELETE', `/api/outputs/${o.id}`)).statusCode).toBe(204);
    expect((await call(x, 'GET', `/api/outputs/${o.id}`)).statusCode).toBe(404);
  });

  it('webhook URLs, secrets, header values, passwords and API keys are masked', async () => {
    const hook = await call(x, 'POST', '/api/outputs', 'admin', {
      name: 'hook',
      type: 'webhook',
      config: {
        url: web.url('/h/secret-path-123'),
        secret: 'sixteen-chars-secret',
        headers: { 'X-Key': 'hdr-value-xyz' },
      },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    for (const s of ['secret-path-123', 'sixteen-chars-secret', 'hdr-value-xyz']) expect(hook.body).not.toContain(s);
    const es = await call(x, 'POST', '/api/outputs', 'admin', {
      name: 'es',
      type: 'elasticsearch',
      config: { url: 'http://127.0.0.1:9', username: 'elastic', password: 'es-password-1' },
    });
    expect(es.statusCode, es.body).toBe(201);
    expect(es.json<OutputAnswer>().config).toEqual({
      url: 'http://127.0.0.1:9',
      indexPrefix: 'dmarc_aggregate',
      username: 'elastic',
      password: '••••',
    });
    const sys = await call(x, 'POST', '/api/outputs', 'admin', {
      name: 'sys',
      type: 'syslog',
      config: { host: '127.0.0.1', port: 5514, protocol: 'tcp' },
    });
    expect(sys.statusCode, sys.body).toBe(201);
  });

  it('bad input: 400 with the field and a precise message', async () => {
    const cases: [unknown, string, string][] = [
      [{ name: 'x', type: 'kafka', config: {} }, 'type', 'must be one of splunk_hec, elasticsearch, syslog, webhook'],
      [{ name: 'x', type: 'splunk_hec', config: { url: splunk.url } }, 'config.token', ''],
      [{ name: 'x', type: 'splunk_hec', config: { url: 'ftp://h', token: 't' } }, 'config.url', ''],
      [{ name: 'x', type: 'splunk_hec', config: { url: splunk.url, token: 't', extra: 1 } }, 'config', 'extra'],
      [{ name: 'x', type: 'syslog', config: { host: '127.0.0.1', protocol: 'sctp' } }, 'config.protocol', ''],
      [{ name: 'x', type: 'syslog', config: { host: '127.0.0.1', protocol: 'tcp', port: 70000 } }, 'config.port', ''],
      [{ name: 'x', type: 'syslog', config: { host: 'bad host!', protocol: 'udp' } }, 'config.host', 'host name'],
      // a path on the server is not accepted: the certificates themselves are
      [
        { name: 'x', type: 'syslog', config: { host: '127.0.0.1', protocol: 'tls', ca: '/etc/shadow' } },
        'config.ca',
        'PEM',
      ],
      [
        { name: 'x', type: 'syslog', config: { host: '127.0.0.1', protocol: 'udp', ca: PEM } },
        'config.protocol',
        'need protocol tls',
      ],
      [
        { name: 'x', type: 'elasticsearch', config: { url: splunk.url, apiKey: 'k', username: 'u', password: 'p' } },
        'config.apiKey',
        'not both',
      ],
      [{ name: 'x', type: 'elasticsearch', config: { url: splunk.url, username: 'u' } }, 'config.password', 'together'],
      [
        { name: 'x', type: 'elasticsearch', config: { url: splunk.url, indexPrefix: 'Upper' } },
        'config.indexPrefix',
        'lower-case',
      ],
      [
        { name: 'x', type: 'webhook', config: { url: web.url('/x'), secret: 'short' } },
        'config.secret',
        '16 characters',
      ],
      [
        { name: 'x', type: 'webhook', config: { url: web.url('/x'), headers: { 'Content-Type': 'a' } } },
        'config.headers.Content-Type',
        'set by the output',
      ],
      [{ name: '   ', type: 'webhook', config: { url: web.url('/x') } }, 'name', 'is required'],
    ];
    for (const [body, field, words] of cases) {
      const r = await call(x, 'POST', '/api/outputs', 'admin', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      const p = r.json<{ code: string; errors?: { field: string; message: string }[]; detail: string }>();
      expect(p.code).toBe('validation_failed');
      const hit = p.errors?.find((e) => e.field === field);
      expect(hit, `${JSON.stringify(body)} → ${r.body}`).toBeDefined();
      expect(hit!.message).toContain(words);
    }
    // the body's own schema (TypeBox): a missing config, an unknown key
    expect((await call(x, 'POST', '/api/outputs', 'admin', { name: 'x', type: 'webhook' })).statusCode).toBe(400);
    expect(
      (await call(x, 'POST', '/api/outputs', 'admin', { name: 'x', type: 'webhook', config: {}, z: 1 })).statusCode,
    ).toBe(400);
    expect((await call(x, 'PATCH', '/api/outputs/0', 'admin', {})).statusCode).toBe(400);
    expect((await call(x, 'PATCH', '/api/outputs/99999', 'admin', {})).statusCode).toBe(404);
    // a name taken
    await call(x, 'POST', '/api/outputs', 'admin', { name: 'dup', type: 'webhook', config: { url: web.url('/d') } });
    expect(
      (await call(x, 'POST', '/api/outputs', 'admin', { name: 'dup', type: 'webhook', config: { url: web.url('/d') } }))
        .statusCode,
    ).toBe(409);
  });

  it('the private-address guard refuses loopback targets unless the installation allows them', async () => {
    const r = await call(denied, 'POST', '/api/outputs', 'admin', {
      name: 'internal',
      type: 'splunk_hec',
      config: { url: 'https://127.0.0.1:8088', token: TOKEN },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json<{ errors: { field: string; message: string }[] }>().errors[0]).toMatchObject({ field: 'config.url' });
    const s = await call(denied, 'POST', '/api/outputs', 'admin', {
      name: 'internal',
      type: 'syslog',
      config: { host: '127.0.0.1', protocol: 'udp' },
    });
    expect(s.statusCode).toBe(400);
    expect(s.json<{ errors: { field: string; message: string }[] }>().errors[0]?.message).toContain('loopback');
  });

  it("one organisation never sees or changes another's outputs", async () => {
    const beta = await createOrg(x.t.db, 'beta-out');
    const theirs = await createOutput(
      x.t.db,
      beta.id,
      { name: 'beta splunk', type: 'splunk_hec', config: { url: splunk.url, token: 'beta-token-000' } },
      { id: x.users.admin.id, email: 'admin@example.com' },
      new Date(),
      { allowPrivate: true },
    );
    // the default organisation's admin is not a member of beta
    for (const [m, u, b] of [
      ['GET', `/api/outputs/${theirs.id}`],
      ['PATCH', `/api/outputs/${theirs.id}`, { name: 'mine now' }],
      ['DELETE', `/api/outputs/${theirs.id}`],
      ['POST', `/api/outputs/${theirs.id}/test`],
    ] as const) {
      const r = await call(x, m, u, 'admin', b);
      expect(r.statusCode, `${m} ${u} ${r.body}`).toBe(404);
    }
    const list = await call(x, 'GET', '/api/outputs');
    expect(list.json<{ items: OutputAnswer[] }>().items.some((i) => i.id === theirs.id)).toBe(false);
    expect(list.body).not.toContain('beta-token-000');
    // (the admin here is also a platform administrator: asking for beta by name answers beta's outputs only)
    const named = await call(x, 'GET', '/api/orgs/beta-out/outputs');
    expect(named.json<{ items: OutputAnswer[] }>().items.map((i) => i.name)).toEqual(['beta splunk']);
  });
});
