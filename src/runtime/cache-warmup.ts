// Cache warm-up: computes the answers the dashboard asks for first, so that opening it after an import (or
// after a restart) reads the cache instead of the rollups. Run by the daily refresh-rollups task, once when a
// worker starts, and a few seconds after reports were stored (debounced: a bulk import warms once, at the end).
import type { FastifyReply } from 'fastify';
import type { AppDeps } from '../api/deps.js';
import { cachedAnswers } from '../api/cached-answers.js';

/** A reply that only takes headers: the handlers set X-Cache on it. */
const nullReply = { header: () => nullReply } as unknown as FastifyReply;

const DAY_MS = 86_400_000;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The warm-up itself. The requests mirror the dashboard's first screen (web/src/pages/Overview.tsx with the
 * default filters: the last 30 days, ending today in UTC, and the filter choices of web/src/choices.ts), plus
 * the unfiltered headline answers scripts ask for. Returns how many answers were computed.
 */
export function cacheWarmer(deps: AppDeps, now: () => number = Date.now): () => Promise<number> {
  return async () => {
    if (deps.config.cache.ttlSeconds <= 0) return 0;
    const h = cachedAnswers(deps);
    const today = now();
    const last30 = { from: isoDay(today - 29 * DAY_MS), to: isoDay(today) };
    const r = nullReply;
    const jobs: (() => Promise<unknown>)[] = [
      // the overview
      () => h.trends(last30, r),
      () => h.timeline(last30, 'day', r),
      () => h.summary(last30, r),
      () => h.alignment(last30, r),
      () => h.sources(last30, { limit: 10 }, r),
      () => h.reporters(last30, { limit: 10 }, r),
      () => h.overrides(last30, r),
      () => h.domains(last30, { sort: 'messages', limit: 15 }, r),
      // the filter choices
      () => h.domains({}, { limit: 1000, sort: 'domain' }, r),
      () => h.reporters({}, { limit: 1000, sort: 'orgName' }, r),
      // all data, no filter
      () => h.summary({}, r),
      () => h.byDomain({}, r),
      () => h.timeline({}, 'day', r),
    ];
    for (const run of jobs) await run();
    return jobs.length;
  };
}

/**
 * Runs a warm-up `delayMs` after the last call of `soon()`, or at the latest `maxWaitMs` after the first one of
 * a burst (a steady stream of imports still gets a warm cache). `stop()` cancels a pending run and waits for a
 * running one, so that nothing reads a closed database.
 */
export class DebouncedWarmup {
  private timer: NodeJS.Timeout | undefined;
  private burstStart: number | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly warm: () => Promise<unknown>,
    private readonly delayMs = 5_000,
    private readonly maxWaitMs = 60_000,
  ) {}

  soon(): void {
    if (this.stopped) return;
    const now = Date.now();
    this.burstStart ??= now;
    const wait = Math.max(0, Math.min(this.delayMs, this.burstStart + this.maxWaitMs - now));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), wait);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.burstStart = undefined;
    // one at a time: a burst during a warm-up is served by the next one
    const previous = this.running ?? Promise.resolve();
    const run = previous.then(() => (this.stopped ? undefined : this.warm())).catch(() => undefined);
    this.running = run;
    void run.finally(() => {
      if (this.running === run) this.running = undefined;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
