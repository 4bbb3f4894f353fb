// The anomaly routes on generated reports: training (admins; 409 on an organisation without mail), the versions
// and one model, detection now (analysts), the anomalies page (highest score first, filters, cursor pages), one
// address's history, deploying and deleting versions (the active one: 409), bad input (400), another
// organisation's models and predictions (404 / never listed), what each role may do, and both mounts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeReports } from '../alerts/support.js';
import { INJECTED_IPS, generatedReports } from '../analytics/anomaly/generated.js';
import { availableEngines } from '../support/db.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import { expectProblem, startApi, type TestApi } from './helpers.js';

interface Model {
  id: number;
  version: number;
  active: boolean;
  samples: number;
  threshold: number;
  createdBy: string | null;
  features: { name: string }[];
  predictions: number;
  anomalous: number;
}
interface SourcePage {
  items: { sourceIp: string | null; anomaly: { score: number; day: string } | null }[];
}
interface Prediction {
  ip: string;
  day: string;
  score: number;
  anomalous: boolean;
  modelVersion: number;
  explanation: { text: string }[];
}

describe.each(availableEngines())('anomaly routes on %s', (engine) => {
  let api: TestApi;
  let tokens: Record<'admin' | 'analyst' | 'viewer' | 'adminB' | 'adminEmpty', string>;
  let first: Model;

  beforeAll(async () => {
    api = await startApi(engine);
    const orgB = await createOrg(api.db, 'org-b');
    const empty = await createOrg(api.db, 'empty');
    await storeReports(
      api.db,
      DEFAULT_ORG_ID,
      generatedReports({ domain: 'example.com', from: '2026-02-10', to: '2026-03-02', injectOn: '2026-03-02' }),
    );
    await storeReports(
      api.db,
      orgB.id,
      generatedReports({ domain: 'b.example', from: '2026-02-25', to: '2026-03-02' }),
    );
    const user = async (email: string, orgId: number, role: 'admin' | 'analyst' | 'viewer') => {
      const { user } = await api.auth.createUser({ email, name: email, member: { orgId, role } });
      return api.auth.access.sign(user.id);
    };
    tokens = {
      admin: await user('admin@example.com', DEFAULT_ORG_ID, 'admin'),
      analyst: await user('analyst@example.com', DEFAULT_ORG_ID, 'analyst'),
      viewer: await user('viewer@example.com', DEFAULT_ORG_ID, 'viewer'),
      adminB: await user('admin-b@example.com', orgB.id, 'admin'),
      adminEmpty: await user('admin-e@example.com', empty.id, 'admin'),
    };
  }, 180_000);
  afterAll(() => api?.close());

  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const get = (url: string, token = tokens.viewer) => api.app.inject({ url, headers: as(token) });
  const send = (method: 'POST' | 'DELETE', url: string, token: string, body?: object) =>
    api.app.inject({
      method,
      url,
      headers: { ...as(token), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });

  it('training an organisation without mail is a clear 409', async () => {
    const p = expectProblem(
      await send('POST', '/api/analytics/models/train', tokens.adminEmpty),
      409,
      'no_training_data',
    );
    expect(p.detail).toMatch(/no mail from any source yet/);
    const d = expectProblem(await send('POST', '/api/analytics/anomalies/detect', tokens.adminEmpty), 409);
    expect(d.code).toBe('no_active_model');
    expect((await get('/api/orgs/empty/analytics/models', tokens.adminEmpty)).json()).toEqual({ items: [] });
  });

  it('an admin trains the first model: activated, listed with its figures, audited', async () => {
    const r = await send('POST', '/api/analytics/models/train', tokens.admin, {});
    expect(r.statusCode, r.body).toBe(201);
    const out = r.json<{ model: Model; activated: boolean; pruned: number }>();
    expect(out).toMatchObject({ activated: true, pruned: 0, model: { version: 1, active: true } });
    expect(out.model.createdBy).toBe('admin@example.com');
    expect(out.model.samples).toBeGreaterThan(300);
    first = out.model;
    const list = (await get('/api/analytics/models')).json<{ items: Model[] }>();
    expect(list.items.map((m) => m.id)).toEqual([first.id]);
    const one = (await get(`/api/analytics/models/${first.id}`)).json<Model>();
    expect(one.features.map((f) => f.name)).toContain('dmarc_fail_share');
    expect(one).not.toHaveProperty('forest');
    const audit = (await api.inject('/api/audit?action=model.train')).json<{ items: { target: string }[] }>();
    expect(audit.items.map((a) => a.target)).toContain(`model:${first.id}`);
  });

  it('an analyst detects; the anomalies come highest score first, explained, in pages and with filters', async () => {
    const d = await send('POST', '/api/analytics/anomalies/detect', tokens.analyst, { from: '2026-02-10' });
    expect(d.statusCode, d.body).toBe(200);
    expect(d.json()).toMatchObject({ modelId: first.id, from: '2026-02-10', to: '2026-02-16' });
    const all = await send('POST', '/api/analytics/anomalies/detect', tokens.analyst, {
      from: '2026-02-10',
      to: '2026-03-02',
    });
    expect(all.json()).toMatchObject({ anomalous: 3, to: '2026-03-02' });
    const page = (await get('/api/analytics/anomalies')).json<{ items: Prediction[]; total: number }>();
    expect(page.total).toBe(3);
    expect(page.items.map((p) => p.ip).sort()).toEqual([...INJECTED_IPS].sort());
    expect(page.items.map((p) => p.score)).toEqual([...page.items.map((p) => p.score)].sort((a, b) => b - a));
    expect(page.items[0]!.explanation.map((e) => e.text).join('; ')).toContain('DMARC fails 100%');
    const p1 = (await get('/api/analytics/anomalies?all=true&limit=2')).json<{
      items: Prediction[];
      total: number;
      nextCursor: string;
    }>();
    expect(p1.total).toBe(21 * 16 + 3);
    const p2 = (await get(`/api/analytics/anomalies?all=true&limit=2&cursor=${p1.nextCursor}`)).json<{
      items: Prediction[];
    }>();
    expect(p2.items[0]!.score).toBeLessThanOrEqual(p1.items[1]!.score);
    expect(p2.items[0]!.ip).not.toBe(p1.items[1]!.ip);
    expect((await get('/api/analytics/anomalies?from=2026-03-03')).json()).toMatchObject({ total: 0 });
    expect((await get('/api/analytics/anomalies?domain=other.example')).json()).toMatchObject({ total: 0 });
    expect((await get('/api/analytics/anomalies?domain=Example.com&to=2026-03-02')).json()).toMatchObject({ total: 3 });
    // one address's history
    const h = (await get(`/api/analytics/predictions?ip=${INJECTED_IPS[0]}`)).json<{
      ip: string;
      items: Prediction[];
    }>();
    expect(h.items).toHaveLength(1);
    expect(h.items[0]).toMatchObject({ day: '2026-03-02', anomalous: true, modelVersion: 1 });
    const normal = (await get('/api/analytics/predictions?ip=198.51.100.12')).json<{ items: Prediction[] }>();
    expect(normal.items).toHaveLength(21);
    expect(normal.items.every((p) => !p.anomalous)).toBe(true);
    // the model's figures count its predictions
    expect((await get(`/api/analytics/models/${first.id}`)).json()).toMatchObject({ anomalous: 3 });
    // the sources table marks the anomalous addresses, in the period and domain asked (both of its routes)
    for (const route of ['/api/rollup/sources', '/api/stats/by-source-ip']) {
      const marks = async (q: string) =>
        (await get(`${route}?limit=100&${q}`))
          .json<SourcePage>()
          .items.filter((s) => s.anomaly !== null)
          .map((s) => s.sourceIp)
          .sort();
      expect(await marks('from=2026-02-10&to=2026-03-02')).toEqual([...INJECTED_IPS].sort());
      expect(await marks('to=2026-03-01')).toEqual([]);
      expect(await marks('domain=other.example')).toEqual([]);
      expect(await marks('period=none')).toEqual([]);
    }
    const one = (await get('/api/rollup/sources?limit=100')).json<SourcePage>().items;
    const injected = one.find((s) => s.sourceIp === INJECTED_IPS[0])!;
    expect(injected.anomaly).toEqual({
      day: '2026-03-02',
      score: page.items.find((p) => p.ip === INJECTED_IPS[0])!.score,
    });
  });

  it('deploys a new version, refuses to delete the active one (409), deletes an old one', async () => {
    const second = (await send('POST', '/api/analytics/models/train', tokens.admin, { trees: 50, seed: 7 })).json<{
      model: Model;
      activated: boolean;
    }>();
    expect(second).toMatchObject({ activated: false, model: { version: 2, active: false } });
    expectProblem(await send('DELETE', `/api/analytics/models/${first.id}`, tokens.admin), 409, 'model_active');
    const dep = await send('POST', `/api/analytics/models/${second.model.id}/deploy`, tokens.admin);
    expect(dep.statusCode, dep.body).toBe(200);
    expect(dep.json()).toMatchObject({ id: second.model.id, active: true });
    const list = (await get('/api/analytics/models')).json<{ items: Model[] }>();
    expect(list.items.map((m) => [m.version, m.active])).toEqual([
      [2, true],
      [1, false],
    ]);
    // the anomalies are the active model's: none yet for the new one
    expect((await get('/api/analytics/anomalies')).json()).toMatchObject({ total: 0 });
    expect((await send('DELETE', `/api/analytics/models/${first.id}`, tokens.admin)).statusCode).toBe(204);
    expectProblem(await get(`/api/analytics/models/${first.id}`), 404, 'model_not_found');
    expect((await get(`/api/analytics/predictions?ip=${INJECTED_IPS[0]}`)).json()).toMatchObject({ items: [] });
    await send('POST', '/api/analytics/anomalies/detect', tokens.analyst, { from: '2026-02-24', to: '2026-03-02' });
    expect((await get('/api/analytics/anomalies')).json<{ total: number }>().total).toBeGreaterThanOrEqual(3);
  });

  it('bad input is a 400', async () => {
    const admin = tokens.admin;
    expectProblem(await send('POST', '/api/analytics/models/train', admin, { trees: 0 }), 400, 'validation_failed');
    expectProblem(await send('POST', '/api/analytics/models/train', admin, { sampleSize: 1 }), 400);
    expectProblem(await send('POST', '/api/analytics/models/train', admin, { threshold: 1.5 }), 400);
    expectProblem(await send('POST', '/api/analytics/models/train', admin, { from: 'yesterday' }), 400);
    expectProblem(await send('POST', '/api/analytics/models/train', admin, { other: 1 }), 400);
    const w = expectProblem(
      await send('POST', '/api/analytics/models/train', admin, { from: '2026-03-01', to: '2026-02-01' }),
      400,
    );
    expect(w.errors?.[0]?.field).toBe('to');
    expectProblem(
      await send('POST', '/api/analytics/models/train', admin, { from: '2020-01-01', to: '2026-01-01' }),
      400,
    );
    expectProblem(await send('POST', '/api/analytics/anomalies/detect', admin, { to: '2026-13-45x' }), 400);
    expectProblem(await get('/api/analytics/models/abc'), 400);
    expectProblem(await get('/api/analytics/models/0'), 400);
    expectProblem(await get('/api/analytics/anomalies?limit=0'), 400);
    expectProblem(await get('/api/analytics/anomalies?from=2026-03-02&to=2026-03-01'), 400);
    expectProblem(await get('/api/analytics/anomalies?cursor=nonsense'), 400, 'invalid_cursor');
    expectProblem(await get('/api/analytics/anomalies?other=1'), 400);
    expectProblem(await get('/api/analytics/predictions'), 400);
    const ip = expectProblem(await get('/api/analytics/predictions?ip=10.0.0.0/8'), 400);
    expect(ip.errors?.[0]?.field).toBe('ip');
    expectProblem(await get('/api/analytics/models/999999'), 404, 'model_not_found');
    expectProblem(await send('POST', '/api/analytics/models/999999/deploy', admin), 404, 'model_not_found');
    expectProblem(await send('DELETE', '/api/analytics/models/999999', admin), 404, 'model_not_found');
  });

  it("another organisation's models and predictions are not found, nor listed", async () => {
    const mine = (await get('/api/analytics/models')).json<{ items: Model[] }>().items;
    const b = await send('POST', '/api/orgs/org-b/analytics/models/train', tokens.adminB);
    expect(b.statusCode, b.body).toBe(201);
    const bModel = b.json<{ model: Model }>().model;
    expect(bModel.version).toBe(1);
    await send('POST', '/api/orgs/org-b/analytics/anomalies/detect', tokens.adminB);
    for (const m of mine) {
      expectProblem(await get(`/api/orgs/org-b/analytics/models/${m.id}`, tokens.adminB), 404, 'model_not_found');
      expectProblem(await send('POST', `/api/analytics/models/${m.id}/deploy`, tokens.adminB), 404);
      expectProblem(await send('DELETE', `/api/analytics/models/${m.id}`, tokens.adminB), 404);
    }
    expectProblem(await get(`/api/analytics/models/${bModel.id}`), 404, 'model_not_found');
    expect((await get('/api/analytics/models')).json<{ items: Model[] }>().items.map((m) => m.id)).not.toContain(
      bModel.id,
    );
    const bAll = (await get('/api/orgs/org-b/analytics/anomalies?all=true&limit=1000', tokens.adminB)).json<{
      items: Prediction[];
    }>();
    expect(bAll.items.length).toBeGreaterThan(0);
    expect(bAll.items.some((p) => INJECTED_IPS.includes(p.ip))).toBe(false);
    expect(
      (await get(`/api/orgs/org-b/analytics/predictions?ip=${INJECTED_IPS[0]}`, tokens.adminB)).json(),
    ).toMatchObject({
      items: [],
    });
    // B's sources are marked by B's own predictions only, not by A's (the same addresses send for both)
    const bMarked = (await get('/api/orgs/org-b/rollup/sources?limit=100', tokens.adminB))
      .json<SourcePage>()
      .items.filter((s) => s.anomaly !== null)
      .map((s) => s.sourceIp)
      .sort();
    expect(bMarked).toEqual([...new Set(bAll.items.filter((p) => p.anomalous).map((p) => p.ip))].sort());
    expect(bMarked.some((ip) => INJECTED_IPS.includes(ip ?? ''))).toBe(false);
    // a member of A naming B: 404
    expectProblem(await get('/api/orgs/org-b/analytics/models'), 404);
  });

  it('viewers read; analysts also detect; only admins train, deploy and delete', async () => {
    const id = (await get('/api/analytics/models')).json<{ items: Model[] }>().items[0]!.id;
    for (const token of [tokens.viewer, tokens.analyst, tokens.admin]) {
      expect((await get('/api/analytics/models', token)).statusCode).toBe(200);
      expect((await get(`/api/analytics/models/${id}`, token)).statusCode).toBe(200);
      expect((await get('/api/analytics/anomalies', token)).statusCode).toBe(200);
      expect((await get('/api/analytics/predictions?ip=192.0.2.1', token)).statusCode).toBe(200);
    }
    expectProblem(await send('POST', '/api/analytics/anomalies/detect', tokens.viewer), 403);
    expect((await send('POST', '/api/analytics/anomalies/detect', tokens.analyst)).statusCode).toBe(200);
    for (const token of [tokens.viewer, tokens.analyst]) {
      expectProblem(await send('POST', '/api/analytics/models/train', token), 403);
      expectProblem(await send('POST', `/api/analytics/models/${id}/deploy`, token), 403);
      expectProblem(await send('DELETE', `/api/analytics/models/${id}`, token), 403);
    }
    expectProblem(await api.app.inject({ url: '/api/analytics/models' }), 401);
    expectProblem(await api.app.inject({ method: 'POST', url: '/api/analytics/models/train' }), 401);
  });
});
