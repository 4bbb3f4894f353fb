// The analytics turn-taking: at most `perUser` of a user's requests and `global` in all run at once; a user at
// their limit never holds up another user's waiting request; too many waiting is a 429; a request whose client
// went away while it waited gives its place up (the dashboard aborts requests whenever a filter changes: those
// turns, granted to nobody, were never given back, and every analytics answer then hung).
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../src/api/concurrency.js';
import { AppError } from '../../src/model/errors.js';
import { startApi, syntheticReport, upload, type TestApi } from './helpers.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimiter', () => {
  it('runs at most perUser of one user and global in all; the rest wait in order', async () => {
    const l = new ConcurrencyLimiter({ global: 3, perUser: 2, maxWaitingPerUser: 10 });
    const started: string[] = [];
    const releases: (() => void)[] = [];
    const go = (key: string, label: string) =>
      void l.acquire(key).then((release) => {
        started.push(label);
        releases.push(release);
      });
    go('a', 'a1');
    go('a', 'a2');
    go('a', 'a3'); // waits: a is at 2
    go('b', 'b1'); // runs: global 3
    go('b', 'b2'); // waits: global full
    await tick();
    expect(started).toEqual(['a1', 'a2', 'b1']);
    expect(l.stats()).toEqual({ active: 3, waiting: 2 });
    releases[0]!(); // a1 done: a3 is first in line and a has room again
    await tick();
    expect(started).toEqual(['a1', 'a2', 'b1', 'a3']);
    releases[0]!(); // released twice: counted once
    await tick();
    expect(l.stats().active).toBe(3);
  });

  it("skips a user at their limit: another user's request is served first", async () => {
    const l = new ConcurrencyLimiter({ global: 3, perUser: 2, maxWaitingPerUser: 10 });
    const order: string[] = [];
    const held: (() => void)[] = [];
    for (const label of ['x1', 'x2', 'y1']) held.push(await l.acquire(label[0]!));
    const x3 = l.acquire('x').then((r) => (order.push('x3'), r));
    const y2 = l.acquire('y').then((r) => (order.push('y2'), r));
    held[2]!(); // y1 done: x is still at its limit, so y2 goes first
    await tick();
    expect(order).toEqual(['y2']);
    held[0]!();
    await tick();
    expect(order).toEqual(['y2', 'x3']);
    (await x3)();
    (await y2)();
  });

  it('too many waiting requests of one user are refused with 429', async () => {
    const l = new ConcurrencyLimiter({ global: 1, perUser: 1, maxWaitingPerUser: 2 });
    await l.acquire('a');
    void l.acquire('a');
    void l.acquire('a');
    const err = await l.acquire('a').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(429);
    expect((err as AppError).retryAfterSeconds).toBe(1);
  });

  it('a waiting request whose signal aborts leaves the line; its turn goes to the next one', async () => {
    const l = new ConcurrencyLimiter({ global: 1, perUser: 1, maxWaitingPerUser: 2 });
    const first = await l.acquire('a');
    const gone = new AbortController();
    const abandoned = l.acquire('a', gone.signal);
    const next = l.acquire('a');
    gone.abort(new AppError('cancelled', 'client went away'));
    await expect(abandoned).rejects.toMatchObject({ code: 'cancelled' });
    expect(l.stats()).toEqual({ active: 1, waiting: 1 });
    first();
    const release = await next;
    expect(l.stats()).toEqual({ active: 1, waiting: 0 });
    release();
    expect(l.stats()).toEqual({ active: 0, waiting: 0 });
    // and the line has room again for this user (the abandoned one no longer counts as waiting)
    const a = await l.acquire('a');
    const b = l.acquire('a');
    const c = l.acquire('a');
    a();
    (await b)();
    (await c)();
  });

  it('a request already aborted does not wait at all', async () => {
    const l = new ConcurrencyLimiter({ global: 1, perUser: 1, maxWaitingPerUser: 2 });
    await expect(l.acquire('a', AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(l.stats()).toEqual({ active: 0, waiting: 0 });
  });
});

describe('analytics requests whose client went away, over HTTP (pglite)', () => {
  let api: TestApi;
  let base: string;
  beforeAll(async () => {
    api = await startApi('pglite', { DMARC_ANALYTICS_CONCURRENCY: '1', DMARC_CACHE_TTL_SECONDS: '0' });
    await upload(api, [{ name: 'one.xml', bytes: syntheticReport(1) }]);
    await api.queue.drain();
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await api?.close();
  });

  it('leave their place in line, so that the next request is answered', async () => {
    const get = (from: string, signal?: AbortSignal) =>
      fetch(`${base}/api/rollup/summary?from=${from}`, { headers: api.headers, signal });
    // The embedded database is held by a transaction: the one turn is taken by a request that waits for it, and
    // every other request waits for the turn.
    let unblock!: () => void;
    const held = api.db.transaction(() => new Promise<void>((r) => (unblock = r)));
    const running = get('2001-01-01');
    const controllers = Array.from({ length: 8 }, () => new AbortController());
    const abandoned = controllers.map((c, i) => get(`2002-01-0${i + 1}`, c.signal).catch((e: Error) => e.name));
    await new Promise((r) => setTimeout(r, 300));
    for (const c of controllers) c.abort();
    expect(await Promise.all(abandoned)).toEqual(controllers.map(() => 'AbortError'));
    await new Promise((r) => setTimeout(r, 100));
    unblock();
    await held;
    expect((await running).status).toBe(200);
    // Before the fix these eight turns were handed to nobody and this request waited for ever.
    const next = await get('2003-01-01', AbortSignal.timeout(30_000));
    expect(next.status).toBe(200);
  });
});
