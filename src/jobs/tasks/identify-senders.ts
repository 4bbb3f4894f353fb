// identify-senders: names the sender of each of an organisation's source IPs (a catalogue service, or a group by
// PTR base domain or AS) from its enrichment and the DKIM and SPF evidence of the organisation's records, and
// stores it (source_senders). Queued when an enrich-sources run of the organisation finishes (one dedupe key per
// organisation: a burst of reports queues one run), by `dmarc enrich`, and at a worker's start for organisations
// identified with another catalogue version. A run works for at most RUN_BUDGET_MS, then queues the run that
// continues it, so that files to process never wait long behind a large organisation.
import { runIdentification, type IdentifyRun } from '../../enrich/identify-sources.js';
import { CATALOGUE_VERSION } from '../../enrich/senders/catalogue-version.js';
import type { Queryable } from '../../store/database.js';
import { orgsNeedingIdentification } from '../../store/source-senders.js';
import { PermanentTaskError, defineTask, enqueueTask, type TaskQueue } from './define.js';

export type IdentifySendersPayload = IdentifyRun;

/** Longest one run works before it hands over to the run that continues it. */
export const RUN_BUDGET_MS = 10_000;

/** The dedupe key of an organisation's runs of a scope. */
export function identifySendersKey(orgId: number, scope: IdentifyRun['scope'] = 'new'): string {
  return `identify-senders-${orgId}${scope === 'all' ? '-all' : ''}`;
}

/** Queues the organisation's 'new' run (once: one more after a running one, for what arrived meanwhile). */
export function queueIdentification(queue: TaskQueue, orgId: number): Promise<string> {
  return enqueueTask(
    queue,
    identifySendersTask,
    { orgId, scope: 'new' },
    { dedupeKey: identifySendersKey(orgId), rerunIfRunning: true },
  );
}

/** Queues a run for every organisation identified with another catalogue version (or never); returns them. */
export async function queueStaleIdentifications(db: Queryable, queue: TaskQueue): Promise<number[]> {
  const orgs = await orgsNeedingIdentification(db, CATALOGUE_VERSION);
  for (const orgId of orgs) await queueIdentification(queue, orgId);
  return orgs;
}

const isIsoTime = (v: unknown): boolean => v === undefined || (typeof v === 'string' && !Number.isNaN(Date.parse(v)));

export const identifySendersTask = defineTask<IdentifySendersPayload>()({
  name: 'identify-senders',
  description:
    "identify the senders of an organisation's source IPs from reverse DNS, AS, DKIM and SPF (queued after enrichment)",
  defaultSchedule: null,
  orgOf: (p) => p.orgId,
  handler: async (ctx, payload) => {
    if (
      !Number.isSafeInteger(payload.orgId) ||
      (payload.scope !== 'new' && payload.scope !== 'all') ||
      !isIsoTime(payload.startedAt) ||
      (payload.after !== undefined && typeof payload.after !== 'string')
    ) {
      throw new PermanentTaskError(`identify-senders: invalid payload ${JSON.stringify(payload).slice(0, 200)}`);
    }
    const r = await runIdentification(ctx.db, payload, { budgetMs: RUN_BUDGET_MS });
    if (r.next) {
      await enqueueTask(ctx.queue, identifySendersTask, r.next, {
        dedupeKey: identifySendersKey(payload.orgId, r.next.scope),
        rerunIfRunning: true,
      });
    }
    // the senders and countries answers change with the identifications
    if (r.identified > 0) await ctx.cache.invalidate(payload.orgId);
    return { orgId: payload.orgId, scope: payload.scope, identified: r.identified, done: r.done };
  },
});
