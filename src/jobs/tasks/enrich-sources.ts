// enrich-sources: looks up the source addresses of an organisation's reports (country, AS, reverse DNS) and
// stores them in the shared per-IP cache. Queued by the "report stored" sink after reports are stored (scope
// 'new', one dedupe key per organisation, so that a burst of reports queues one run, which picks up every
// address of every report stored since the last run) and by refreshes (scope 'all'). A run works for at most
// RUN_BUDGET_MS, then queues the run that continues it: the queue's other jobs (files to process) are never kept
// waiting long behind a large backfill or slow DNS.
import { runEnrichment, type EnrichRun } from '../../enrich/enrich-sources.js';
import { PermanentTaskError, defineTask, enqueueTask } from './define.js';
import { queueIdentification } from './identify-senders.js';

export type EnrichSourcesPayload = EnrichRun;

/** Longest one run works before it hands over to the run that continues it. */
export const RUN_BUDGET_MS = 10_000;

/** The dedupe key of an organisation's runs of a scope: one queued (and one more while it runs) at a time. */
export function enrichSourcesKey(orgId: number, scope: EnrichRun['scope'] = 'new'): string {
  return `enrich-sources-${orgId}${scope === 'all' ? '-all' : ''}`;
}

function isIsoTime(v: unknown): boolean {
  return v === undefined || (typeof v === 'string' && !Number.isNaN(Date.parse(v)));
}

export const enrichSourcesTask = defineTask<EnrichSourcesPayload>()({
  name: 'enrich-sources',
  description: "look up the country, AS and reverse DNS of an organisation's new source IPs (queued after reports)",
  defaultSchedule: null,
  orgOf: (p) => p.orgId,
  handler: async (ctx, payload) => {
    if (!ctx.enricher) throw new PermanentTaskError('this process has no IP enrichment (a programming error)');
    if (
      !Number.isSafeInteger(payload.orgId) ||
      (payload.scope !== 'new' && payload.scope !== 'all') ||
      !isIsoTime(payload.refreshBefore) ||
      !isIsoTime(payload.startedAt) ||
      (payload.after !== undefined && typeof payload.after !== 'string')
    ) {
      throw new PermanentTaskError(`enrich-sources: invalid payload ${JSON.stringify(payload).slice(0, 200)}`);
    }
    const before = ctx.enricher.dnsStats();
    const r = await runEnrichment(ctx.db, ctx.enricher, payload, { budgetMs: RUN_BUDGET_MS });
    if (r.next) {
      await enqueueTask(ctx.queue, enrichSourcesTask, r.next, {
        dedupeKey: enrichSourcesKey(payload.orgId, r.next.scope),
        rerunIfRunning: true,
      });
    }
    if (r.done) await queueIdentification(ctx.queue, payload.orgId);
    // (the process's counters: this run's share)
    const after = ctx.enricher.dnsStats();
    return {
      orgId: payload.orgId,
      scope: payload.scope,
      enriched: r.enriched,
      scanned: r.scanned,
      done: r.done,
      ...(before && after
        ? {
            dnsTimeouts: after.timeouts - before.timeouts,
            dnsShortCircuited: after.shortCircuited - before.shortCircuited,
          }
        : {}),
    };
  },
});
