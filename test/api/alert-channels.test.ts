// The channel routes (/api/alerts/channels): admins only (viewers and analysts refused); every answer shows the
// configuration masked — webhook URLs and signing secrets never come back, nor reach a log line or the audit log;
// a PATCH keeps what it leaves out (or sends back masked); bad input is a 400 naming the field; the private-address
// guard refuses internal targets unless allowed; the test button sends a test message and answers the outcome; a
// deleted channel leaves the rules that named it.
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRule } from '../../src/alerts/rules-admin.js';
import { getRule } from '../../src/store/alert-rules.js';
import { startRecorder, startSmtp, type MailSink, type Recorder } from '../alerts/servers.js';
import { bearer, createTestApp, type TestApp } from '../support/app.js';
import { DEFAULT_ORG_ID } from '../support/org.js';

const SECRET = 'signing-secret-abcdef0123456789';
const TOKEN = 'XoXb-T0KEN-1234567890abcdef';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    }),
    text: () => chunks.join(''),
  };
}

interface ChannelAnswer {
  id: number;
  name: string;
  type: string;
  config: Record<string, unknown>;
  enabled: boolean;
}

describe('alert channel routes', () => {
  let x: TestApp;
  let denied: TestApp;
  let web: Recorder;
  let smtp: MailSink;
  const log = capture();
  beforeAll(async () => {
    web = await startRecorder();
    smtp = await startSmtp();
    x = await createTestApp(
      'pglite',
      {
        DMARC_WEBHOOK_ALLOW_PRIVATE: 'true',
        DMARC_WEBHOOK_TIMEOUT: '300ms',
        DMARC_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        DMARC_SMTP_FROM: 'dmarc@example.com',
      },
      { logger: { level: 'debug', stream: log.stream } },
    );
    denied = await createTestApp('pglite');
  });
  afterAll(async () => {
    await x?.close();
    await denied?.close();
    await web?.close();
    await smtp?.close();
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

  const slackUrl = () => web.url(`/services/${TOKEN}`);

  it('viewers and analysts are refused every channel route; admins are answered', async () => {
    const created = await call(x, 'POST', '/api/alerts/channels', 'admin', {
      name: 'rbac',
      type: 'slack',
      config: { url: slackUrl() },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<ChannelAnswer>().id;
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/alerts/channels'],
      ['POST', '/api/alerts/channels', { name: 'n', type: 'slack', config: { url: slackUrl() } }],
      ['GET', `/api/alerts/channels/${id}`],
      ['PATCH', `/api/alerts/channels/${id}`, { name: 'renamed by someone' }],
      ['DELETE', `/api/alerts/channels/${id}`],
      ['POST', `/api/alerts/channels/${id}/test`],
      ['GET', '/api/orgs/default/alerts/channels'],
    ];
    for (const role of ['viewer', 'analyst'] as const) {
      for (const [method, url, body] of routes) {
        const r = await call(x, method, url, role, body);
        expect(r.statusCode, `${role} ${method} ${url}`).toBe(403);
        expect(r.json<{ code: string }>().code).toBe('forbidden');
      }
    }
    expect((await call(x, 'GET', `/api/alerts/channels/${id}`)).json<ChannelAnswer>().name).toBe('rbac');
    expect((await call(x, 'GET', '/api/orgs/default/alerts/channels')).statusCode).toBe(200);
    expect((await call(x, 'DELETE', `/api/alerts/channels/${id}`)).statusCode).toBe(204);
  });

  it('creates, lists, reads and changes channels with the configuration masked in every answer', async () => {
    const hookUrl = web.url(`/hook/${TOKEN}`);
    const r = await call(x, 'POST', '/api/alerts/channels', 'admin', {
      name: 'ops hook',
      type: 'webhook',
      config: { url: hookUrl, secret: SECRET },
    });
    expect(r.statusCode, r.body).toBe(201);
    const ch = r.json<ChannelAnswer>();
    expect(ch).toMatchObject({
      name: 'ops hook',
      type: 'webhook',
      enabled: true,
      config: { url: `http://127.0.0.1:${web.port}/••••`, secret: '••••' },
    });
    const mail = await call(x, 'POST', '/api/alerts/channels', 'admin', {
      name: 'soc mail',
      type: 'email',
      config: { to: 'soc@example.com' },
    });
    expect(mail.json<ChannelAnswer>().config).toEqual({ to: ['soc@example.com'] });

    const list = await call(x, 'GET', '/api/alerts/channels');
    const one = await call(x, 'GET', `/api/alerts/channels/${ch.id}`);
    // rename: the URL and the secret are kept; sending back the masked values keeps them too
    const renamed = await call(x, 'PATCH', `/api/alerts/channels/${ch.id}`, 'admin', { name: 'ops webhook' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    const echoed = await call(x, 'PATCH', `/api/alerts/channels/${ch.id}`, 'admin', {
      config: renamed.json<ChannelAnswer>().config,
      enabled: false,
    });
    expect(echoed.json<ChannelAnswer>()).toMatchObject({ name: 'ops webhook', enabled: false });
    const stored = await x.t.db.query<{ config: { url: string; secret: string } }>(
      'SELECT config FROM alert_channels WHERE id = $1',
      [ch.id],
    );
    expect(stored.rows[0]!.config).toEqual({ url: hookUrl, secret: SECRET });
    // an emptied secret field (a form that never shows the secret) keeps it too
    const emptied = await call(x, 'PATCH', `/api/alerts/channels/${ch.id}`, 'admin', { config: { secret: '' } });
    expect(emptied.statusCode, emptied.body).toBe(200);
    const kept = await x.t.db.query<{ config: { secret: string } }>('SELECT config FROM alert_channels WHERE id = $1', [
      ch.id,
    ]);
    expect(kept.rows[0]!.config.secret).toBe(SECRET);
    // a new secret replaces the old one
    await call(x, 'PATCH', `/api/alerts/channels/${ch.id}`, 'admin', {
      config: { secret: `${SECRET}-2` },
      enabled: true,
    });
    const after = await x.t.db.query<{ config: { secret: string } }>(
      'SELECT config FROM alert_channels WHERE id = $1',
      [ch.id],
    );
    expect(after.rows[0]!.config.secret).toBe(`${SECRET}-2`);

    for (const answer of [r, list, one, renamed, echoed]) {
      expect(answer.body).not.toContain(TOKEN);
      expect(answer.body).not.toContain(SECRET);
    }
    // the audit log has every change, masked
    const audit = await x.t.db.query<{ action: string; details: unknown }>(
      `SELECT action, details FROM audit_log WHERE org_id = $1 AND action LIKE 'alert_channel.%' AND target = $2 ORDER BY id`,
      [DEFAULT_ORG_ID, `alert_channel:${ch.id}`],
    );
    expect(audit.rows.map((a) => a.action)).toEqual([
      'alert_channel.created',
      'alert_channel.updated',
      'alert_channel.updated',
      'alert_channel.updated',
      'alert_channel.updated',
    ]);
    expect(JSON.stringify(audit.rows)).not.toContain(TOKEN);
    expect(JSON.stringify(audit.rows)).not.toContain(SECRET);
  });

  it('bad input is a 400 naming the field; an unknown id is a 404; a taken name is a 409', async () => {
    const bad: [unknown, string][] = [
      [{ name: 'x', type: 'pager', config: {} }, 'type'],
      [{ name: 'x', type: 'slack', config: {} }, 'config.url'],
      [{ name: 'x', type: 'slack', config: { url: 'not a url' } }, 'config.url'],
      [{ name: 'x', type: 'slack', config: { url: 'ftp://example.com/x' } }, 'config.url'],
      [{ name: 'x', type: 'slack', config: { url: slackUrl(), extra: 1 } }, 'config'],
      [{ name: 'x', type: 'webhook', config: { url: slackUrl() } }, 'config.secret'],
      [{ name: 'x', type: 'webhook', config: { url: slackUrl(), secret: 'short' } }, 'config.secret'],
      [{ name: 'x', type: 'email', config: { to: 'not-an-address' } }, 'config.to'],
      [{ name: 'x', type: 'email', config: { to: [] } }, 'config.to'],
      [{ name: '   ', type: 'email', config: { to: 'a@example.com' } }, 'name'],
    ];
    for (const [body, field] of bad) {
      const r = await call(x, 'POST', '/api/alerts/channels', 'admin', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
      const p = r.json<{ code: string; errors?: { field: string }[] }>();
      expect(p.code).toBe('validation_failed');
      expect(
        p.errors?.map((e) => e.field).some((f) => f.startsWith(field)),
        `${JSON.stringify(body)}: ${r.body}`,
      ).toBe(true);
    }
    // the schema's own refusals: missing fields, unknown fields, wrong types
    for (const body of [
      {},
      { name: 'x', type: 'slack' },
      { name: 'x', type: 'slack', config: {}, colour: 'red' },
      { name: 1, type: 'slack', config: {} },
    ]) {
      const r = await call(x, 'POST', '/api/alerts/channels', 'admin', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await call(x, 'PATCH', '/api/alerts/channels/1', 'admin', { nope: true })).statusCode).toBe(400);
    expect((await call(x, 'GET', '/api/alerts/channels/abc')).statusCode).toBe(400);
    for (const [method, url, body] of [
      ['GET', '/api/alerts/channels/999999'],
      ['PATCH', '/api/alerts/channels/999999', { name: 'y' }],
      ['DELETE', '/api/alerts/channels/999999'],
      ['POST', '/api/alerts/channels/999999/test'],
    ] as [string, string, unknown?][]) {
      const r = await call(x, method, url, 'admin', body);
      expect(r.statusCode, `${method} ${url}`).toBe(404);
      expect(r.json<{ code: string }>().code).toBe('alert_channel_not_found');
    }
    const first = await call(x, 'POST', '/api/alerts/channels', 'admin', {
      name: 'dup',
      type: 'email',
      config: { to: 'a@example.com' },
    });
    expect(first.statusCode).toBe(201);
    const again = await call(x, 'POST', '/api/alerts/channels', 'admin', {
      name: 'dup',
      type: 'email',
      config: { to: 'b@example.com' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json<{ code: string }>().code).toBe('name_taken');
  });

  it('refuses private, loopback and link-local targets unless DMARC_WEBHOOK_ALLOW_PRIVATE=true', async () => {
    for (const url of [
      'https://127.0.0.1/x',
      'https://169.254.169.254/x',
      'https://10.0.0.8/x',
      'https://[::1]/x',
      'http://127.0.0.1/x',
    ]) {
      const r = await call(denied, 'POST', '/api/alerts/channels', 'admin', {
        name: 'x',
        type: 'discord',
        config: { url },
      });
      expect(r.statusCode, url).toBe(400);
      expect(r.json<{ errors: { field: string }[] }>().errors[0]!.field).toBe('config.url');
    }
    // a PATCH to an internal target is refused too
    const ok = await call(denied, 'POST', '/api/alerts/channels', 'admin', {
      name: 'public',
      type: 'discord',
      config: { url: 'https://93.184.215.14/api/webhooks/1/abc' },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    const moved = await call(denied, 'PATCH', `/api/alerts/channels/${ok.json<ChannelAnswer>().id}`, 'admin', {
      config: { url: 'https://192.168.0.10/hook' },
    });
    expect(moved.statusCode).toBe(400);
    // allowed where the installation says so (the other app)
    const inside = await call(x, 'POST', '/api/alerts/channels', 'admin', {
      name: 'inside',
      type: 'discord',
      config: { url: web.url('/d') },
    });
    expect(inside.statusCode).toBe(201);
  });

  it('the test button sends a test message and answers the outcome, with no secret in it', async () => {
    const hook = await call(x, 'POST', '/api/alerts/channels', 'admin', {
      name: 'test hook',
      type: 'webhook',
      config: { url: web.url(`/ok/${TOKEN}`), secret: SECRET },
    });
    const id = hook.json<ChannelAnswer>().id;
    const r = await call(x, 'POST', `/api/alerts/channels/${id}/test`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ delivered: true, error: null });
    const got = web.on(`/ok/${TOKEN}`).at(-1)!;
    expect(got.headers['x-dmarc-signature']).toBe(
      `sha256=${createHmac('sha256', SECRET).update(got.body).digest('hex')}`,
    );
    expect(JSON.parse(got.body)).toMatchObject({ event: 'test', severity: 'info' });

    const mail = await call(x, 'POST', '/api/alerts/channels', 'admin', {
      name: 'test mail',
      type: 'email',
      config: { to: 'ops@example.com' },
    });
    const m = await call(x, 'POST', `/api/alerts/channels/${mail.json<ChannelAnswer>().id}/test`);
    expect(m.json()).toEqual({ delivered: true, error: null });
    expect(smtp.mails.at(-1)!.email.subject).toMatch(/^\[INFO\] Test: Test message/);
    expect(smtp.mails.at(-1)!.to).toEqual(['ops@example.com']);

    // a failing target: the outcome says why, without the URL the service echoed back
    const broken = await call(x, 'POST', '/api/alerts/channels', 'admin', {
      name: 'broken',
      type: 'slack',
      config: { url: web.url(`/fail/${TOKEN}`) },
    });
    const f = await call(x, 'POST', `/api/alerts/channels/${broken.json<ChannelAnswer>().id}/test`);
    expect(f.statusCode).toBe(200);
    const outcome = f.json<{ delivered: boolean; error: string }>();
    expect(outcome.delivered).toBe(false);
    expect(outcome.error).toMatch(/^HTTP 500: internal error at /);
    expect(f.body).not.toContain(TOKEN);
    const audit = await x.t.db.query<{ outcome: string; details: unknown }>(
      `SELECT outcome, details FROM audit_log WHERE action = 'alert_channel.tested' ORDER BY id`,
    );
    expect(audit.rows.map((a) => a.outcome)).toEqual(['success', 'success', 'failure']);
    expect(JSON.stringify(audit.rows)).not.toContain(TOKEN);
  });

  it('a deleted channel leaves the rules that named it', async () => {
    const a = await call(x, 'POST', '/api/alerts/channels', 'admin', {
      name: 'keep',
      type: 'email',
      config: { to: 'a@example.com' },
    });
    const b = await call(x, 'POST', '/api/alerts/channels', 'admin', {
      name: 'drop',
      type: 'email',
      config: { to: 'b@example.com' },
    });
    const [ka, kb] = [a.json<ChannelAnswer>().id, b.json<ChannelAnswer>().id];
    const rule = await createRule(
      x.t.db,
      DEFAULT_ORG_ID,
      { name: 'uses both', type: 'failure_rate', severity: 'warning', channels: [ka, kb] },
      { id: null, email: 'admin@example.com' },
      new Date(),
    );
    expect((await call(x, 'DELETE', `/api/alerts/channels/${kb}`)).statusCode).toBe(204);
    expect((await getRule(x.t.db, DEFAULT_ORG_ID, rule.id))!.channelIds).toEqual([ka]);
    expect((await call(x, 'GET', `/api/alerts/channels/${kb}`)).statusCode).toBe(404);
  });

  it('no secret reached a log line', () => {
    const text = log.text();
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(SECRET);
  });
});
