// The analytics turn-taking: at most `perUser` of a user's requests and `global` in all run at once; a user at
// their limit never holds up another user's waiting request; too many waiting is a 429.
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../src/api/concurrency.js';
import { AppError } from '../../src/model/errors.js';

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
});
