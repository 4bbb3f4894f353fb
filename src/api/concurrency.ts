// How many analytics requests run at once: at most `global` in this process (so that the database pool keeps
// connections for the cheap requests, such as listing reports) and at most `perUser` of one user (so that one
// user's fifty parallel requests wait behind each other rather than in front of everybody else). Waiting requests
// are served first come, first served, skipping those of a user already at their limit.
import { AppError } from '../model/errors.js';

interface Waiter {
  key: string;
  /** Hands the waiter its slot (already counted as running). */
  grant: (release: () => void) => void;
}

export interface ConcurrencyLimits {
  global: number;
  perUser: number;
  /** Requests of one user allowed to wait; past it, 429. */
  maxWaitingPerUser: number;
}

export class ConcurrencyLimiter {
  private active = 0;
  private readonly byKey = new Map<string, number>();
  private readonly waiting: Waiter[] = [];
  private readonly waitingByKey = new Map<string, number>();

  constructor(private readonly limits: ConcurrencyLimits) {}

  /**
   * Resolves with the release function once the request may run. Aborted while it waits (the client went away),
   * it leaves the line and rejects with the signal's reason: a turn granted to nobody would never be given back.
   */
  async acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.canRun(key)) return this.start(key);
    const queued = this.waitingByKey.get(key) ?? 0;
    if (queued >= this.limits.maxWaitingPerUser) {
      throw new AppError(
        'too_many_waiting',
        `too many of your analytics requests are waiting (${queued}); retry when the running ones have answered`,
        { retryAfterSeconds: 1 },
      );
    }
    this.waitingByKey.set(key, queued + 1);
    return new Promise<() => void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.waiting.indexOf(w);
        if (at < 0) return;
        this.waiting.splice(at, 1);
        this.unqueue(key);
        reject(signal?.reason as Error);
      };
      const w: Waiter = {
        key,
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      this.waiting.push(w);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private unqueue(key: string): void {
    const q = (this.waitingByKey.get(key) ?? 1) - 1;
    if (q === 0) this.waitingByKey.delete(key);
    else this.waitingByKey.set(key, q);
  }

  /** Requests running now and waiting now (for tests and metrics). */
  stats(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  private canRun(key: string): boolean {
    return this.active < this.limits.global && (this.byKey.get(key) ?? 0) < this.limits.perUser;
  }

  private start(key: string): () => void {
    this.active++;
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      const n = (this.byKey.get(key) ?? 1) - 1;
      if (n === 0) this.byKey.delete(key);
      else this.byKey.set(key, n);
      this.wake();
    };
  }

  private wake(): void {
    for (let i = 0; i < this.waiting.length && this.active < this.limits.global;) {
      const w = this.waiting[i]!;
      if ((this.byKey.get(w.key) ?? 0) >= this.limits.perUser) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.unqueue(w.key);
      // counted as running now, before the waiter resumes, so that another release cannot over-grant
      w.grant(this.start(w.key));
    }
  }
}
