// Cache warm-up: the answers it computes are the ones the dashboard's first screen reads (same keys: the
// dashboard's requests are HITs afterwards), it is scheduled after imports (debounced) and stops cleanly.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { taskHandlers } from '../../src/jobs/tasks.js';
import { acceptFile } from '../../src/ingest/accept-file.js';
import { DebouncedWarmup, cacheWarmer } from '../../src/runtime/cache-warmup.js';
import { availableEngines } from '../support/db.js';
import { startApi, syntheticReport, upload, type TestApi } from './helpers.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-15T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe.each(availableEngines())('cache warm-up on %s', (engine) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(engine);
    // reports inside the dashboard's default period (the 30 days up to NOW) and before it
    const begins = [NOW - 2 * DAY, NOW - 10 * DAY, NOW - 45 * DAY].map((ms) => Math.floor(ms / 1000));
    await upload(
      api,
      begins.map((begin, i) => ({
        name: `r${i}.xml`,
        bytes: syntheticReport(i, { begin, domain: i === 1 ? 'other.example' : 'warm.example', count: 5 + i }),
      })),
    );
    await api.queue.drain();
  });
  afterAll(() => api?.close());

  it("after a warm-up, every request of the dashboard's first screen is a cache HIT with the same answer", async () => {
    await api.cache.invalidate();
    const warmed = await cacheWarmer(api, () => NOW)();
    expect(warmed).toBeGreaterThanOrEqual(10);
    // what web/src/pages/Overview.tsx and web/src/choices.ts ask for with the default filters
    const q = `from=${iso(NOW - 29 * DAY)}&to=${iso(NOW)}`;
    const urls = [
      `/api/rollup/trends?${q}`,
      `/api/rollup/timeline?${q}&interval=day`,
      `/api/rollup/summary?${q}`,
      `/api/rollup/alignment?${q}`,
      `/api/rollup/sources?${q}&limit=10`,
      `/api/rollup/reporters?${q}&limit=10`,
      `/api/rollup/overrides?${q}`,
      `/api/domains?${q}&sort=messages&limit=15`,
      '/api/domains?limit=1000&sort=domain',
      '/api/rollup/reporters?limit=1000&sort=orgName',
      '/api/rollup/summary',
      '/api/stats/by-domain',
    ];
    const warm = await Promise.all(urls.map((url) => api.inject(url)));
    for (const [i, r] of warm.entries()) {
      expect(r.statusCode, urls[i]).toBe(200);
      expect(r.headers['x-cache'], urls[i]).toBe('HIT');
    }
    // the same answers as computed fresh
    await api.cache.invalidate();
    const fresh = await Promise.all(urls.map((url) => api.inject(url)));
    for (const [i, r] of fresh.entries()) {
      expect(r.headers['x-cache'], urls[i]).toBe('MISS');
      expect(r.json(), urls[i]).toEqual(warm[i]!.json());
    }
    expect(warm[2]!.json()).toMatchObject({ reports: 2, messages: 11 });
  });

  it('computes nothing when the cache is off', async () => {
    const off = { ...api, config: { ...api.config, cache: { ...api.config.cache, ttlSeconds: 0 } } };
    expect(await cacheWarmer(off, () => NOW)()).toBe(0);
  });

  it('process-file reports stored reports (so that a warm-up is scheduled), and not when nothing was stored', async () => {
    let calls = 0;
    const handlers = taskHandlers({
      db: api.db,
      queue: api.queue,
      cache: api.cache,
      limits: api.config.limits,
      reportsStored: () => calls++,
    });
    // accepted without queueing the job, so that only these handlers process it
    const parked = () => Promise.resolve();
    const accept = async (name: string, xml: string) =>
      (await acceptFile(api.db, parked, { name, bytes: Buffer.from(xml), source: 'cli' }, api.config.limits)).fileId;
    const report = syntheticReport(100, { domain: 'warm.example' });
    await handlers['process-file']({ fileId: await accept('new.xml', report) });
    expect(calls).toBe(1);
    // other bytes, the same report identity: nothing stored
    await handlers['process-file']({ fileId: await accept('copy.xml', `${report}\n`) });
    expect(calls).toBe(1);
  });
});

describe('DebouncedWarmup', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

  it('runs once after a burst of calls, when the calls stop', async () => {
    let runs = 0;
    const w = new DebouncedWarmup(async () => void runs++, 40, 10_000);
    for (let i = 0; i < 5; i++) {
      w.soon();
      await advance(10);
    }
    expect(runs).toBe(0);
    await advance(39);
    expect(runs).toBe(1);
    await advance(1000);
    expect(runs).toBe(1);
    await w.stop();
  });

  it('runs at the latest maxWait after the first call of an endless stream', async () => {
    let runs = 0;
    const w = new DebouncedWarmup(async () => void runs++, 50, 120);
    for (let t = 0; t < 400; t += 15) {
      w.soon();
      await advance(15);
    }
    expect(runs).toBe(3); // at ~120, ~240, ~360 ms
    await w.stop();
  });

  it('stop() cancels a pending run and waits for a running one', async () => {
    let started = 0;
    let finished = 0;
    const w = new DebouncedWarmup(async () => {
      started++;
      await new Promise((r) => setTimeout(r, 60));
      finished++;
    }, 10);
    w.soon();
    await advance(30); // running now
    expect([started, finished]).toEqual([1, 0]);
    w.soon(); // pending
    const stopped = w.stop();
    await advance(60);
    await stopped;
    expect([started, finished]).toEqual([1, 1]);
    await advance(100);
    w.soon(); // ignored once stopped
    await advance(100);
    expect(started).toBe(1);
  });

  it('a failed warm-up does not stop later ones', async () => {
    let runs = 0;
    const w = new DebouncedWarmup(async () => {
      runs++;
      if (runs === 1) throw new Error('database away');
    }, 10);
    w.soon();
    await advance(40);
    w.soon();
    await advance(40);
    expect(runs).toBe(2);
    await w.stop();
  });
});
