// Deleting an organisation (DELETE /api/orgs/:org, platform administrators) removes every row of its data,
// records included, and nothing of another organisation's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableEngines } from '../support/db.js';
import { bearer, createTestApp, type TestApp } from '../support/app.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import { multipart, syntheticReport } from './helpers.js';

describe.each(availableEngines())('deleting an organisation on %s', (engine) => {
  let x: TestApp;
  beforeAll(async () => {
    x = await createTestApp(engine);
  });
  afterAll(async () => {
    await x?.close();
  });

  const count = async (table: string, orgId: number): Promise<number> =>
    Number(
      (await x.t.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE org_id = $1`, [orgId])).rows[0]!.n,
    );

  it('deletes its files, reports, records and rollups, and keeps the others', async () => {
    const org = await createOrg(x.t.db, 'doomed', 'Doomed Ltd');
    const headers = bearer(await x.token('admin'));
    for (const [url, n] of [
      ['/api/orgs/doomed/upload', 1],
      ['/api/upload', 2],
    ] as const) {
      const { payload, headers: h } = multipart([{ name: `r${n}.xml`, bytes: syntheticReport(n) }]);
      const r = await x.app.inject({ method: 'POST', url, payload, headers: { ...headers, ...h } });
      expect(r.statusCode, r.body).toBe(200);
    }
    await x.queue.drain();
    expect(await count('records', org.id)).toBeGreaterThan(0);
    // its identified senders and sender rules go too
    for (const id of [org.id, DEFAULT_ORG_ID]) {
      await x.t.db.query(
        `INSERT INTO source_senders (org_id, ip, sender_key, sender, type, known, reason, catalogue_version)
         VALUES ($1, '192.0.2.1', 'unknown', 'Unknown', 'unknown', false, 'test', 'test')`,
        [id],
      );
      await x.t.db.query(
        `INSERT INTO sender_rules (org_id, domain, kind, value, verdict) VALUES ($1, NULL, 'service', 'sendgrid', 'approved')`,
        [id],
      );
    }
    const kept = await count('records', DEFAULT_ORG_ID);
    expect(kept).toBeGreaterThan(0);

    const r = await x.app.inject({ method: 'DELETE', url: '/api/orgs/doomed', headers });
    expect(r.statusCode, r.body).toBe(204);
    for (const table of ['records', 'reports', 'ingested_files', 'rollup_daily', 'source_senders', 'sender_rules']) {
      expect(await count(table, org.id), table).toBe(0);
    }
    expect(await count('source_senders', DEFAULT_ORG_ID)).toBe(1);
    expect(await count('sender_rules', DEFAULT_ORG_ID)).toBe(1);
    expect(await count('records', DEFAULT_ORG_ID)).toBe(kept);
    expect((await x.app.inject({ method: 'GET', url: '/api/orgs/doomed', headers })).statusCode).toBe(404);
  });
});
