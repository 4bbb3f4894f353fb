// GET /api/analytics/forecast through the whole app, on reports uploaded day by day: Holt–Winters for a domain
// with five weeks of a weekly pattern (beating seasonal naive), the seasonal-naive fallback and 'none' for short
// histories, the charts' other filters narrowing the series, the cache, bad input (400), unknown and other organisations' domains (404), roles (viewer may read,
// anonymous 401) and organisations (each forecasts its own data only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adviceReportXml } from '../support/advice-report.js';
import { availableEngines } from '../support/db.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import { expectProblem, multipart, startApi, upload, type Part, type TestApi } from './helpers.js';

interface ForecastBody {
  domain: string;
  metric: string;
  method: string;
  note: string;
  history: { from: string; to: string; days: number } | null;
  points: { day: string; value: number; lower80: number; upper80: number; lower95: number; upper95: number }[];
  backtestMae: number | null;
  naiveMae: number | null;
  params: { alpha: number; beta: number; gamma: number } | null;
}

const DAY1 = 1_767_225_600; // 2026-01-01, a Thursday
/** Messages per weekday from Thursday: busy weekdays, quiet weekends. */
const WEEK = [1200, 1100, 300, 250, 1300, 1250, 1220];

/** One report a day for `days` days: `messages(t)` in all, `fail(t)` of them failing DMARC. */
function dailyReports(
  domain: string,
  days: number,
  messages: (t: number) => number,
  fail: (t: number) => number,
  first = 0,
): Part[] {
  return Array.from({ length: days }, (_, i) => {
    const t = first + i;
    const records = [{ ip: '192.0.2.10', count: messages(t) - fail(t), dkim: [{ d: domain }] }];
    if (fail(t) > 0) records.push({ ip: '203.0.113.66', count: fail(t), evaluated: ['fail', 'fail'] } as never);
    return {
      name: `${domain}-${t}.xml`,
      bytes: Buffer.from(adviceReportXml({ reportId: `${domain}-${t}`, domain, begin: DAY1 + t * 86_400, records })),
    };
  });
}

// a weekly pattern rising 10 messages a day, with a little day-to-day variation; 5 % failing, more on Mondays
const volume = (t: number) => WEEK[t % 7]! + 10 * t + ((t * 37) % 23);
const failing = (t: number) => Math.round(volume(t) * (t % 7 === 4 ? 0.1 : 0.05));

describe.each(availableEngines())('forecast API on %s', (engine) => {
  let api: TestApi;
  let viewer: string;
  let adminB: string;

  beforeAll(async () => {
    api = await startApi(engine);
    await upload(api, [
      ...dailyReports('example.com', 35, volume, failing),
      ...dailyReports(
        'short.example',
        10,
        (t) => 100 + t,
        () => 5,
      ),
      ...dailyReports(
        'tiny.example',
        5,
        () => 50,
        () => 0,
      ),
      // reports for days 0..9 and 15..20: the five days between are days without mail
      ...dailyReports(
        'gappy.example',
        10,
        () => 100,
        () => 10,
      ),
      ...dailyReports(
        'gappy.example',
        6,
        () => 100,
        () => 30,
        15,
      ),
    ]);
    await api.queue.drain();
    const user = async (email: string, orgId: number, role: 'viewer' | 'admin') => {
      const { user } = await api.auth.createUser({ email, name: email, member: { orgId, role } });
      return api.auth.access.sign(user.id);
    };
    const orgB = await createOrg(api.db, 'org-b');
    viewer = await user('viewer@example.com', DEFAULT_ORG_ID, 'viewer');
    adminB = await user('admin-b@example.com', orgB.id, 'admin');
    const body = multipart([
      ...dailyReports(
        'example.com',
        21,
        () => 40,
        () => 40,
        100,
      ),
      ...dailyReports(
        'only-b.example',
        21,
        () => 10,
        () => 0,
      ),
    ]);
    const r = await api.app.inject({
      method: 'POST',
      url: '/api/orgs/org-b/upload',
      payload: body.payload,
      headers: { ...body.headers, authorization: `Bearer ${adminB}` },
    });
    expect(r.statusCode, r.body).toBe(200);
    await api.queue.drain();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('forecasts five weeks of a weekly pattern with Holt–Winters, better than seasonal naive; cached', async () => {
    const r = await api.inject('/api/analytics/forecast?domain=example.com&metric=messages&days=7');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['x-cache']).toBe('MISS');
    const f = r.json<ForecastBody>();
    expect(f).toMatchObject({ domain: 'example.com', metric: 'messages', method: 'holt_winters' });
    expect(f.history).toEqual({ from: '2026-01-01', to: '2026-02-04', days: 35 });
    expect(f.points.map((p) => p.day)).toEqual([
      '2026-02-05',
      '2026-02-06',
      '2026-02-07',
      '2026-02-08',
      '2026-02-09',
      '2026-02-10',
      '2026-02-11',
    ]);
    expect(f.backtestMae!).toBeLessThan(f.naiveMae!);
    // the weekend dip continues, at the level the trend has reached
    f.points.forEach((p, i) => {
      const t = 35 + i;
      expect(Math.abs(p.value - volume(t))).toBeLessThan(60);
      expect(p.lower95).toBeLessThanOrEqual(p.lower80);
      expect(p.upper80).toBeLessThanOrEqual(p.upper95);
      expect(p.lower80).toBeGreaterThanOrEqual(0);
    });
    expect(f.params).not.toBeNull();
    const again = await api.inject('/api/analytics/forecast?days=7&domain=EXAMPLE.com.');
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.json<ForecastBody>()).toEqual(f);
  });

  it('forecasts the failure share within [0, 1], 28 days ahead at most', async () => {
    const r = await api.inject('/api/analytics/forecast?domain=example.com&metric=failure_rate&days=28');
    expect(r.statusCode, r.body).toBe(200);
    const f = r.json<ForecastBody>();
    expect(f).toMatchObject({ metric: 'failure_rate', method: 'holt_winters' });
    expect(f.points).toHaveLength(28);
    for (const p of f.points) {
      expect(p.lower95).toBeGreaterThanOrEqual(0);
      expect(p.upper95).toBeLessThanOrEqual(1);
    }
    // Mondays (2026-02-09, 02-16, ...) fail twice as often
    const monday = f.points.find((p) => p.day === '2026-02-09')!;
    const sunday = f.points.find((p) => p.day === '2026-02-08')!;
    expect(monday.value).toBeGreaterThan(0.08);
    expect(sunday.value).toBeLessThan(0.07);
  });

  it('falls back to seasonal naive under two weeks and says so; under 8 days, no forecast', async () => {
    const short = (await api.inject('/api/analytics/forecast?domain=short.example')).json<ForecastBody>();
    expect(short.method).toBe('seasonal_naive');
    expect(short.note).toContain('seasonal naive');
    expect(short.history!.days).toBe(10);
    // each day as the same weekday of the last week: days 3..9 had 103..109 messages
    expect(short.points.map((p) => p.value)).toEqual([103, 104, 105, 106, 107, 108, 109]);
    expect(short.backtestMae).toBeNull();
    const tiny = (await api.inject('/api/analytics/forecast?domain=tiny.example')).json<ForecastBody>();
    expect(tiny).toMatchObject({ method: 'none', points: [], backtestMae: null, naiveMae: null });
    expect(tiny.note).toContain('Only 5 days');
  });

  it('fills days without reports with 0 messages; their failure share carries the last known', async () => {
    const m = (await api.inject('/api/analytics/forecast?domain=gappy.example')).json<ForecastBody>();
    expect(m.history).toEqual({ from: '2026-01-01', to: '2026-01-21', days: 21 });
    expect(m.method).toBe('holt_winters');
    const share = await api.inject('/api/analytics/forecast?domain=gappy.example&metric=failure_rate');
    const f = share.json<ForecastBody>();
    expect(f.history!.days).toBe(21);
    // the share was 0.1, then 0.3 for the last week: never the 0 the empty days would give
    for (const p of f.points) expect(p.value).toBeGreaterThan(0.1);
  });

  it("narrows the series by the charts' other filters (source, outcome, reporter), each cached apart", async () => {
    const all = (await api.inject('/api/analytics/forecast?domain=example.com')).json<ForecastBody>();
    const failing1 = await api.inject('/api/analytics/forecast?domain=example.com&dmarc=fail');
    expect(failing1.statusCode, failing1.body).toBe(200);
    expect(failing1.headers['x-cache']).toBe('MISS');
    const fail = failing1.json<ForecastBody>();
    expect(fail.history).toEqual(all.history);
    // only the failing messages: 5 % of the volume (10 % on Mondays), not the whole of it
    fail.points.forEach((p, i) => {
      const t = 35 + i;
      expect(Math.abs(p.value - failing(t))).toBeLessThan(25);
      expect(p.value).toBeLessThan(all.points[i]!.value / 5);
    });
    // the failing source alone is the same series; the passing one has none of the failures
    const source = await api.inject('/api/analytics/forecast?domain=example.com&source_ip=203.0.113.0/24');
    expect(source.json<ForecastBody>().points).toEqual(fail.points);
    const passing = await api.inject(
      '/api/analytics/forecast?domain=example.com&source_ip=192.0.2.10&metric=failure_rate',
    );
    for (const p of passing.json<ForecastBody>().points) expect(p.value).toBeCloseTo(0, 6);
    // a reporter that sent nothing: no history, and the note names the filters
    const none = (
      await api.inject('/api/analytics/forecast?domain=example.com&org=nobody.example')
    ).json<ForecastBody>();
    expect(none).toMatchObject({ method: 'none', history: null, points: [] });
    expect(none.note).toContain('these filters');
    for (const url of [
      '/api/analytics/forecast?domain=example.com&source_ip=not-an-address',
      '/api/analytics/forecast?domain=example.com&dmarc=maybe',
      '/api/analytics/forecast?domain=example.com&period=all',
      '/api/analytics/forecast?domain=example.com&to=2026-02-01',
    ]) {
      expectProblem(await api.inject(url), 400);
    }
  });

  it('bad input is a 400 problem; a domain without reports here is a 404', async () => {
    const bad = [
      '/api/analytics/forecast',
      '/api/analytics/forecast?domain=example.com&metric=volume',
      '/api/analytics/forecast?domain=example.com&days=0',
      '/api/analytics/forecast?domain=example.com&days=29',
      '/api/analytics/forecast?domain=example.com&days=1.5',
      '/api/analytics/forecast?domain=example.com&days=week',
      '/api/analytics/forecast?domain=example.com&from=2026-01-01',
      '/api/analytics/forecast?domain=',
      `/api/analytics/forecast?domain=${'a'.repeat(255)}`,
    ];
    for (const url of bad) expectProblem(await api.inject(url), 400);
    const p = expectProblem(await api.inject('/api/analytics/forecast?domain=not%20a%20domain!'), 400);
    expect(p.errors?.[0]?.field).toBe('domain');
    expectProblem(await api.inject('/api/analytics/forecast?domain=unknown.example'), 404, 'domain_not_found');
    // org B's domain is unknown here
    expectProblem(await api.inject('/api/analytics/forecast?domain=only-b.example'), 404, 'domain_not_found');
  });

  it('viewers may read it; anonymous callers get 401', async () => {
    const v = await api.app.inject({
      url: '/api/analytics/forecast?domain=example.com',
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(v.statusCode, v.body).toBe(200);
    expect(v.json<ForecastBody>().method).toBe('holt_winters');
    expectProblem(await api.app.inject({ url: '/api/analytics/forecast?domain=example.com' }), 401);
  });

  it("keeps organisations apart: each forecasts its own data; another's organisation is a 404", async () => {
    const b = { authorization: `Bearer ${adminB}` };
    const mine = await api.app.inject({ url: '/api/orgs/org-b/analytics/forecast?domain=example.com', headers: b });
    expect(mine.statusCode, mine.body).toBe(200);
    const f = mine.json<ForecastBody>();
    // org B's example.com: 40 messages a day, all failing, from day 100
    expect(f.history).toEqual({ from: '2026-04-11', to: '2026-05-01', days: 21 });
    for (const p of f.points) expect(p.value).toBeCloseTo(40, 6);
    const share = await api.app.inject({
      url: '/api/orgs/org-b/analytics/forecast?domain=example.com&metric=failure_rate',
      headers: b,
    });
    for (const p of share.json<ForecastBody>().points) expect(p.value).toBeCloseTo(1, 6);
    // the default organisation's cached answer is not org B's, nor the other way round
    const def = (await api.inject('/api/analytics/forecast?domain=example.com')).json<ForecastBody>();
    expect(def.history!.from).toBe('2026-01-01');
    expectProblem(
      await api.app.inject({ url: '/api/orgs/default/analytics/forecast?domain=example.com', headers: b }),
      404,
    );
  });
});
