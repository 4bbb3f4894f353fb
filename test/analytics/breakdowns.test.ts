// The overview's breakdown routes (per reporter, per policy-override reason) on a real database, through the
// routes themselves (a Fastify app with just them: the role each declares is checked by the RBAC suite).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsAnswers } from '../../src/analytics/answers.js';
import { MemoryCache } from '../../src/analytics/cache.js';
import { summarise } from '../../src/analytics/summary.js';
import { registerProblemHandlers } from '../../src/api/problem.js';
import { breakdownRoutes } from '../../src/api/routes/breakdowns.js';
import { loadConfig } from '../../src/config/index.js';
import { importFiles } from '../../src/ingest/import-files.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, NO_SINK } from '../support/org.js';

interface Rec {
  ip: string;
  count: number;
  disposition: string;
  dkim: string;
  spf: string;
  reasons?: string[];
}

function report(org: string, id: string, domain: string, begin: number, records: Rec[]): string {
  const rows = records
    .map(
      (r) => `<record><row><source_ip>${r.ip}</source_ip><count>${r.count}</count><policy_evaluated>
        <disposition>${r.disposition}</disposition><dkim>${r.dkim}</dkim><spf>${r.spf}</spf>
        ${(r.reasons ?? []).map((t) => `<reason><type>${t}</type><comment>c-${t}</comment></reason>`).join('')}
      </policy_evaluated></row><identifiers><header_from>${domain}</header_from></identifiers>
      <auth_results><spf><domain>${domain}</domain><result>${r.spf}</result></spf></auth_results></record>`,
    )
    .join('');
  return `<?xml version="1.0"?><feedback><report_metadata><org_name>${org}</org_name><email>d@${org}</email>
    <report_id>${id}</report_id><date_range><begin>${begin}</begin><end>${begin + 86399}</end></date_range>
    </report_metadata><policy_published><domain>${domain}</domain><p>reject</p></policy_published>${rows}</feedback>`;
}

const DAY1 = 1717200000; // 2024-06-01
const DAY2 = DAY1 + 86400;

describe('breakdown routes', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let dir: string;
  const roles: Record<string, string | undefined> = {};

  beforeAll(async () => {
    t = await openPglite();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-breakdowns-'));
    const files: [string, string][] = [
      [
        'a.xml',
        report('google.com', 'g1', 'example.com', DAY1, [
          { ip: '192.0.2.1', count: 10, disposition: 'none', dkim: 'pass', spf: 'pass' },
          { ip: '192.0.2.2', count: 5, disposition: 'none', dkim: 'fail', spf: 'fail', reasons: ['forwarded'] },
          {
            ip: '192.0.2.3',
            count: 3,
            disposition: 'none',
            dkim: 'fail',
            spf: 'fail',
            reasons: ['mailing_list', 'local_policy'],
          },
        ]),
      ],
      [
        'b.xml',
        report('Yahoo', 'y1', 'example.com', DAY2, [
          { ip: '192.0.2.1', count: 7, disposition: 'reject', dkim: 'fail', spf: 'fail' },
          { ip: '198.51.100.9', count: 2, disposition: 'none', dkim: 'fail', spf: 'fail', reasons: ['forwarded'] },
        ]),
      ],
      [
        'c.xml',
        // the same reporter under another of its names: one reporter in the figures
        report('Google, Inc.', 'g2', 'example.org', DAY2, [
          { ip: '203.0.113.5', count: 4, disposition: 'none', dkim: 'pass', spf: 'fail' },
        ]),
      ],
    ];
    for (const [name, xml] of files) await fs.writeFile(path.join(dir, name), xml);
    const config = loadConfig({ DMARC_DATA_DIR: dir, DMARC_LOG_LEVEL: 'silent' });
    const summary = await importFiles(t.db, [dir], { orgId: DEFAULT_ORG_ID, limits: config.limits, sink: NO_SINK });
    expect(summary.reports).toBe(3);
    const answers = analyticsAnswers(t.db, new MemoryCache(300));
    app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    registerProblemHandlers(app);
    app.addHook('onRoute', (r) => {
      if (r.method === 'GET') roles[r.url] = (r.config as { role?: string } | undefined)?.role;
    });
    // What the auth hook does for a tenant route: the request acts in the default organisation.
    app.addHook('onRequest', async (req) => {
      req.org = { id: DEFAULT_ORG_ID, slug: 'default', name: 'default', role: 'viewer' };
    });
    await app.register(breakdownRoutes, { prefix: '/api', answers });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await t?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const get = async (url: string) => {
    const r = await app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.json(), cache: r.headers['x-cache'] };
  };

  it('declares the viewer role on both routes', () => {
    expect(roles).toEqual({ '/api/rollup/reporters': 'viewer', '/api/rollup/overrides': 'viewer' });
  });

  it('per reporter: totals that add up to the summary', async () => {
    const r = await get('/api/rollup/reporters');
    expect(r.status).toBe(200);
    const names = (r.body.items as { names: string[] }[]).map((x) => [...x.names].sort());
    expect(names).toEqual([['Google, Inc.', 'google.com'], ['Yahoo']]);
    for (const x of r.body.items as { names?: string[] }[]) delete x.names;
    expect(r.body).toEqual({
      items: [
        {
          orgName: 'Google',
          reports: 2,
          messages: 22,
          dmarcPass: 14,
          dmarcFail: 8,
          complianceRate: 14 / 22,
          domains: 2,
          firstDate: '2024-06-01',
          lastDate: '2024-06-02',
        },
        {
          orgName: 'Yahoo',
          reports: 1,
          messages: 9,
          dmarcPass: 0,
          dmarcFail: 9,
          complianceRate: 0,
          domains: 1,
          firstDate: '2024-06-02',
          lastDate: '2024-06-02',
        },
      ],
      total: 2,
      nextCursor: null,
    });
    const s = await summarise(t.db, { orgId: DEFAULT_ORG_ID });
    const items = r.body.items as { messages: number; reports: number; dmarcPass: number }[];
    expect(items.reduce((n, x) => n + x.messages, 0)).toBe(s.totals.messages);
    expect(items.reduce((n, x) => n + x.reports, 0)).toBe(s.totals.reports);
    expect(items.reduce((n, x) => n + x.dmarcPass, 0)).toBe(s.totals.dmarcPass);
  });

  it('per reporter: filters, sorting, pagination, validation', async () => {
    expect((await get('/api/rollup/reporters?domain=example.org')).body.items).toMatchObject([
      { orgName: 'Google', names: ['Google, Inc.'], messages: 4, reports: 1 },
    ]);
    expect(
      (await get('/api/rollup/reporters?dmarc=fail')).body.items.map((x: { messages: number }) => x.messages),
    ).toEqual([9, 8]);
    expect((await get('/api/rollup/reporters?source_ip=192.0.2.0/24')).body.items).toMatchObject([
      { orgName: 'Google', messages: 18 },
      { orgName: 'Yahoo', messages: 7 },
    ]);
    // the filter takes any of the reporter's names
    for (const org of ['google.com', 'Google', 'Google, Inc.', 'GOOGLE']) {
      expect((await get(`/api/rollup/reporters?from=2024-06-02&to=2024-06-02&org=${org}`)).body.items).toMatchObject([
        { orgName: 'Google', messages: 4, reports: 1 },
      ]);
    }
    expect(
      (await get('/api/rollup/reporters?sort=orgName')).body.items.map((x: { orgName: string }) => x.orgName),
    ).toEqual(['Google', 'Yahoo']);
    const p1 = await get('/api/rollup/reporters?limit=1');
    expect(p1.body.items).toHaveLength(1);
    expect(p1.body.total).toBe(2);
    const p2 = await get(`/api/rollup/reporters?limit=1&cursor=${p1.body.nextCursor}`);
    expect(p2.body.items[0].orgName).toBe('Yahoo');
    expect(p2.body.nextCursor).toBeNull();
    const again = await get('/api/rollup/reporters?limit=1');
    expect(again.cache).toBe('HIT');
    const bad = await get('/api/rollup/reporters?from=2024-06-31&sort=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
  });

  it('per override reason: messages, records, reports and example reports', async () => {
    const r = await get('/api/rollup/overrides');
    expect(r.status).toBe(200);
    expect(r.body.messages).toBe(10);
    type Item = { type: string; messages: number; examples: unknown[] };
    const byType: Record<string, Item> = Object.fromEntries((r.body.items as Item[]).map((x) => [x.type, x]));
    expect(Object.keys(byType)).toEqual(['forwarded', 'local_policy', 'mailing_list']);
    expect(byType.forwarded).toMatchObject({ messages: 7, records: 2, reports: 2 });
    expect(byType.forwarded!.examples).toMatchObject([
      { orgName: 'google.com', domain: 'example.com', date: '2024-06-01', messages: 5 },
      { orgName: 'Yahoo', domain: 'example.com', date: '2024-06-02', messages: 2 },
    ]);
    expect(byType.mailing_list).toMatchObject({ messages: 3, records: 1, reports: 1 });
    expect(byType.local_policy).toMatchObject({ messages: 3, records: 1, reports: 1 });
  });

  it('per override reason: filters', async () => {
    expect((await get('/api/rollup/overrides?org=Yahoo')).body).toMatchObject({
      messages: 2,
      items: [{ type: 'forwarded', messages: 2 }],
    });
    expect(
      (await get('/api/rollup/overrides?source_ip=192.0.2.3')).body.items.map((x: { type: string }) => x.type),
    ).toEqual(['local_policy', 'mailing_list']);
    expect((await get('/api/rollup/overrides?dmarc=pass')).body).toEqual({ messages: 0, items: [] });
    expect((await get('/api/rollup/overrides?domain=example.org')).body).toEqual({ messages: 0, items: [] });
    expect((await get('/api/rollup/overrides?from=2024-06-02')).body.messages).toBe(2);
    expect((await get('/api/rollup/overrides?source_ip=nope')).status).toBe(400);
  });
});
