// Enriching an organisation's source addresses and storing the results, in batches, within a time budget: what
// the enrich-sources task and `dmarc enrich` run. Two scopes:
//   - 'new': the sources of the reports stored since the organisation's watermark (less a margin for storing
//     transactions that were still open then): cheap whatever the organisation's size, run after reports arrive;
//   - 'all': every source of the organisation, page by page in address order (a cursor), for backfills and
//     refreshes; done, it sets the watermark to its start. A 'new' run of an organisation without a watermark
//     (reports stored before enrichment existed) is an 'all' run.
// A run that runs out of its budget returns the run that continues it.
import type { Database } from '../store/database.js';
import {
  checkedUntil,
  countPendingIps,
  countPendingIpsSince,
  databaseNow,
  pendingIpsPage,
  pendingIpsSince,
  setCheckedUntil,
  upsertEnrichments,
  type Freshness,
} from '../store/ip-enrichment.js';
import type { SourceEnricher } from './enricher.js';

export interface EnrichRun {
  orgId: number;
  scope: 'new' | 'all';
  /** Every address looked up before this moment (ISO time) is looked up again: a refresh. */
  refreshBefore?: string;
  /** 'all': the last address done by the previous part of this pass. */
  after?: string;
  /** 'all': when the pass began (ISO time): the watermark it sets when it is done. */
  startedAt?: string;
}

export interface EnrichRunResult {
  /** Addresses looked up and stored. */
  enriched: number;
  /** Addresses read (for 'all': the organisation's; for 'new': those needing a lookup). */
  scanned: number;
  done: boolean;
  /** When not done: the run that continues this one. */
  next?: EnrichRun;
}

export interface EnrichRunOptions {
  /** Stop after the batch that ends past this many milliseconds (default: no limit). */
  budgetMs?: number;
  /** Addresses looked up and stored together (default 500). */
  batchSize?: number;
  /** Addresses read per page in the 'all' scope (default 5,000). */
  pageSize?: number;
  /** After each stored batch: addresses enriched so far in this run. */
  onProgress?: (enriched: number, scanned: number) => void;
}

/** Reports stored up to this long before the watermark are read again: their transaction may have been open. */
export const WATERMARK_MARGIN_MS = 60 * 60 * 1000;

export function freshnessOf(enricher: SourceEnricher, refreshBefore?: string): Freshness {
  const s = enricher.settings;
  return {
    ttlSeconds: s.ttlDays * 86_400,
    negativeTtlSeconds: s.negativeTtlMs / 1000,
    rdns: s.rdns,
    refreshBefore: refreshBefore ? new Date(refreshBefore) : null,
  };
}

/** How many addresses `run` would look up (as it starts: a progress bar's total). */
export async function countPending(db: Database, enricher: SourceEnricher, run: EnrichRun): Promise<number> {
  const f = freshnessOf(enricher, run.refreshBefore);
  const watermark = run.scope === 'new' ? await checkedUntil(db, run.orgId) : null;
  return watermark
    ? countPendingIpsSince(db, run.orgId, new Date(watermark.getTime() - WATERMARK_MARGIN_MS), f)
    : countPendingIps(db, run.orgId, f);
}

export async function runEnrichment(
  db: Database,
  enricher: SourceEnricher,
  run: EnrichRun,
  options: EnrichRunOptions = {},
): Promise<EnrichRunResult> {
  const began = Date.now();
  const budget = options.budgetMs ?? Infinity;
  const batchSize = options.batchSize ?? 500;
  const f = freshnessOf(enricher, run.refreshBefore);
  const now = await databaseNow(db);
  let enriched = 0;
  let scanned = 0;

  const store = async (ips: readonly string[]): Promise<void> => {
    for (let i = 0; i < ips.length; i += batchSize) {
      const rows = await enricher.enrich(ips.slice(i, i + batchSize));
      await upsertEnrichments(db, rows);
      enriched += rows.length;
      options.onProgress?.(enriched, scanned);
    }
  };

  if (run.scope === 'new') {
    const watermark = await checkedUntil(db, run.orgId);
    if (watermark) {
      const since = new Date(watermark.getTime() - WATERMARK_MARGIN_MS);
      for (;;) {
        const ips = await pendingIpsSince(db, run.orgId, since, f, batchSize);
        scanned += ips.length;
        await store(ips);
        if (ips.length < batchSize) {
          await setCheckedUntil(db, run.orgId, now);
          return { enriched, scanned, done: true };
        }
        if (Date.now() - began >= budget) return { enriched, scanned, done: false, next: run };
      }
    }
  }

  // 'all', or 'new' without a watermark
  const startedAt = run.startedAt ?? now.toISOString();
  let after = run.after ?? null;
  const pageSize = options.pageSize ?? 5000;
  for (;;) {
    const page = await pendingIpsPage(db, run.orgId, after, f, pageSize);
    scanned += page.scanned;
    await store(page.pending);
    if (page.last === null || page.scanned < pageSize) {
      await setCheckedUntil(db, run.orgId, new Date(startedAt));
      return { enriched, scanned, done: true };
    }
    after = page.last;
    if (Date.now() - began >= budget) {
      return {
        enriched,
        scanned,
        done: false,
        next: {
          orgId: run.orgId,
          scope: 'all',
          after,
          startedAt,
          ...(run.refreshBefore ? { refreshBefore: run.refreshBefore } : {}),
        },
      };
    }
  }
}
