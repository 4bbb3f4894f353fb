// Counted budgets of login attempts in fixed windows, per key (an address, an account, a pair of both), and
// marks with a lifetime. In memory, or in Redis so that every API process shares them. An attempt is reserved
// (counted) before its password is checked, atomically for all its budgets, so parallel attempts can never
// overrun a budget; an attempt that succeeds gives its reservation back.
import type { Redis } from 'ioredis';
import type { Clock } from './clock.js';

export interface Budget {
  key: string;
  /** Attempts allowed while the key lives. */
  limit: number;
  /** Lifetime of the key from its first attempt. */
  windowSeconds: number;
  /**
   * Growing lockouts: when an attempt spends the budget, the key is kept (the budget stays spent) for
   * baseSeconds × 2^(lockouts so far), at most maxSeconds; lockouts are remembered under strikesKey for
   * strikesSeconds after the last one. Without it the budget is free again when its window ends.
   */
  backoff?: { strikesKey: string; baseSeconds: number; maxSeconds: number; strikesSeconds: number };
}

export type Reservation = { ok: true } | { ok: false; retryAfterSeconds: number; spent: string[] };

export interface FailureCounter {
  /**
   * If every budget has room, counts one attempt against each and answers ok; otherwise counts nothing and
   * answers the spent budgets' keys and the seconds until the last of them is free again.
   */
  reserve(budgets: Budget[]): Promise<Reservation>;
  /** Gives one attempt back to each key (never below zero; the window is unchanged). */
  release(keys: string[]): Promise<void>;
  /** Forgets the keys (counts, strikes, marks). */
  reset(keys: string[]): Promise<void>;
  mark(key: string, ttlSeconds: number): Promise<void>;
  isMarked(key: string): Promise<boolean>;
}

interface Entry {
  count: number;
  endsAt: number;
}

export class MemoryFailureCounter implements FailureCounter {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  private live(key: string, now: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.endsAt > now) return e;
    if (e) this.entries.delete(key);
    return undefined;
  }

  // Synchronous from the first read to the last write: no other attempt runs in between.
  reserve(budgets: Budget[]): Promise<Reservation> {
    const now = this.clock.now().getTime();
    const spent: string[] = [];
    let wait = 0;
    for (const b of budgets) {
      const e = this.live(b.key, now);
      if (e && e.count >= b.limit) {
        spent.push(b.key);
        wait = Math.max(wait, Math.ceil((e.endsAt - now) / 1000));
      }
    }
    if (spent.length > 0) return Promise.resolve({ ok: false, retryAfterSeconds: Math.max(1, wait), spent });
    for (const b of budgets) {
      const e = this.live(b.key, now) ?? { count: 0, endsAt: now + b.windowSeconds * 1000 };
      e.count++;
      this.entries.set(b.key, e);
      if (e.count >= b.limit && b.backoff) {
        const { strikesKey, baseSeconds, maxSeconds, strikesSeconds } = b.backoff;
        const s = this.live(strikesKey, now) ?? { count: 0, endsAt: 0 };
        s.count++;
        s.endsAt = now + strikesSeconds * 1000;
        this.entries.set(strikesKey, s);
        e.endsAt = now + Math.min(maxSeconds, baseSeconds * 2 ** (s.count - 1)) * 1000;
      }
    }
    if (this.entries.size > 100_000) this.prune(now);
    return Promise.resolve({ ok: true });
  }

  release(keys: string[]): Promise<void> {
    const now = this.clock.now().getTime();
    for (const k of keys) {
      const e = this.live(k, now);
      if (e && e.count > 0) e.count--;
    }
    return Promise.resolve();
  }

  reset(keys: string[]): Promise<void> {
    for (const k of keys) this.entries.delete(k);
    return Promise.resolve();
  }

  mark(key: string, ttlSeconds: number): Promise<void> {
    this.entries.set(key, { count: 1, endsAt: this.clock.now().getTime() + ttlSeconds * 1000 });
    return Promise.resolve();
  }

  isMarked(key: string): Promise<boolean> {
    return Promise.resolve(this.live(key, this.clock.now().getTime()) !== undefined);
  }

  private prune(now: number): void {
    for (const [k, e] of this.entries) if (e.endsAt <= now) this.entries.delete(k);
  }
}

// KEYS: per budget its key and its strikes key (the key again when it has no backoff).
// ARGV: per budget limit, window, backoff base (0: none), backoff max, strikes lifetime.
// Answers {0} when reserved, else {seconds to wait, spent key indexes...}.
const RESERVE = `
local n = #KEYS / 2
local wait = 0
local spent = {}
for i = 1, n do
  local k = KEYS[2 * i - 1]
  local c = tonumber(redis.call('GET', k) or '0')
  if c >= tonumber(ARGV[5 * i - 4]) then
    local ttl = redis.call('TTL', k)
    if ttl < 1 then ttl = 1 end
    if ttl > wait then wait = ttl end
    spent[#spent + 1] = i
  end
end
if #spent > 0 then
  local out = { wait }
  for _, i in ipairs(spent) do out[#out + 1] = i end
  return out
end
for i = 1, n do
  local k = KEYS[2 * i - 1]
  local limit = tonumber(ARGV[5 * i - 4])
  local base = tonumber(ARGV[5 * i - 2])
  local c = redis.call('INCR', k)
  if redis.call('TTL', k) < 0 then redis.call('EXPIRE', k, ARGV[5 * i - 3]) end
  if c >= limit and base > 0 then
    local strikes = redis.call('INCR', KEYS[2 * i])
    redis.call('EXPIRE', KEYS[2 * i], ARGV[5 * i])
    redis.call('EXPIRE', k, math.floor(math.min(tonumber(ARGV[5 * i - 1]), base * 2 ^ (strikes - 1))))
  end
end
return { 0 }
`;

const RELEASE = `
for _, k in ipairs(KEYS) do
  if tonumber(redis.call('GET', k) or '0') > 0 then redis.call('DECR', k) end
end
return 0
`;

/** The same in Redis: each operation is one Lua script, so it is atomic across processes. */
export class RedisFailureCounter implements FailureCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private k(key: string): string {
    return `${this.prefix}:fail:${key}`;
  }

  async reserve(budgets: Budget[]): Promise<Reservation> {
    if (budgets.length === 0) return { ok: true };
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const b of budgets) {
      keys.push(this.k(b.key), this.k(b.backoff?.strikesKey ?? b.key));
      const bo = b.backoff;
      args.push(b.limit, b.windowSeconds, bo?.baseSeconds ?? 0, bo?.maxSeconds ?? 0, bo?.strikesSeconds ?? 0);
    }
    const r = (await this.redis.eval(RESERVE, keys.length, ...keys, ...args)) as number[];
    const [wait = 0, ...spent] = r;
    if (wait === 0) return { ok: true };
    return { ok: false, retryAfterSeconds: wait, spent: spent.map((i) => budgets[i - 1]!.key) };
  }

  async release(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.redis.eval(RELEASE, keys.length, ...keys.map((k) => this.k(k)));
  }

  async reset(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.redis.del(...keys.map((k) => this.k(k)));
  }

  async mark(key: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.k(key), '1', 'EX', ttlSeconds);
  }

  async isMarked(key: string): Promise<boolean> {
    return (await this.redis.exists(this.k(key))) === 1;
  }
}
