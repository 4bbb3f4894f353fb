// Deleting what was imported by mistake: DELETE /api/files/:id (with the reports stored from it) and
// DELETE /api/reports/:id, admins only, audited. The figures follow at once — the rollups are rebuilt for the
// slices the reports counted in and the cached answers dropped — on PGlite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRollupDrift } from '../../src/store/rollups.js';
import { availableEngines } from '../support/db.js';
import { bearer, createTestApp, type TestApp } from '../support/app.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import { multipart, syntheticReport } from './helpers.js';

interface Summary {
  reports: number;
  messages: number;
}

describe.each(availableEngines())('deleting files and reports on %s', (engine) => {
  let x: TestApp;
  let admin: Record<string, string>;
  /** file id by name */
  const files = new Map<string, number>();

  const get = async <T>(url: string, headers = admin): Promise<T> => {
    const r = await x.app.inject({ method: 'GET', url, headers });
    expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
    return r.json<T>();
  };
  const del = (url: string, headers = admin) => x.app.inject({ method: 'DELETE', url, headers });
  const messages = async (q = ''): Promise<number> => (await get<Summary>(`/api/rollup/summary${q}`)).messages;

  beforeAll(async () => {
    x = await createTestApp(engine);
    admin = bearer(await x.token('admin'));
    // the same domain, day and reporter for a and b (one rollup slice holding both), another day for c
    const day = 1_700_006_400;
    const upload = [
      { name: 'a.xml', bytes: syntheticReport(1, { begin: day, count: 5 }) },
      { name: 'b.xml', bytes: syntheticReport(2, { begin: day, count: 7, pass: false, ip: '203.0.113.9' }) },
      { name: 'c.xml', bytes: syntheticReport(3, { begin: day + 86_400, count: 11 }) },
    ];
    const { payload, headers } = multipart(upload);
    const r = await x.app.inject({ method: 'POST', url: '/api/upload', payload, headers: { ...admin, ...headers } });
    expect(r.statusCode, r.body).toBe(200);
    for (const f of r.json<{ results: { name: string; fileId: number }[] }>().results) files.set(f.name, f.fileId);
    await x.queue.drain();
  });
  afterAll(async () => {
    await x?.close();
  });

  const reportOf = async (file: string): Promise<number> =>
    (await get<{ reports: { id: number }[] }>(`/api/files/${files.get(file)}`)).reports[0]!.id;

  it('a report: its messages leave every figure at once (cached or not), its file stays', async () => {
    expect(await messages()).toBe(23);
    expect(await messages('?source_ip=203.0.113.9')).toBe(7); // cached now
    const id = await reportOf('b.xml');
    const r = await del(`/api/reports/${id}`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ reports: 1, records: 1, messages: 7 });
    expect(await messages()).toBe(16);
    expect(await messages('?source_ip=203.0.113.9')).toBe(0);
    // the slice it shared with a.xml's report is rebuilt from what remains: the rollups add up
    expect((await findRollupDrift(x.t.db)).drifted).toEqual([]);
    expect((await x.app.inject({ method: 'GET', url: `/api/reports/${id}`, headers: admin })).statusCode).toBe(404);
    expect((await get<{ reports: unknown[] }>(`/api/files/${files.get('b.xml')}`)).reports).toEqual([]);
    expect((await del(`/api/reports/${id}`)).statusCode).toBe(404);
  });

  it('a file: its bytes, reports and records go, the other files and their figures stay', async () => {
    const fileId = files.get('c.xml')!;
    const report = await reportOf('c.xml');
    const r = await del(`/api/files/${fileId}`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ reports: 1, records: 1, messages: 11 });
    expect(await messages()).toBe(5);
    expect((await x.app.inject({ method: 'GET', url: `/api/files/${fileId}`, headers: admin })).statusCode).toBe(404);
    const left = async (sql: string): Promise<number> =>
      Number((await x.t.db.query<{ n: string }>(sql, [fileId, report])).rows[0]!.n);
    expect(await left('SELECT count(*) AS n FROM file_contents WHERE file_id = $1 OR $2::int8 IS NULL')).toBe(0);
    expect(await left('SELECT count(*) AS n FROM records WHERE report_id = $2 OR $1::int8 IS NULL')).toBe(0);
    expect((await findRollupDrift(x.t.db)).drifted).toEqual([]);
    const list = await get<{ items: { id: number }[]; total: number }>('/api/files');
    expect(list.items.map((f) => f.id)).not.toContain(fileId);
    expect(list.total).toBe(2);
  });

  it('is audited, with what it removed', async () => {
    const log = await get<{ items: { action: string; target: string; details: Record<string, number> }[] }>(
      '/api/audit?limit=10',
    );
    const file = log.items.find((e) => e.action === 'file.delete');
    expect(file).toMatchObject({ target: `file:${files.get('c.xml')}`, details: { reports: 1, messages: 11 } });
    expect(log.items.find((e) => e.action === 'report.delete')).toMatchObject({ details: { messages: 7 } });
  });

  it('is for admins only; analysts and viewers are refused and nothing is deleted', async () => {
    const id = files.get('a.xml')!;
    for (const role of ['viewer', 'analyst'] as const) {
      const headers = bearer(await x.token(role));
      expect((await del(`/api/files/${id}`, headers)).statusCode, role).toBe(403);
      expect((await del(`/api/reports/${await reportOf('a.xml')}`, headers)).statusCode, role).toBe(403);
    }
    expect((await del(`/api/files/${id}`, {})).statusCode).toBe(401);
    expect(await messages()).toBe(5);
  });

  it('refuses a file being processed (409), bad ids (400) and ids of another organisation (404)', async () => {
    const id = files.get('a.xml')!;
    await x.t.db.query(`UPDATE ingested_files SET status = 'processing' WHERE id = $1`, [id]);
    const busy = await del(`/api/files/${id}`);
    expect(busy.statusCode).toBe(409);
    expect(busy.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(busy.json()).toMatchObject({ code: 'file_processing' });
    await x.t.db.query(`UPDATE ingested_files SET status = 'processed' WHERE id = $1`, [id]);
    for (const bad of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
      expect((await del(`/api/files/${bad}`)).statusCode, bad).toBe(400);
      expect((await del(`/api/reports/${bad}`)).statusCode, bad).toBe(400);
    }
    expect((await del('/api/files/987654')).json()).toMatchObject({ code: 'file_not_found' });
    expect((await del('/api/reports/987654')).json()).toMatchObject({ code: 'report_not_found' });
    // another organisation's admin (the platform admin, there) finds nothing of this one's under its own name
    const other = await createOrg(x.t.db, `other-${engine}`);
    expect((await del(`/api/orgs/${other.slug}/files/${id}`)).json()).toMatchObject({ code: 'file_not_found' });
    expect((await del(`/api/orgs/${other.slug}/reports/${await reportOf('a.xml')}`)).json()).toMatchObject({
      code: 'report_not_found',
    });
    expect(await messages()).toBe(5);
    expect(
      Number(
        (await x.t.db.query<{ n: string }>('SELECT count(*) AS n FROM reports WHERE org_id = $1', [DEFAULT_ORG_ID]))
          .rows[0]!.n,
      ),
    ).toBe(1);
  });
});
