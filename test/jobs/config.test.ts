// Settings of the background work and the IMAP mailboxes: env vars, the DMARC_CONFIG file (JSON and YAML), and
// one-line errors naming what is wrong.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { isLoopbackHost, parseDuration } from '../../src/config/jobs.js';
import { resolveSchedules } from '../../src/jobs/schedules.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-jobs-config-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('jobs configuration', () => {
  it('has defaults: retries with backoff, a lock under a minute, schedules, keep data forever', () => {
    const c = loadConfig({});
    expect(c.jobs).toMatchObject({
      maxAttempts: 5,
      backoffMs: 10_000,
      lockDurationMs: 20_000,
      stalledIntervalMs: 15_000,
      retentionDays: null,
      historyDays: 14,
      timezone: 'UTC',
      healthPort: null,
      // the configuration sets no schedule: each task runs on its own default (from its file in jobs/tasks/)
      scheduleOverrides: {},
    });
    expect(resolveSchedules(c.jobs)).toEqual({
      'fetch-imap': '*/15 * * * *',
      'sweep-pending': '*/5 * * * *',
      'refresh-rollups': '30 3 * * *',
      retention: '0 4 * * *',
      'check-alerts': '0 * * * *',
      'check-dns': '20 4 * * *',
      'send-digests': '*/15 * * * *',
      'train-model': '30 3 * * 0',
      'detect-anomalies': '50 4 * * *',
      'forward-events': '*/10 * * * *',
    });
    expect(c.jobs.lockDurationMs + c.jobs.stalledIntervalMs).toBeLessThan(60_000);
    expect(c.imap).toEqual([]);
    expect(loadConfig({ PORT: '9100' }).jobs.healthPort).toBe(9100);
  });

  it('reads durations, schedules and retention from env vars', () => {
    const c = loadConfig({
      DMARC_JOB_ATTEMPTS: '7',
      DMARC_JOB_BACKOFF: '500ms',
      DMARC_JOB_LOCK_DURATION: '10s',
      DMARC_SCHEDULE_FETCH_IMAP: '*/2 * * * *',
      DMARC_SCHEDULE_RETENTION: 'off',
      DMARC_RETENTION_DAYS: '400',
      DMARC_SCHEDULE_TIMEZONE: 'Europe/Berlin',
    });
    expect(c.jobs).toMatchObject({
      maxAttempts: 7,
      backoffMs: 500,
      lockDurationMs: 10_000,
      stalledIntervalMs: 7500,
      retentionDays: 400,
      timezone: 'Europe/Berlin',
    });
    expect(c.jobs.scheduleOverrides).toEqual({ 'fetch-imap': '*/2 * * * *', retention: null });
    expect(resolveSchedules(c.jobs)).toMatchObject({
      'fetch-imap': '*/2 * * * *',
      'sweep-pending': '*/5 * * * *',
      retention: null,
    });
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('15')).toBe(15_000);
    expect(parseDuration('soon')).toBeUndefined();
  });

  it.each([
    [{ DMARC_SCHEDULE_RETENTION: '61 * * * *' }, 'DMARC_SCHEDULE_RETENTION'],
    [{ DMARC_JOB_BACKOFF: 'soon' }, 'DMARC_JOB_BACKOFF'],
    [{ DMARC_JOB_ATTEMPTS: '0' }, 'DMARC_JOB_ATTEMPTS'],
    [{ DMARC_RETENTION_DAYS: '-3' }, 'DMARC_RETENTION_DAYS'],
    [{ DMARC_SCHEDULE_TIMEZONE: 'Mars/Olympus' }, 'DMARC_SCHEDULE_TIMEZONE'],
  ])('refuses %j naming %s', (env, variable) => {
    expect(errorOf(env).variable).toBe(variable);
  });
});

describe('IMAP mailbox configuration', () => {
  it('one mailbox from env vars, with the defaults of the issue', () => {
    const c = loadConfig({
      DMARC_IMAP_HOST: 'imap.example.com',
      DMARC_IMAP_USER: 'dmarc@example.com',
      DMARC_IMAP_PASSWORD: 'pw',
    });
    expect(c.imap).toEqual([
      {
        name: 'dmarc@example.com@imap.example.com',
        host: 'imap.example.com',
        port: 993,
        tls: 'tls',
        caFile: null,
        user: 'dmarc@example.com',
        auth: { kind: 'password', password: 'pw', passwordFile: null },
        folder: 'INBOX',
        processedFolder: 'DMARC/Processed',
        invalidFolder: 'DMARC/Invalid',
        markSeen: false,
        batchSize: 20,
        idle: false,
        org: 'default',
      },
    ]);
    const s = loadConfig({
      DMARC_IMAP_HOST: 'imap.example.com',
      DMARC_IMAP_USER: 'u',
      DMARC_IMAP_PASSWORD_FILE: '/run/secrets/imap',
      DMARC_IMAP_TLS: 'starttls',
      DMARC_IMAP_FOLDER: 'Reports/DMARC',
      DMARC_IMAP_MARK_SEEN: 'true',
      DMARC_IMAP_IDLE: 'yes',
      DMARC_IMAP_ORG: 'acme',
    }).imap[0]!;
    expect(s).toMatchObject({
      org: 'acme',
      port: 143,
      tls: 'starttls',
      folder: 'Reports/DMARC',
      markSeen: true,
      idle: true,
      auth: { kind: 'password', password: null, passwordFile: '/run/secrets/imap' },
    });
  });

  it('clear text only on loopback unless forced', () => {
    const base = { DMARC_IMAP_USER: 'u', DMARC_IMAP_PASSWORD: 'p', DMARC_IMAP_TLS: 'none' };
    expect(loadConfig({ ...base, DMARC_IMAP_HOST: '127.0.0.1' }).imap[0]!.port).toBe(143);
    expect(loadConfig({ ...base, DMARC_IMAP_HOST: 'localhost' }).imap).toHaveLength(1);
    expect(errorOf({ ...base, DMARC_IMAP_HOST: 'imap.example.com' }).message).toMatch(/loopback/);
    expect(
      loadConfig({ ...base, DMARC_IMAP_HOST: 'imap.example.com', DMARC_IMAP_ALLOW_INSECURE: '1' }).imap,
    ).toHaveLength(1);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
  });

  it.each([
    [{ DMARC_IMAP_USER: 'u' }, 'DMARC_IMAP_HOST'],
    [{ DMARC_IMAP_HOST: 'h' }, 'DMARC_IMAP_USER'],
    [{ DMARC_IMAP_HOST: 'h', DMARC_IMAP_USER: 'u' }, 'DMARC_IMAP_*'],
    [{ DMARC_IMAP_HOST: 'h', DMARC_IMAP_USER: 'u', DMARC_IMAP_PASSWORD: 'p', DMARC_IMAP_TLS: 'ssl' }, 'DMARC_IMAP_TLS'],
    [
      { DMARC_IMAP_HOST: 'h', DMARC_IMAP_USER: 'u', DMARC_IMAP_PASSWORD: 'p', DMARC_IMAP_PORT: '99999' },
      'DMARC_IMAP_PORT',
    ],
  ])('refuses %j naming %s', (env, variable) => {
    expect(errorOf(env).variable).toBe(variable);
  });

  it('several mailboxes from a YAML or JSON DMARC_CONFIG file, with XOAUTH2 token sources', async () => {
    const yaml = path.join(dir, 'dmarc.yaml');
    await fs.writeFile(
      yaml,
      `# mailboxes
imap:
  - name: m365
    host: outlook.office365.com
    user: dmarc@contoso.com
    oauth2:
      tokenCommand: "get-token --resource https://outlook.office365.com"
    idle: true
    org: contoso
  - host: imap.gmail.com
    user: reports@example.org
    oauth2:
      tokenFile: /run/secrets/gmail-token
    folder: "[Gmail]/DMARC"
    markSeen: true
schedules:
  fetch-imap: "*/5 * * * *"
  refresh-rollups: false
alerts: {}
`,
    );
    const c = loadConfig({
      DMARC_CONFIG: yaml,
      DMARC_IMAP_HOST: '127.0.0.1',
      DMARC_IMAP_USER: 'local',
      DMARC_IMAP_PASSWORD: 'x',
      DMARC_IMAP_NAME: 'local',
    });
    expect(c.imap.map((m) => [m.name, m.port, m.auth])).toEqual([
      ['local', 993, { kind: 'password', password: 'x', passwordFile: null }],
      [
        'm365',
        993,
        { kind: 'oauth2', tokenCommand: 'get-token --resource https://outlook.office365.com', tokenFile: null },
      ],
      [
        'reports@example.org@imap.gmail.com',
        993,
        { kind: 'oauth2', tokenCommand: null, tokenFile: '/run/secrets/gmail-token' },
      ],
    ]);
    expect(c.imap[1]!.idle).toBe(true);
    expect(c.imap.map((m) => m.org)).toEqual(['default', 'contoso', 'default']);
    expect(c.jobs.scheduleOverrides).toEqual({ 'fetch-imap': '*/5 * * * *', 'refresh-rollups': null });
    // an env var wins over the file
    const both = loadConfig({ DMARC_CONFIG: yaml, DMARC_SCHEDULE_REFRESH_ROLLUPS: '0 1 * * *' });
    expect(resolveSchedules(both.jobs)).toEqual({
      'fetch-imap': '*/5 * * * *',
      'sweep-pending': '*/5 * * * *',
      'refresh-rollups': '0 1 * * *',
      retention: '0 4 * * *',
      'check-alerts': '0 * * * *',
      'check-dns': '20 4 * * *',
      'send-digests': '*/15 * * * *',
      'train-model': '30 3 * * 0',
      'detect-anomalies': '50 4 * * *',
      'forward-events': '*/10 * * * *',
    });

    const json = path.join(dir, 'dmarc.json');
    await fs.writeFile(json, JSON.stringify({ imap: [{ host: 'h', user: 'u', password: 'p', batchSize: 5 }] }));
    expect(loadConfig({ DMARC_CONFIG: json }).imap[0]!.batchSize).toBe(5);
  });

  it.each([
    [{ imap: [{ host: 'h', user: 'u' }] }, /exactly one of a password/],
    [{ imap: [{ host: 'h', user: 'u', password: 'p', passwordFile: 'f' }] }, /exactly one of a password/],
    [{ imap: [{ host: 'h', user: 'u', oauth2: {} }] }, /tokenCommand or tokenFile/],
    [{ imap: [{ host: 'h', user: 'u', password: 'p', prot: 1 }] }, /imap\.0/],
    [{ imap: [{ host: 'h', user: 'u', password: 'p', folder: 'X', processedFolder: 'X' }] }, /must differ/],
    [{ imap: [{ host: 'h', user: 'u', password: 'p', org: 'Not A Slug' }] }, /organisation slug/],
    [
      {
        imap: [
          { name: 'a', host: 'h', user: 'u', password: 'p' },
          { name: 'a', host: 'h2', user: 'u', password: 'p' },
        ],
      },
      /two IMAP mailboxes are named 'a'/,
    ],
    [{ schedules: { 'fetch-imap': 'every day' } }, /not a cron expression/],
    [{ schedules: { backup: '* * * * *' } }, /unknown task/],
  ])('refuses a bad file: %j', async (content, message) => {
    const f = path.join(dir, `bad-${Math.random()}.json`);
    await fs.writeFile(f, JSON.stringify(content));
    expect(errorOf({ DMARC_CONFIG: f }).message).toMatch(message);
  });

  it('names the file when it cannot be read or parsed', async () => {
    expect(errorOf({ DMARC_CONFIG: path.join(dir, 'missing.yaml') }).message).toMatch(/cannot read .*ENOENT/);
    const f = path.join(dir, 'broken.yaml');
    await fs.writeFile(f, 'imap: [\n');
    expect(errorOf({ DMARC_CONFIG: f }).message).toMatch(/not valid YAML/);
  });
});
