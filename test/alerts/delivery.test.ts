// Delivery of notifications against real local servers: an SMTP server receiving the mail (HTML and plain text,
// with the installation's login), HTTP servers standing in for Slack, Discord, Teams and a webhook, each payload
// checked against the shape its service documents (and the webhook's HMAC signature); check-alerts evaluated twice
// notifies once; a target answering 500 or never answering is retried, then failed, while another channel is
// delivered; the private-address guard refuses internal targets at save and at send time, unless allowed; no
// secret (webhook URL, signing secret, SMTP password) appears in a delivery's error, the task history or a log; and
// a rule over its cap of notifications per check sends each channel one summary, in that channel's format, with a
// link to the Alerts page filtered by the rule.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/analytics/cache.js';
import { channelFields, createChannel } from '../../src/alerts/channels-admin.js';
import { DISCORD_LIMITS, discordMessage, embedLength } from '../../src/alerts/channels/discord.js';
import { postJson } from '../../src/alerts/channels/http.js';
import { notificationJson, testNotification, type SummaryNotification } from '../../src/alerts/channels/message.js';
import { slackMessage } from '../../src/alerts/channels/slack.js';
import { teamsMessage } from '../../src/alerts/channels/teams.js';
import { emailContent } from '../../src/alerts/channels/email.js';
import { createRule } from '../../src/alerts/rules-admin.js';
import { InvalidAlertInput } from '../../src/alerts/validation.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import type { JobEvent } from '../../src/jobs/queue.js';
import { taskHandlers } from '../../src/jobs/tasks.js';
import { insertChannel } from '../../src/store/alert-channels.js';
import { listDeliveries, type AlertDelivery } from '../../src/store/alert-deliveries.js';
import { listAlerts } from '../../src/store/alerts.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { NO_SINK, createOrg } from '../support/org.js';
import { startRecorder, startSmtp, type MailSink, type Recorder } from './servers.js';
import { putRollup } from './support.js';

const T0 = new Date('2026-01-15T12:00:00Z');
const ADMIN = { id: null, email: 'admin@example.com' };
const SECRET = 'hmac-secret-0123456789abcdef';
const SMTP_PASSWORD = 'smtp-pass-9f8e7d6c5b4a';
const TOKEN = 'T0KEN-abcdef-1234567890';

describe('alert delivery against local servers', () => {
  let t: TestDatabase;
  let web: Recorder;
  let smtp: MailSink;
  let n = 0;
  const logLines: string[] = [];
  beforeAll(async () => {
    t = await openPglite();
    web = await startRecorder();
    smtp = await startSmtp({ user: 'alerts', password: SMTP_PASSWORD });
  });
  afterAll(async () => {
    await web?.close();
    await smtp?.close();
    await t?.drop();
  });

  function config(env: Record<string, string> = {}): Config {
    return loadConfig({
      DMARC_WEBHOOK_ALLOW_PRIVATE: 'true',
      DMARC_WEBHOOK_TIMEOUT: '300ms',
      DMARC_SMTP_HOST: '127.0.0.1',
      DMARC_SMTP_PORT: String(smtp.port),
      DMARC_SMTP_USER: 'alerts',
      DMARC_SMTP_PASSWORD: SMTP_PASSWORD,
      DMARC_SMTP_FROM: 'DMARC <dmarc@example.com>',
      DMARC_JOB_ATTEMPTS: '3',
      DMARC_JOB_BACKOFF: '20ms',
      ...env,
    });
  }

  /** A worker with the real handlers, the given settings and the tests' clock. */
  function worker(c: Config) {
    const events: JobEvent[] = [];
    const queue = new InProcessQueue({
      maxAttempts: c.jobs.maxAttempts,
      backoffMs: c.jobs.backoffMs,
      onEvent: (e) => events.push(e),
    });
    const log = (level: string) => (obj: object, msg: string) =>
      logLines.push(`${level} ${msg} ${JSON.stringify(obj)}`);
    queue.start(
      taskHandlers({
        db: t.db,
        queue,
        cache: new MemoryCache(60),
        limits: DEFAULT_UNPACK_LIMITS,
        sink: NO_SINK,
        jobs: c.jobs,
        alerts: c.alerts,
        now: () => T0,
        log: { info: log('info'), warn: log('warn'), error: log('error') },
      }),
    );
    // what the process's queue logs for a failed run (runtime/jobs.ts logEvent)
    const logged = () => events.filter((e) => e.error).map((e) => `${e.type} ${e.name} ${e.error}`);
    return { queue, events, logged };
  }

  /** An organisation whose domain fails DMARC now, and a critical failure_rate rule on the given channels. */
  async function breachingOrg(channels: { name: string; type: string; config: Record<string, unknown> }[]) {
    const org = await createOrg(t.db, `delivery-${++n}`, `Delivery Org ${n}`);
    const ids: number[] = [];
    for (const ch of channels) {
      ids.push((await insertChannel(t.db, org.id, { ...ch, enabled: true }, T0)).id);
    }
    await createRule(
      t.db,
      org.id,
      { name: 'failures', type: 'failure_rate', severity: 'critical', channels: ids },
      ADMIN,
      T0,
    );
    await putRollup(t.db, org.id, { domain: 'example.com', day: '2026-01-15', messages: 500, pass: true });
    await putRollup(t.db, org.id, { domain: 'example.com', day: '2026-01-15', messages: 500, pass: false });
    return { orgId: org.id, channelIds: ids };
  }

  const deliveriesOf = async (orgId: number): Promise<AlertDelivery[]> => {
    const alerts = (await listAlerts(t.db, { orgId }, { limit: 100 })).items;
    return (await Promise.all(alerts.map((a) => listDeliveries(t.db, orgId, a.id)))).flat();
  };

  it('check-alerts notifies every channel once, each in the shape its service documents', async () => {
    const c = config();
    const { orgId } = await breachingOrg([
      { name: 'slack', type: 'slack', config: { url: web.url(`/slack/${TOKEN}`) } },
      { name: 'discord', type: 'discord', config: { url: web.url(`/discord/${TOKEN}`) } },
      { name: 'teams', type: 'teams', config: { url: web.url(`/teams/${TOKEN}`) } },
      { name: 'hook', type: 'webhook', config: { url: web.url('/hook'), secret: SECRET } },
      { name: 'mail', type: 'email', config: { to: ['soc@example.com', 'admin@example.com'] } },
    ]);
    const w = worker(c);
    await w.queue.enqueue('check-alerts', { orgId });
    await w.queue.drain();

    const ds = await deliveriesOf(orgId);
    expect(ds.map((d) => [d.channelName, d.event, d.severity, d.state, d.attempts, d.lastError]).sort()).toEqual([
      ['discord', 'opened', 'critical', 'delivered', 1, null],
      ['hook', 'opened', 'critical', 'delivered', 1, null],
      ['mail', 'opened', 'critical', 'delivered', 1, null],
      ['slack', 'opened', 'critical', 'delivered', 1, null],
      ['teams', 'opened', 'critical', 'delivered', 1, null],
    ]);
    for (const d of ds) expect(d.deliveredAt?.toISOString()).toBe(T0.toISOString());

    // Slack: Block Kit — a fallback text, a plain_text header of at most 150, mrkdwn sections, at most 10 fields
    const [slack] = web.on(`/slack/${TOKEN}`);
    expect(slack!.method).toBe('POST');
    expect(slack!.headers['content-type']).toBe('application/json');
    const s = JSON.parse(slack!.body) as { text: string; blocks: Record<string, unknown>[] };
    expect(s.text).toContain('[CRITICAL]');
    expect(s.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    const header = s.blocks[0] as { text: { type: string; text: string } };
    expect(header.text.type).toBe('plain_text');
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    expect(header.text.text).toContain('failures — example.com');
    const fields = (s.blocks[2] as { fields: { type: string; text: string }[] }).fields;
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.length).toBeLessThanOrEqual(10);
    for (const f of fields) expect(f.type).toBe('mrkdwn');
    expect(fields.map((f) => f.text)).toContain('*Domain*\nexample.com');

    // Discord: one embed within the documented limits
    const d = JSON.parse(web.on(`/discord/${TOKEN}`)[0]!.body) as ReturnType<typeof discordMessage>;
    expect(d.embeds).toHaveLength(1);
    const e = d.embeds[0]!;
    expect(e.title.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect(e.description.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(e.fields.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
    expect(embedLength(e)).toBeLessThanOrEqual(DISCORD_LIMITS.total);
    expect(Number.isInteger(e.color)).toBe(true);
    expect(new Date(e.timestamp).toISOString()).toBe(e.timestamp);
    expect(e.description).toMatch(/failed DMARC/);

    // Teams: a message with one Adaptive Card attachment; a critical alert is marked urgent
    const tm = JSON.parse(web.on(`/teams/${TOKEN}`)[0]!.body) as {
      type: string;
      attachments: { contentType: string; content: { type: string; version: string; body: unknown[] } }[];
    };
    expect(tm.type).toBe('message');
    expect(tm.attachments).toHaveLength(1);
    expect(tm.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(tm.attachments[0]!.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    const card = JSON.stringify(tm.attachments[0]!.content.body);
    expect(card).toContain('"style":"attention"');
    expect(card).toContain('URGENT');
    expect(card).toContain('FactSet');

    // the webhook: JSON signed with the channel's secret over the raw body
    const hook = web.on('/hook')[0]!;
    const expected = `sha256=${createHmac('sha256', SECRET).update(hook.body).digest('hex')}`;
    expect(hook.headers['x-dmarc-signature']).toBe(expected);
    expect(hook.headers['x-dmarc-event']).toBe('opened');
    const body = JSON.parse(hook.body) as { event: string; severity: string; alert: Record<string, unknown> };
    expect(body).toMatchObject({ event: 'opened', severity: 'critical', organisation: `Delivery Org ${n}` });
    expect(body.alert).toMatchObject({ rule: 'failures', ruleType: 'failure_rate', domain: 'example.com' });
    expect(JSON.stringify(body)).not.toContain(SECRET);

    // e-mail: through the SMTP server with the installation's login, HTML and plain text
    expect(smtp.logins).toContainEqual({ user: 'alerts', password: SMTP_PASSWORD });
    const mail = smtp.mails.at(-1)!;
    expect(mail.from).toBe('dmarc@example.com');
    expect(mail.to).toEqual(['soc@example.com', 'admin@example.com']);
    expect(mail.email.subject).toMatch(/^\[CRITICAL\] Alert: failures — example\.com$/);
    expect(mail.email.text).toContain('Domain: example.com');
    expect(mail.email.html).toContain('<table>');
    expect(mail.email.html).toContain('example.com');

    // evaluating again on the same data notifies nobody
    const before = web.requests.length;
    const mailsBefore = smtp.mails.length;
    await w.queue.enqueue('check-alerts', { orgId });
    await w.queue.drain();
    expect(await deliveriesOf(orgId)).toHaveLength(5);
    expect(web.requests.length).toBe(before);
    expect(smtp.mails.length).toBe(mailsBefore);
    await w.queue.close();
  });

  it('a target answering 500 or never answering is retried, then failed; the other channel is delivered', async () => {
    // a backoff longer than the timeout: the retries wait while the next job runs
    const c = config({ DMARC_JOB_BACKOFF: '400ms', DMARC_WEBHOOK_TIMEOUT: '150ms' });
    const { orgId } = await breachingOrg([
      { name: 'broken', type: 'slack', config: { url: web.url(`/fail/${TOKEN}`) } },
      { name: 'silent', type: 'webhook', config: { url: web.url(`/hang/${TOKEN}`), secret: SECRET } },
      { name: 'fine', type: 'discord', config: { url: web.url(`/ok/${TOKEN}`) } },
    ]);
    const w = worker(c);
    await w.queue.enqueue('check-alerts', { orgId });
    await w.queue.drain();
    const ds = await deliveriesOf(orgId);
    const byName = Object.fromEntries(ds.map((x) => [x.channelName, x]));
    expect(byName.fine).toMatchObject({ state: 'delivered', attempts: 1, lastError: null });
    expect(byName.broken).toMatchObject({ state: 'failed', attempts: 3 });
    expect(byName.broken!.lastError).toMatch(/^HTTP 500: internal error at /);
    expect(byName.silent).toMatchObject({ state: 'failed', attempts: 3, lastError: 'no answer within 150 ms' });
    expect(web.on(`/fail/${TOKEN}`)).toHaveLength(3);
    expect(web.on(`/hang/${TOKEN}`)).toHaveLength(3);
    expect(web.on(`/ok/${TOKEN}`)).toHaveLength(1);
    // the queue retried each failing notify with its backoff, and failed it for good after the last attempt
    const notify = w.events.filter((e) => e.name === 'notify');
    expect(notify.filter((e) => e.type === 'retrying')).toHaveLength(4);
    expect(notify.filter((e) => e.type === 'failed')).toHaveLength(2);
    expect(notify.filter((e) => e.type === 'completed')).toHaveLength(1);
    // the good channel was not held up behind the failing ones: delivered before either was tried again
    const completed = notify.findIndex((e) => e.type === 'completed');
    const secondAttempt = notify.findIndex((e) => e.type === 'started' && e.attempt === 2);
    expect(completed).toBeGreaterThan(-1);
    expect(completed).toBeLessThan(secondAttempt);

    // the webhook path (a token) is never in an error, the history of runs or a log line, even when the service
    // echoes it back
    const runs = await t.db.query<{ error: string | null }>(`SELECT error FROM task_runs`);
    const texts = [...ds.map((x) => x.lastError ?? ''), ...runs.rows.map((r) => r.error ?? ''), ...w.logged()];
    expect(texts.join('\n')).toContain('internal error at');
    for (const text of [...texts, ...logLines]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(SMTP_PASSWORD);
    }
    await w.queue.close();
  });

  it('a webhook answering 404 fails at once (retrying cannot help); an e-mail channel without SMTP fails at once', async () => {
    const c = config({ DMARC_SMTP_HOST: '', DMARC_SMTP_PORT: '', DMARC_SMTP_USER: '', DMARC_SMTP_PASSWORD: '' });
    expect(c.alerts.smtp).toBeNull();
    const { orgId } = await breachingOrg([
      { name: 'gone', type: 'teams', config: { url: web.url('/gone/x') } },
      { name: 'mail', type: 'email', config: { to: 'soc@example.com' } },
    ]);
    const w = worker(c);
    await w.queue.enqueue('check-alerts', { orgId });
    await w.queue.drain();
    const ds = Object.fromEntries((await deliveriesOf(orgId)).map((x) => [x.channelName, x]));
    expect(ds.gone).toMatchObject({ state: 'failed', attempts: 1, lastError: 'HTTP 404: no such webhook' });
    expect(ds.mail).toMatchObject({ state: 'failed', attempts: 1 });
    expect(ds.mail!.lastError).toMatch(/no SMTP server is configured/);
    await w.queue.close();
  });

  it('an SMTP login refused is retried, then failed, and the password is in no error', async () => {
    const wrong = 'wrong-smtp-password-5566';
    const c = config({ DMARC_SMTP_PASSWORD: wrong });
    const { orgId } = await breachingOrg([{ name: 'mail', type: 'email', config: { to: 'soc@example.com' } }]);
    const w = worker(c);
    await w.queue.enqueue('check-alerts', { orgId });
    await w.queue.drain();
    const [d] = await deliveriesOf(orgId);
    expect(d).toMatchObject({ state: 'failed', attempts: 3 });
    expect(d!.lastError).toMatch(/login|auth/i);
    expect(smtp.logins.filter((l) => l.password === wrong)).toHaveLength(3);
    for (const text of [d!.lastError ?? '', ...w.logged()]) expect(text).not.toContain(wrong);
    await w.queue.close();
  });

  it('the private-address guard refuses internal targets when a channel is saved, unless allowed', async () => {
    const deny = { allowPrivate: false };
    const refused = async (url: string) => {
      const err = await channelFields({ name: 'x', type: 'slack', config: { url } }, deny).catch((e: unknown) => e);
      expect(err, url).toBeInstanceOf(InvalidAlertInput);
      return (err as InvalidAlertInput).errors?.[0];
    };
    for (const url of [
      'https://127.0.0.1/hook',
      'https://10.1.2.3/hook',
      'https://172.16.0.1/hook',
      'https://192.168.1.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/hook',
      'https://192.0.2.10/hook',
      'https://224.0.0.1/hook',
      'https://[::1]/hook',
      'https://[fe80::1]/hook',
      'https://[fd00::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://localhost/hook',
    ]) {
      const e = await refused(url);
      expect(e, url).toMatchObject({ field: 'config.url' });
      expect(e!.message, url).toMatch(/address|refused/);
    }
    // plain http only where private targets are allowed; no credentials in the URL
    expect(await refused('http://93.184.215.14/hook')).toEqual({
      field: 'config.url',
      message: 'must be an https:// URL',
    });
    expect((await refused('https://u:p@93.184.215.14/hook'))!.message).toMatch(/user name or password/);
    // a public address is accepted, and so is a private one when the installation allows it
    await expect(
      channelFields({ name: 'x', type: 'slack', config: { url: 'https://93.184.215.14/h' } }, deny),
    ).resolves.toMatchObject({
      type: 'slack',
    });
    await expect(
      channelFields({ name: 'x', type: 'slack', config: { url: web.url('/ok') } }, { allowPrivate: true }),
    ).resolves.toMatchObject({ config: { url: web.url('/ok') } });
    // the same through createChannel: nothing stored
    const org = await createOrg(t.db, `guard-${++n}`);
    await expect(
      createChannel(
        t.db,
        org.id,
        { name: 'x', type: 'webhook', config: { url: 'https://10.0.0.1/', secret: SECRET } },
        ADMIN,
        T0,
        deny,
      ),
    ).rejects.toBeInstanceOf(InvalidAlertInput);
    expect((await t.db.query('SELECT 1 FROM alert_channels WHERE org_id = $1', [org.id])).rows).toHaveLength(0);
  });

  it('and again at send time, on the addresses the connection uses (a channel saved before, a name that resolves inside)', async () => {
    const settings = { allowPrivate: false, timeoutMs: 1000, smtp: null };
    const before = web.requests.length;
    await expect(postJson(settings, `https://127.0.0.1:${web.port}/ok`, '{}')).rejects.toThrow(
      /loopback address: refused/,
    );
    // localhost is a name: refused by the lookup the connection makes
    await expect(postJson(settings, `https://localhost:${web.port}/ok`, '{}')).rejects.toThrow(
      /loopback address: refused/,
    );
    expect(web.requests.length).toBe(before);
    // allowed: the same name reaches the local server
    await expect(
      postJson({ ...settings, allowPrivate: true }, `http://localhost:${web.port}/ok`, '{}'),
    ).resolves.toMatchObject({ status: 200 });

    // a channel stored while private targets were allowed fails at once, sending nothing, once they are not
    const { orgId } = await breachingOrg([{ name: 'inside', type: 'slack', config: { url: web.url('/ok/inside') } }]);
    const w = worker(config({ DMARC_WEBHOOK_ALLOW_PRIVATE: 'false' }));
    await w.queue.enqueue('check-alerts', { orgId });
    await w.queue.drain();
    const [d] = await deliveriesOf(orgId);
    expect(d).toMatchObject({ state: 'failed', attempts: 1 });
    expect(d!.lastError).toMatch(/must be an https:\/\/ URL|refused/);
    expect(web.on('/ok/inside')).toHaveLength(0);
    await w.queue.close();
  });

  it('only a critical alert is marked urgent in Teams; each event says what happened', () => {
    const base = testNotification('Org', T0);
    const of = (event: 'opened' | 'escalated' | 'resolved', severity: 'info' | 'warning' | 'critical') =>
      JSON.stringify(teamsMessage({ ...base, event, severity, alert: { ...base.alert, severity } }));
    expect(of('opened', 'critical')).toContain('URGENT');
    expect(of('escalated', 'critical')).toContain('URGENT');
    expect(of('opened', 'warning')).not.toContain('URGENT');
    expect(of('resolved', 'critical')).not.toContain('URGENT');
    expect(of('resolved', 'critical')).toContain('"style":"good"');
    const titles = (['opened', 'escalated', 'resolved'] as const).map(
      (event) => emailContent({ ...base, event, severity: 'warning' }).subject,
    );
    expect(titles).toEqual([
      '[WARNING] Alert: Test message — Org',
      '[WARNING] Escalated: Test message — Org',
      '[WARNING] Resolved: Test message — Org',
    ]);
    // HTML is escaped
    const html = emailContent({
      ...base,
      event: 'opened',
      alert: { ...base.alert, summary: '<script>x</script>' },
    }).html;
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it("messages stay within each service's limits whatever the alert says", () => {
    const n0 = testNotification('Org', T0);
    const long = {
      ...n0,
      alert: { ...n0.alert, ruleName: 'r'.repeat(1000), summary: 's'.repeat(10_000), subject: 'x'.repeat(5000) },
    };
    const e = discordMessage(long).embeds[0]!;
    expect(e.title.length).toBe(DISCORD_LIMITS.title);
    expect(
      e.fields.every((f) => f.value.length <= DISCORD_LIMITS.fieldValue && f.name.length <= DISCORD_LIMITS.fieldName),
    ).toBe(true);
    expect(embedLength(e)).toBeLessThanOrEqual(DISCORD_LIMITS.total);
    const s = slackMessage(long);
    expect((s.blocks[0] as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(150);
    expect(s.text.length).toBeLessThanOrEqual(3000);
  });
  it('a rule over its cap sends each channel one summary in its format, linking the Alerts page of the rule', async () => {
    const c = config({ DMARC_ALERTS_NOTIFY_MAX_PER_RULE: '1', DMARC_PUBLIC_URL: 'https://dmarc.example.com/' });
    const org = await createOrg(t.db, `summary-${++n}`, `Summary Org ${n}`);
    const chans = [
      { name: 'slack', type: 'slack', config: { url: web.url(`/s-slack/${TOKEN}`) } },
      { name: 'discord', type: 'discord', config: { url: web.url(`/s-discord/${TOKEN}`) } },
      { name: 'teams', type: 'teams', config: { url: web.url(`/s-teams/${TOKEN}`) } },
      { name: 'hook', type: 'webhook', config: { url: web.url('/s-hook'), secret: SECRET } },
      { name: 'mail', type: 'email', config: { to: ['noc@example.com'] } },
    ];
    const ids: number[] = [];
    for (const ch of chans) ids.push((await insertChannel(t.db, org.id, { ...ch, enabled: true }, T0)).id);
    const rule = await createRule(
      t.db,
      org.id,
      { name: 'failures', type: 'failure_rate', severity: 'critical', channels: ids },
      ADMIN,
      T0,
    );
    // three failing domains: one alert notified one by one, two in the summary
    for (const domain of ['a.example', 'b.example', 'c.example']) {
      await putRollup(t.db, org.id, { domain, day: '2026-01-15', messages: 500, pass: true });
      await putRollup(t.db, org.id, { domain, day: '2026-01-15', messages: 500, pass: false });
    }
    const mailsBefore = smtp.mails.length;
    const w = worker(c);
    await w.queue.enqueue('check-alerts', { orgId: org.id });
    await w.queue.drain();
    await w.queue.close();

    const all = await t.db.query<{ event: string; state: string; channel_name: string }>(
      'SELECT event, state, channel_name FROM alert_deliveries WHERE org_id = $1 ORDER BY id',
      [org.id],
    );
    expect(all.rows.filter((d) => d.event === 'opened')).toHaveLength(5);
    expect(all.rows.filter((d) => d.event === 'summary').map((d) => [d.channel_name, d.state])).toEqual(
      chans.map((ch) => [ch.name, 'delivered']),
    );
    expect((await listAlerts(t.db, { orgId: org.id }, { limit: 10 })).total).toBe(3);
    const link = `https://dmarc.example.com/o/summary-${n}/alerting?rule=${rule.id}&state=unresolved`;
    const lead = '2 more alerts of rule “failures” opened in this check, beyond the 1 notified one by one.';
    const summaryOf = (path: string) => {
      const rs = web.on(path).filter((r) => r.body.includes('more alerts'));
      expect(rs).toHaveLength(1);
      return rs[0]!;
    };

    // Slack: the same Block Kit layout, the link as a button of an actions block
    const s = JSON.parse(summaryOf(`/s-slack/${TOKEN}`).body) as { text: string; blocks: Record<string, unknown>[] };
    expect(s.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'actions', 'context']);
    expect((s.blocks[0] as { text: { text: string } }).text.text).toContain('[CRITICAL] 2 more alerts: failures');
    expect((s.blocks[1] as { text: { text: string } }).text.text).toContain(lead);
    const fields = (s.blocks[2] as { fields: { text: string }[] }).fields.map((f) => f.text);
    expect(fields.length).toBeLessThanOrEqual(10);
    expect(fields).toContain('*Alerts opened*\n2');
    expect(fields).toContain(`*Alerts page*\n${link}`);
    expect(s.blocks[3]).toEqual({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open these alerts' }, url: link }],
    });

    // Discord: one embed within the limits, its title linking the page
    const d = JSON.parse(summaryOf(`/s-discord/${TOKEN}`).body) as ReturnType<typeof discordMessage>;
    const e = d.embeds[0]! as ReturnType<typeof discordMessage>['embeds'][number] & { url?: string };
    expect(e.url).toBe(link);
    expect(e.title).toBe(`[CRITICAL] 2 more alerts: failures — Summary Org ${n}`);
    expect(e.description).toContain(lead);
    expect(embedLength(e)).toBeLessThanOrEqual(DISCORD_LIMITS.total);

    // Teams: an Adaptive Card, urgent (critical), with an Action.OpenUrl to the page
    const tm = JSON.parse(summaryOf(`/s-teams/${TOKEN}`).body) as {
      attachments: { contentType: string; content: { body: unknown[]; actions: unknown[] } }[];
    };
    expect(tm.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(tm.attachments[0]!.content.body)).toContain('URGENT');
    expect(JSON.stringify(tm.attachments[0]!.content.body)).toContain(lead);
    expect(tm.attachments[0]!.content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open these alerts', url: link },
    ]);

    // the webhook: signed JSON, event 'summary', the counts and the link
    const hook = summaryOf('/s-hook');
    expect(hook.headers['x-dmarc-signature']).toBe(
      `sha256=${createHmac('sha256', SECRET).update(hook.body).digest('hex')}`,
    );
    expect(hook.headers['x-dmarc-event']).toBe('summary');
    expect(JSON.parse(hook.body)).toEqual({
      event: 'summary',
      severity: 'critical',
      sentAt: T0.toISOString(),
      organisation: `Summary Org ${n}`,
      title: `[CRITICAL] 2 more alerts: failures — Summary Org ${n}`,
      summary: {
        ruleId: rule.id,
        rule: 'failures',
        ruleType: 'failure_rate',
        domain: null,
        counts: { opened: 2, escalated: 0, resolved: 0 },
        alerts: 2,
        notified: 1,
        text: `${lead} They are on the Alerts page, not notified each.`,
        link,
      },
    });

    // e-mail: the subject says it, the HTML links the page, the text gives it
    const mails = smtp.mails.slice(mailsBefore).filter((m) => m.email.subject?.includes('more alerts'));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual(['noc@example.com']);
    expect(mails[0]!.email.subject).toBe(`[CRITICAL] 2 more alerts: failures — Summary Org ${n}`);
    expect(mails[0]!.email.html).toContain(`<a href="${link.replace(/&/g, '&amp;')}">Open these alerts</a>`);
    expect(mails[0]!.email.text).toContain(`Alerts page: ${link}`);
    expect(mails[0]!.email.text).toContain(lead);
  });

  it('a summary without DMARC_PUBLIC_URL gives the page as a path, and no link a service would refuse', () => {
    const n0: SummaryNotification = {
      event: 'summary',
      severity: 'warning',
      organisation: 'Org',
      at: T0,
      link: '/o/org/alerting?rule=7&state=unresolved',
      summary: {
        ruleId: 7,
        ruleName: 'new sender',
        ruleType: 'new_sender',
        domain: 'example.com',
        counts: { opened: 1230, escalated: 4, resolved: 0 },
        notified: 20,
      },
    };
    const lead = '1,234 more alerts of rule “new sender”: 1,230 opened, 4 escalated in this check';
    const s = slackMessage(n0);
    expect(s.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(s.text).toContain(lead);
    const e = discordMessage(n0).embeds[0]!;
    expect('url' in e).toBe(false);
    expect(e.title).toBe('[WARNING] 1,234 more alerts: new sender — example.com');
    expect(e.fields).toContainEqual({ name: 'Alerts page', value: n0.link, inline: true });
    const card = teamsMessage(n0).attachments[0]!.content;
    expect('actions' in card).toBe(false);
    expect(JSON.stringify(card)).not.toContain('URGENT');
    const mail = emailContent(n0);
    expect(mail.html).not.toContain('<a ');
    expect(mail.text).toContain('Alerts page: /o/org/alerting?rule=7&state=unresolved');
    expect(notificationJson(n0)).toMatchObject({ event: 'summary', summary: { alerts: 1234, link: n0.link } });
  });
});
