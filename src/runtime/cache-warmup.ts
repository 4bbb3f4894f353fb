// Cache warm-up: computes the answers the dashboard asks for first, so that opening it after an import (or after
// a restart) reads the cache instead of the rollups. Per organisation: once for each when a worker starts and in
// the daily refresh-rollups task, and a few seconds after one of its reports was stored (debounced: a bulk import
// warms once, at the end).
import type { AnalyticsCache } from '../analytics/cache.js';
import { analyticsAnswers } from '../analytics/answers.js';
import type { Database } from '../store/database.js';
import { listOrgs } from '../store/organizations.js';

const DAY_MS = 86_400_000;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export interface Warmer {
  /** Warms one organisation's first screen; returns how many answers were computed. */
  org(orgId: number): Promise<number>;
  /** Every organisation in turn. */
  all(): Promise<number>;
}

/**
 * The warm-up itself. The requests mirror the dashboard's first screen (web/src/pages/Overview.tsx with the
 * default filters: the last 30 days, ending today in UTC, and the filter choices of web/src/choices.ts), plus
 * the unfiltered headline answers scripts ask for.
 */
export function cacheWarmer(
  deps: { db: Database; cache: AnalyticsCache; ttlSeconds: number },
  now: () => number = Date.now,
): Warmer {
  const a = analyticsAnswers(deps.db, deps.cache);
  const org = async (orgId: number): Promise<number> => {
    if (deps.ttlSeconds <= 0) return 0;
    const today = now();
    const last30 = { orgId, from: isoDay(today - 29 * DAY_MS), to: isoDay(today) };
    const all = { orgId };
    const jobs: (() => Promise<unknown>)[] = [
      // the overview
      () => a.trends(last30),
      () => a.timeline(last30, 'day'),
      () => a.summary(last30),
      () => a.alignment(last30),
      () => a.sources(last30, { limit: 10 }),
      () => a.reporters(last30, { limit: 10 }),
      () => a.overrides(last30),
      () => a.domains(last30, { sort: 'messages', limit: 15 }),
      // the filter choices
      () => a.domains(all, { limit: 1000, sort: 'domain' }),
      () => a.reporters(all, { limit: 1000, sort: 'orgName' }),
      // all data, no filter
      () => a.summary(all),
      () => a.byDomain(all),
      () => a.timeline(all, 'day'),
    ];
    for (const run of jobs) await run();
    return jobs.length;
  };
  return {
    org,
    all: async () => {
      let n = 0;
      for (const o of await listOrgs(deps.db)) n += await org(o.id);
      return n;
    },
  };
}

/**
 * Runs a warm-up of the organisations asked for `delayMs` after the last call of `soon()`, or at the latest
 * `maxWaitMs` after the first one of a burst (a steady stream of imports still gets a warm cache). `stop()`
 * cancels a pending run and waits for a running one, so that nothing reads a closed database.
 */
export class DebouncedWarmup {
  private timer: NodeJS.Timeout | undefined;
  private burstStart: number | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private readonly pending = new Set<number>();
  private everyOrg = false;

  constructor(
    private readonly warm: Warmer,
    private readonly delayMs = 5_000,
    private readonly maxWaitMs = 60_000,
  ) {}

  /** Warms the organisation soon (every organisation without an argument). */
  soon(orgId?: number): void {
    if (this.stopped) return;
    if (orgId === undefined) this.everyOrg = true;
    else this.pending.add(orgId);
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
    const orgs = [...this.pending];
    const every = this.everyOrg;
    this.pending.clear();
    this.everyOrg = false;
    // one at a time: a burst during a warm-up is served by the next one
    const previous = this.running ?? Promise.resolve();
    const run = previous
      .then(async () => {
        if (this.stopped) return;
        if (every) await this.warm.all();
        else for (const o of orgs) if (!this.stopped) await this.warm.org(o);
      })
      .catch(() => undefined);
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
