// The digest routes (/api/digests): admins only (viewers and analysts refused on every route and on the
// /api/orgs/:org twin); create, list, read, change (what a PATCH leaves out is kept), delete, every change in the
// audit log; bad input — a time zone Intl does not know, an address that is not one, a domain the organisation
// has no reports for, no recipients, an unknown cadence, an hour out of range, an unknown field — is a 400 naming
// the field; "send now" without an SMTP server is a 409; one organisation never sees, changes or sends
// another's digests, and the send-digests task sends only the organisation's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/analytics/cache.js';
import { taskHandlers } from '../../src/jobs/tasks.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import type { Organization } from '../../src/store/organizations.js';
import { startSmtp, type MailSink } from '../alerts/servers.js';
import { TEST_PASSWORD, bearer, createTestApp, type TestApp } from '../support/app.js';
import { DEFAULT_ORG_ID, NO_SINK, createOrg } from '../support/org.js';
import { reportXml, storeReport } from '../support/report-xml.js';

interface DigestAnswer {
  id: number;
  name: string;
  recipients: string[];
  domains: string[];
  cadence: string;
  timeZone: string;
  sendHour: number;
  attachPdf: boolean;
  enabled: boolean;
  runs: { periodStart: string; recipient: string; status: string }[];
}

describe('digest routes', () => {
  let x: TestApp;
  let noSmtp: TestApp;
  let smtp: MailSink;
  let acme: Organization;
  /** An admin of the default organisation only (not a platform administrator). */
  let localAdmin: () => Promise<string>;

  beforeAll(async () => {
    smtp = await startSmtp();
    x = await createTestApp('pglite', { DMARC_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
    noSmtp = await createTestApp('pglite');
    await storeReport(x.t.db, DEFAULT_ORG_ID, reportXml({ reportId: 'a1', ips: ['192.0.2.1'] }), NO_SINK);
    await storeReport(noSmtp.t.db, DEFAULT_ORG_ID, reportXml({ reportId: 'a1', ips: ['192.0.2.1'] }), NO_SINK);
    acme = await createOrg(x.t.db, 'acme', 'Acme');
    await storeReport(
      x.t.db,
      acme.id,
      reportXml({ reportId: 'b1', ips: ['192.0.2.9'], domain: 'acme.example' }),
      NO_SINK,
    );
    const { user } = await x.auth.createUser({
      email: 'local-admin@example.com',
      name: 'local admin',
      password: TEST_PASSWORD,
      member: { orgId: DEFAULT_ORG_ID, role: 'admin' },
    });
    localAdmin = () => x.auth.access.sign(user.id);
  });
  afterAll(async () => {
    await x?.close();
    await noSmtp?.close();
    await smtp?.close();
  });

  const call = async (method: string, url: string, token: string | Promise<string>, body?: unknown, app: TestApp = x) =>
    app.app.inject({
      method: method as 'GET',
      url,
      headers: { ...bearer(await token), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  const admin = () => x.token('admin');
  const valid = { name: 'weekly', recipients: ['ops@example.com'], cadence: 'weekly', timeZone: 'Europe/Berlin' };

  it('viewers and analysts are refused every digest route; admins are answered', async () => {
    const created = await call('POST', '/api/digests', admin(), { ...valid, name: 'rbac' });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<DigestAnswer>().id;
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/digests'],
      ['POST', '/api/digests', { ...valid, name: 'by someone' }],
      ['GET', `/api/digests/${id}`],
      ['PATCH', `/api/digests/${id}`, { name: 'renamed by someone' }],
      ['DELETE', `/api/digests/${id}`],
      ['POST', `/api/digests/${id}/send`],
      ['GET', '/api/orgs/default/digests'],
      ['POST', `/api/orgs/default/digests/${id}/send`],
    ];
    for (const role of ['viewer', 'analyst'] as const) {
      for (const [method, url, body] of routes) {
        const r = await call(method, url, x.token(role), body);
        expect(r.statusCode, `${role} ${method} ${url}`).toBe(403);
        expect(r.json<{ code: string }>().code).toBe('forbidden');
      }
    }
    expect(smtp.mails).toHaveLength(0);
    expect((await call('GET', `/api/digests/${id}`, admin())).json<DigestAnswer>().name).toBe('rbac');
    expect((await call('GET', '/api/orgs/default/digests', admin())).statusCode).toBe(200);
    expect((await call('DELETE', `/api/digests/${id}`, admin())).statusCode).toBe(204);
    expect((await call('GET', `/api/digests/${id}`, admin())).statusCode).toBe(404);
  });

  it('creates with defaults, lists, reads, changes (keeping what is left out) and deletes; all audited', async () => {
    const r = await call('POST', '/api/digests', admin(), {
      name: 'daily',
      recipients: ['a@example.com', ' a@example.com', 'b@example.com'],
      domains: ['Example.COM.'],
      cadence: 'daily',
    });
    expect(r.statusCode, r.body).toBe(201);
    const d = r.json<DigestAnswer>();
    expect(d).toMatchObject({
      name: 'daily',
      recipients: ['a@example.com', 'b@example.com'],
      domains: ['example.com'],
      cadence: 'daily',
      timeZone: 'UTC',
      sendHour: 8,
      attachPdf: false,
      enabled: true,
      runs: [],
    });
    const changed = await call('PATCH', `/api/digests/${d.id}`, admin(), {
      timeZone: 'Pacific/Auckland',
      attachPdf: true,
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json<DigestAnswer>()).toMatchObject({
      name: 'daily',
      recipients: ['a@example.com', 'b@example.com'],
      timeZone: 'Pacific/Auckland',
      attachPdf: true,
      cadence: 'daily',
    });
    const list = (await call('GET', '/api/digests', admin())).json<{ items: DigestAnswer[] }>().items;
    expect(list.map((x) => x.name)).toContain('daily');
    // a second digest of the same name is a conflict
    const twin = await call('POST', '/api/digests', admin(), { ...valid, name: 'daily' });
    expect(twin.statusCode).toBe(409);
    expect(twin.json<{ code: string }>().code).toBe('name_taken');
    expect((await call('DELETE', `/api/digests/${d.id}`, admin())).statusCode).toBe(204);
    expect((await call('DELETE', `/api/digests/${d.id}`, admin())).json<{ code: string }>().code).toBe(
      'digest_not_found',
    );
    const audit = await x.t.db.query<{ action: string }>('SELECT action FROM audit_log WHERE target = $1 ORDER BY id', [
      `digest:${d.id}`,
    ]);
    expect(audit.rows.map((a) => a.action)).toEqual(['digest.created', 'digest.changed', 'digest.deleted']);
  });

  it('bad input is a 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ ...valid, timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
      [{ ...valid, recipients: ['not an address'] }, 'recipients.0'],
      [{ ...valid, recipients: ['ok@example.com', 'two@@example.com'] }, 'recipients.1'],
      [{ ...valid, recipients: [] }, 'recipients'],
      [{ ...valid, domains: ['unknown.example'] }, 'domains.0'],
      // another organisation's domain is unknown here
      [{ ...valid, domains: ['acme.example'] }, 'domains.0'],
      [{ ...valid, cadence: 'hourly' }, 'cadence'],
      [{ ...valid, sendHour: 24 }, 'sendHour'],
      [{ ...valid, name: '' }, 'name'],
      [{ ...valid, surprise: true }, 'surprise'],
      [{ name: 'no cadence', recipients: ['a@example.com'] }, 'cadence'],
    ];
    for (const [body, field] of cases) {
      const r = await call('POST', '/api/digests', admin(), body);
      expect(r.statusCode, `${JSON.stringify(body)}: ${r.body}`).toBe(400);
      const p = r.json<{ code: string; errors?: { field: string }[]; detail: string }>();
      expect(p.code).toBe('validation_failed');
      expect(JSON.stringify(p), JSON.stringify(body)).toContain(field);
    }
    const ok = await call('POST', '/api/digests', admin(), { ...valid, name: 'to change' });
    const id = ok.json<DigestAnswer>().id;
    const bad = await call('PATCH', `/api/digests/${id}`, admin(), { timeZone: 'Nowhere/Else' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: { field: string }[] }>().errors[0]!.field).toBe('timeZone');
    expect((await call('GET', '/api/digests/0', admin())).statusCode).toBe(400);
    expect((await call('GET', '/api/digests/abc', admin())).statusCode).toBe(400);
    expect((await call('POST', '/api/digests/999999/send', admin())).json<{ code: string }>().code).toBe(
      'digest_not_found',
    );
    await call('DELETE', `/api/digests/${id}`, admin());
  });

  it('"send now" without an SMTP server is a 409 problem; with one, each recipient\'s outcome', async () => {
    const created = await call('POST', '/api/digests', noSmtp.token('admin'), valid, noSmtp);
    expect(created.statusCode, created.body).toBe(201);
    const r = await call(
      'POST',
      `/api/digests/${created.json<DigestAnswer>().id}/send`,
      noSmtp.token('admin'),
      undefined,
      noSmtp,
    );
    expect(r.statusCode).toBe(409);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json<{ code: string }>().code).toBe('smtp_not_configured');

    const d = (
      await call('POST', '/api/digests', admin(), { ...valid, name: 'send now', recipients: ['now@example.com'] })
    ).json<DigestAnswer>();
    const sent = await call('POST', `/api/digests/${d.id}/send`, admin());
    expect(sent.statusCode, sent.body).toBe(200);
    expect(sent.json<{ outcomes: unknown[] }>().outcomes).toEqual([
      { recipient: 'now@example.com', status: 'sent', error: null },
    ]);
    expect(smtp.mails.filter((m) => m.to.includes('now@example.com'))).toHaveLength(1);
    await call('DELETE', `/api/digests/${d.id}`, admin());
  });

  it("one organisation never sees, changes or sends another's digests; the task sends only its own", async () => {
    const theirs = await call('POST', '/api/orgs/acme/digests', admin(), {
      name: 'acme daily',
      recipients: ['acme@example.com'],
      domains: ['acme.example'],
      cadence: 'daily',
    });
    expect(theirs.statusCode, theirs.body).toBe(201);
    const id = theirs.json<DigestAnswer>().id;
    const ours = await call('POST', '/api/digests', localAdmin(), {
      name: 'ours daily',
      recipients: ['ours@example.com'],
      cadence: 'daily',
    });
    expect(ours.statusCode, ours.body).toBe(201);

    const list = (await call('GET', '/api/digests', localAdmin())).json<{ items: DigestAnswer[] }>().items;
    expect(list.map((d) => d.name)).not.toContain('acme daily');
    for (const [method, body] of [['GET'], ['PATCH', { name: 'stolen' }], ['DELETE'], ['POST']] as const) {
      const url = method === 'POST' ? `/api/digests/${id}/send` : `/api/digests/${id}`;
      const r = await call(method, url, localAdmin(), body);
      expect(r.statusCode, `${method} ${url}`).toBe(404);
      expect(r.json<{ code: string }>().code).toBe('digest_not_found');
    }
    const other = await call('GET', '/api/orgs/acme/digests', localAdmin());
    expect(other.statusCode).toBe(404);
    expect(other.json<{ code: string }>().code).toBe('organization_not_found');
    expect((await call('GET', `/api/orgs/acme/digests/${id}`, admin())).json<DigestAnswer>().name).toBe('acme daily');

    // the default organisation's run sends its digests only; acme's run sends acme's, with acme's figures
    const handlers = taskHandlers({
      db: x.t.db,
      queue: x.queue,
      cache: new MemoryCache(60),
      limits: DEFAULT_UNPACK_LIMITS,
      sink: NO_SINK,
      alerts: x.config.alerts,
      now: () => new Date('2026-01-02T09:00:00Z'),
    });
    await handlers['send-digests']({ orgId: DEFAULT_ORG_ID });
    expect(smtp.mails.filter((m) => m.to.includes('acme@example.com'))).toHaveLength(0);
    const oursMail = smtp.mails.filter((m) => m.to.includes('ours@example.com'));
    expect(oursMail).toHaveLength(1);
    expect(oursMail[0]!.email.text).not.toContain('acme.example');
    await handlers['send-digests']({ orgId: acme.id });
    const acmeMail = smtp.mails.filter((m) => m.to.includes('acme@example.com'));
    expect(acmeMail).toHaveLength(1);
    expect(acmeMail[0]!.email.subject).toBe('DMARC digest · Acme · 2026-01-01');
    expect(acmeMail[0]!.email.text).toContain('acme.example');
    expect(acmeMail[0]!.email.text).not.toContain('example.com:');
    // the runs are each organisation's
    const runs = await x.t.db.query<{ org_id: number; recipient: string }>(
      'SELECT org_id, recipient FROM digest_runs ORDER BY id',
    );
    expect(runs.rows.map((r) => [Number(r.org_id), r.recipient])).toEqual([
      [DEFAULT_ORG_ID, 'ours@example.com'],
      [acme.id, 'acme@example.com'],
    ]);
    expect((await call('GET', `/api/orgs/acme/digests/${id}`, admin())).json<DigestAnswer>().runs).toMatchObject([
      { periodStart: '2026-01-01', recipient: 'acme@example.com', status: 'sent' },
    ]);
    // the platform-wide run queues one run per organisation with an enabled digest
    expect(await handlers['send-digests']({})).toEqual({ organisations: 2 });
  });
});
