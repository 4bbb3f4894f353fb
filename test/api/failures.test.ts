// GET /api/failures[/:id]: the list (newest arrival first, cursor pages), every filter the route takes (reported
// domain, arrival days, source IP, the source's sender, auth failure, feedback type), one report with its fields
// and kept headers (never the original's body) and its source's enrichment, another organisation's reports neither listed nor found by id,
// and bad input as problem+json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile } from '../../src/ingest/process-file.js';
import { upsertEnrichments } from '../../src/store/ip-enrichment.js';
import { bearer, createTestApp, type TestApp } from '../support/app.js';
import { arfMessage } from '../support/failure-report.js';
import { DEFAULT_ORG_ID, NO_SINK, createOrg } from '../support/org.js';

interface Spec {
  arrival: string;
  ip: string;
  domain: string;
  authFailure?: string;
  feedbackType?: string;
  subject?: string;
}

const BODY = 'the body of the original message';

/** An ARF failure report (RFC 6591) with the original message attached, body and all. */
function arf(s: Spec): Buffer {
  return arfMessage({
    extraHeaders: [`Message-ID: <${s.ip}-${s.arrival}@receiver.example>`],
    feedback: [
      `Feedback-Type: ${s.feedbackType ?? 'auth-failure'}`,
      'User-Agent: ReceiverFilter/1.0',
      'Version: 1',
      `Auth-Failure: ${s.authFailure ?? 'dmarc'}`,
      `Source-IP: ${s.ip}`,
      `Reported-Domain: ${s.domain}`,
      `Original-Mail-From: <bounce@${s.domain}>`,
      'Original-Rcpt-To: <someone@receiver.example>',
      `Arrival-Date: ${s.arrival}`,
      `Authentication-Results: receiver.example; dmarc=fail header.from=${s.domain}; spf=fail smtp.mailfrom=${s.domain}`,
      `DKIM-Domain: ${s.domain}`,
      'DKIM-Selector: s1',
      '',
    ].join('\r\n'),
    original: [
      `From: news@${s.domain}`,
      'To: someone@receiver.example',
      `Subject: ${s.subject ?? 'Hello'}`,
      `Message-ID: <orig-${s.ip}-${s.arrival}@${s.domain}>`,
      'Received: from somewhere by mx.receiver.example',
      '',
      BODY,
    ].join('\r\n'),
  });
}

interface Item {
  id: number;
  sourceIp: string | null;
  reportedDomain: string | null;
  authFailure: string | null;
  feedbackType: string | null;
  arrivalDate: string | null;
  subject: string | null;
}

describe('the failure reports API', () => {
  let x: TestApp;
  let h: Record<string, string>;
  let otherId = 0;

  async function store(s: Spec, orgId = DEFAULT_ORG_ID): Promise<void> {
    const { fileId } = await intakeFile(x.t.db, {
      orgId,
      bytes: arf(s),
      name: `${s.ip}-${s.arrival}.eml`,
      source: 'cli',
    });
    const r = await processFile(x.t.db, { orgId, fileId }, { limits: x.config.limits, sink: NO_SINK });
    expect(r.status, r.error ?? '').toBe('processed');
  }
  const get = async <T>(url: string): Promise<T> => {
    const r = await x.app.inject({ method: 'GET', url, headers: h });
    expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
    return r.json<T>();
  };
  const ips = async (query: string): Promise<(string | null)[]> =>
    (await get<{ items: Item[] }>(`/api/failures?${query}`)).items.map((i) => i.sourceIp);

  beforeAll(async () => {
    x = await createTestApp('pglite');
    h = bearer(await x.token('viewer'));
    await store({ arrival: 'Sat, 1 Jun 2024 10:00:00 +0000', ip: '192.0.2.1', domain: 'a.example' });
    await store({
      arrival: 'Sun, 2 Jun 2024 10:00:00 +0000',
      ip: '192.0.2.2',
      domain: 'a.example',
      authFailure: 'spf',
      subject: 'Invoice',
    });
    await store({ arrival: 'Mon, 3 Jun 2024 10:00:00 +0000', ip: '203.0.113.7', domain: 'b.example' });
    await store({
      arrival: 'Tue, 4 Jun 2024 10:00:00 +0000',
      ip: '2001:db8::7',
      domain: 'b.example',
      feedbackType: 'abuse',
      authFailure: 'signature',
    });
    const other = await createOrg(x.t.db, 'failures-other');
    await store(
      { arrival: 'Sat, 1 Jun 2024 12:00:00 +0000', ip: '198.51.100.9', domain: 'secret.example', subject: 'Hidden' },
      other.id,
    );
    otherId = Number(
      (await x.t.db.query<{ id: string }>('SELECT id FROM failure_reports WHERE org_id = $1', [other.id])).rows[0]!.id,
    );
    // 203.0.113.0/24 is the organisation's own relay, for every domain
    const rule = await x.app.inject({
      method: 'PUT',
      url: `/api/domains/${encodeURIComponent('*')}/senders`,
      headers: bearer(await x.token('analyst')),
      payload: { kind: 'cidr', value: '203.0.113.0/24', verdict: 'own', name: 'Our relay' },
    });
    expect(rule.statusCode, rule.body).toBeLessThan(300);
  });
  afterAll(async () => {
    await x?.close();
  });

  it('lists the reports newest arrival first, page by page', async () => {
    const all = await get<{ items: Item[]; total: number; nextCursor: string | null }>('/api/failures');
    expect(all.total).toBe(4);
    expect(all.items.map((i) => i.sourceIp)).toEqual(['2001:db8::7', '203.0.113.7', '192.0.2.2', '192.0.2.1']);
    expect(all.items[2]).toMatchObject({
      reportedDomain: 'a.example',
      authFailure: 'spf',
      feedbackType: 'auth-failure',
      arrivalDate: '2024-06-02T10:00:00.000Z',
      subject: 'Invoice',
    });
    expect(all.nextCursor).toBeNull();
    const page1 = await get<{ items: Item[]; nextCursor: string | null }>('/api/failures?limit=3');
    expect(page1.items).toHaveLength(3);
    const page2 = await get<{ items: Item[]; nextCursor: string | null }>(
      `/api/failures?limit=3&cursor=${page1.nextCursor}`,
    );
    expect([...page1.items, ...page2.items].map((i) => i.id)).toEqual(all.items.map((i) => i.id));
    expect(page2.nextCursor).toBeNull();
  });

  it('filters by domain, arrival days, source IP, auth failure and feedback type', async () => {
    expect(await ips('domain=A.example.')).toEqual(['192.0.2.2', '192.0.2.1']);
    expect(await ips('from=2024-06-02&to=2024-06-03')).toEqual(['203.0.113.7', '192.0.2.2']);
    expect(await ips('source_ip=192.0.2.1')).toEqual(['192.0.2.1']);
    expect(await ips(`source_ip=${encodeURIComponent('2001:0db8::7')}`)).toEqual(['2001:db8::7']);
    expect(await ips('auth_failure=SPF')).toEqual(['192.0.2.2']);
    expect(await ips('feedback_type=abuse')).toEqual(['2001:db8::7']);
    expect(await ips('domain=b.example&auth_failure=dmarc')).toEqual(['203.0.113.7']);
    expect(await ips('source_ip=192.0.2.99')).toEqual([]);
  });

  it("filters by the source's sender, by key or name, after the organisation's rules", async () => {
    expect(await ips(`sender=${encodeURIComponent('own:our relay')}`)).toEqual(['203.0.113.7']);
    expect(await ips('sender=OUR%20RELAY')).toEqual(['203.0.113.7']);
    // addresses never enriched nor named by a rule are the Unknown sender
    expect(await ips('sender=unknown')).toEqual(['2001:db8::7', '192.0.2.2', '192.0.2.1']);
    expect(await ips('sender=unknown&domain=a.example&auth_failure=spf')).toEqual(['192.0.2.2']);
    expect(await ips('sender=nobody')).toEqual([]);
  });

  it('shows one report: its fields and the kept headers, never the body', async () => {
    const [first] = (await get<{ items: Item[] }>('/api/failures?source_ip=192.0.2.2')).items;
    const r = await x.app.inject({ method: 'GET', url: `/api/failures/${first!.id}`, headers: h });
    expect(r.statusCode).toBe(200);
    const d = r.json<{
      dkimDomain: string;
      dkimSelector: string;
      authenticationResults: string[];
      originalRcptTo: string[];
      fields: Record<string, string[]>;
      headers: { name: string; value: string }[];
    }>();
    expect(d).toMatchObject({
      dkimDomain: 'a.example',
      dkimSelector: 's1',
      originalRcptTo: ['<someone@receiver.example>'],
    });
    expect(d.authenticationResults[0]).toContain('dmarc=fail');
    expect(d.fields['auth-failure']).toEqual(['spf']);
    expect(d.headers.map((x) => x.name.toLowerCase()).sort()).toEqual(['from', 'message-id', 'subject', 'to']);
    expect(r.body).not.toContain(BODY);
    expect(r.body).not.toContain('mx.receiver.example');
  });

  it('shows what is known of the source address: none before it is looked up, then its enrichment', async () => {
    const [first] = (await get<{ items: Item[] }>('/api/failures?source_ip=192.0.2.1')).items;
    const detail = () => get<{ source: Record<string, unknown> | null }>(`/api/failures/${first!.id}`);
    expect((await detail()).source).toBeNull();
    await upsertEnrichments(x.t.db, [
      {
        ip: '192.0.2.1',
        country: 'DE',
        asn: 64500,
        asOrg: 'Example Carrier',
        region: null,
        city: null,
        latitude: null,
        longitude: null,
        ptr: 'mail.carrier.example',
        fcrdns: true,
        baseDomain: 'carrier.example',
        reserved: null,
        dnsStatus: 'ok',
      },
    ]);
    expect((await detail()).source).toMatchObject({
      country: 'DE',
      countryName: 'Germany',
      asn: 64500,
      asOrg: 'Example Carrier',
      ptr: 'mail.carrier.example',
      fcrdns: true,
    });
  });

  it("never shows another organisation's reports", async () => {
    const list = await x.app.inject({ method: 'GET', url: '/api/failures?limit=100', headers: h });
    expect(list.body).not.toContain('secret.example');
    expect(list.body).not.toContain('198.51.100.9');
    expect(await ips('source_ip=198.51.100.9')).toEqual([]);
    const r = await x.app.inject({ method: 'GET', url: `/api/failures/${otherId}`, headers: h });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.json<{ code: string }>().code).toBe('failure_report_not_found');
    expect(r.body).not.toContain('Hidden');
    const named = await x.app.inject({ method: 'GET', url: '/api/orgs/failures-other/failures', headers: h });
    expect(named.statusCode).toBe(404);
  });

  it.each([
    ['/api/failures?source_ip=not-an-ip', 400],
    ['/api/failures?source_ip=fe80::1%25eth0', 400],
    ['/api/failures?from=2024-02-30', 400],
    ['/api/failures?from=2024-06-03&to=2024-06-01', 400],
    ['/api/failures?auth_failure=bad%20value', 400],
    ['/api/failures?feedback_type=%3Cx%3E', 400],
    ['/api/failures?domain=', 400],
    [`/api/failures?sender=${'x'.repeat(301)}`, 400],
    ['/api/failures?sender=%20%20', 400],
    ['/api/failures?limit=0', 400],
    ['/api/failures?cursor=not-a-cursor', 400],
    ['/api/failures?unknown=1', 400],
    ['/api/failures/0', 400],
    ['/api/failures/abc', 400],
    ['/api/failures/999999', 404],
  ])('%s → %i problem', async (url, status) => {
    const r = await x.app.inject({ method: 'GET', url, headers: h });
    expect(r.statusCode, r.body).toBe(status);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('needs a login', async () => {
    const r = await x.app.inject({ method: 'GET', url: '/api/failures' });
    expect(r.statusCode).toBe(401);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
