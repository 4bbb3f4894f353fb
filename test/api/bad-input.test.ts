// Input the database cannot hold or the parser cannot read is the client's mistake: 400 with a problem body,
// never a 500 (hardening findings: NUL bytes in filters, IPv6 zone ids, NUL in file names, broken multipart
// bodies, and an upload that half-succeeded without saying so).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableEngines } from '../support/db.js';
import { expectNoLeak, expectProblem, multipart, startApi, syntheticReport, type TestApi } from './helpers.js';

describe.each(availableEngines())('bad input on %s', (engine) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(engine);
  });
  afterAll(async () => {
    await api?.close();
  });

  it.each([
    '/api/rollup/summary?domain=a%00b',
    '/api/rollup/sources?org=a%00b',
    '/api/reports?org=x%00',
    '/api/records?reason=for%00warded',
    '/api/audit?actor=a%00b',
    '/api/audit?action=up%00load',
    '/api/orgs/default/domains?domain=%00',
    '/api/tasks?name=%00',
  ])('%s → 400 naming the field', async (url) => {
    const r = await api.inject(url);
    const p = expectProblem(r, 400, 'validation_failed');
    expect(JSON.stringify(p.errors)).toMatch(/NUL/);
    expectNoLeak(r.body);
  });

  // a NUL inside a JSON body reached the database as a 500 (a login with one in its e-mail, even anonymous)
  it.each([
    ['/auth/login', { email: 'adm\u0000in@example.com', password: 'x' }, 'email'],
    ['/api/keys', { name: 'k\u0000ey' }, 'name'],
    ['/api/orgs', { name: 'a\u0000b', slug: 'nulorg' }, 'name'],
    ['/api/users', { email: 'nul@example.com', name: 'n\u0000', password: 'Abcdefgh1234!!x', role: 'viewer' }, 'name'],
  ])('a NUL in the JSON body of POST %s → 400 naming the field', async (url, body, field) => {
    const r = await api.inject({ method: 'POST', url, payload: body });
    const p = expectProblem(r, 400, 'validation_failed');
    expect(p.errors).toEqual([{ field, message: 'must not contain NUL characters' }]);
    expectNoLeak(r.body);
  });

  it('a NUL in a nested string or in a key of a JSON body is named by its path', async () => {
    const r = await api.inject({
      method: 'PUT',
      url: '/api/domains/example.com/senders',
      payload: {
        kind: 'cidr',
        value: '203.0.113.0/28',
        verdict: 'own',
        name: 'ok',
        extra: [{ 'k\u0000': 1 }, 'a\u0000'],
      },
    });
    const p = expectProblem(r, 400, 'validation_failed');
    expect(p.errors).toEqual([
      { field: 'extra[0].k\\0', message: 'must not contain NUL characters' },
      { field: 'extra[1]', message: 'must not contain NUL characters' },
    ]);
  });

  it.each(['fe80::1%25eth0', 'fe80::1%25eth0/64', '192.0.2.1%251'])('source_ip=%s → 400', async (ip) => {
    const r = await api.inject(`/api/rollup/summary?source_ip=${ip}`);
    expectProblem(r, 400, 'validation_failed');
  });

  // What the Sources page asks for a source typed into its search box: a name is the client's mistake, answered
  // on every one of those routes with a clean problem that names the field and says what it takes.
  it.each(['/api/rollup/summary', '/api/rollup/sources', '/api/records', '/api/reports', '/api/stats/by-source-ip'])(
    '%s?source_ip=amazon → 400 naming source_ip',
    async (route) => {
      for (const value of ['amazon', 'amazonses.com', '192.0.2.0%2F33', '192.0.2']) {
        const r = await api.inject(`${route}?source_ip=${value}`);
        const p = expectProblem(r, 400, 'validation_failed');
        expect(p.errors, value).toEqual([
          { field: 'source_ip', message: expect.stringMatching(/is not an IP address or CIDR$/) },
        ]);
        expect(p.detail).toMatch(/^source_ip: /);
      }
    },
  );

  it('a NUL or a line break in an uploaded file name is replaced; the file is kept', async () => {
    const body = multipart([{ name: 'bad\u0000na\nme.xml', bytes: syntheticReport(101) }]);
    // the helper URL-encodes CR/LF in names; put the raw NUL back as a client could
    const payload = Buffer.from(body.payload.toString('latin1').replace('bad%00', 'bad\u0000'), 'latin1');
    const r = await api.inject({ method: 'POST', url: '/api/upload', payload, headers: body.headers });
    expect(r.statusCode, r.body).toBe(200);
    const [result] = r.json<{ results: { name: string; status: string; fileId: number }[] }>().results;
    expect(result!.status).toBe('accepted');
    // eslint-disable-next-line no-control-regex -- no control character may remain
    expect(result!.name).not.toMatch(/[\u0000-\u001f]/);
  });

  it.each([
    ['without a boundary', 'multipart/form-data', (b: Buffer) => b],
    ['with a wrong boundary', 'multipart/form-data; boundary=not-the-one', (b: Buffer) => b],
    ['cut short', null, (b: Buffer) => b.subarray(0, Math.floor(b.length / 2))],
  ] as const)('a multipart body %s → 400, nothing kept', async (_what, type, cut) => {
    const before = (await api.db.query<{ n: number }>('SELECT count(*) AS n FROM ingested_files')).rows[0]!.n;
    const body = multipart([{ name: 'one.xml', bytes: syntheticReport(201) }]);
    const r = await api.inject({
      method: 'POST',
      url: '/api/upload',
      payload: cut(body.payload),
      headers: { 'content-type': type ?? body.headers['content-type']! },
    });
    expect([400, 415]).toContain(r.statusCode);
    expect(r.statusCode).not.toBe(500);
    expectNoLeak(r.body);
    const after = (await api.db.query<{ n: number }>('SELECT count(*) AS n FROM ingested_files')).rows[0]!.n;
    expect(after).toBe(before);
  });

  it('a mixed upload answers for each file and writes its audit entry', async () => {
    const body = multipart([
      { name: 'good.xml', bytes: syntheticReport(301) },
      { name: 'bad\u0007name.xml', bytes: syntheticReport(302) },
    ]);
    const r = await api.inject({ method: 'POST', url: '/api/upload', payload: body.payload, headers: body.headers });
    expect(r.statusCode, r.body).toBe(200);
    const results = r.json<{ results: { status: string }[] }>().results;
    expect(results.map((x) => x.status)).toEqual(['accepted', 'accepted']);
    const audit = await api.db.query<{ details: { files: number } }>(
      `SELECT details FROM audit_log WHERE action = 'upload' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit.rows[0]?.details.files).toBe(2);
  });
});
