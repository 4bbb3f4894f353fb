// forward-events: sends an organisation's stored reports, one JSON event per record, to its outputs (Splunk HEC,
// Elasticsearch, syslog, webhook: src/outputs/) through the outbox — bounded batches and requests per run, an
// exponential backoff per output (outputs/forward.ts). Queued a few seconds after reports are stored (the "report
// stored" sink queues one run per organisation, debounced); a run that leaves a backlog (the per-run bound was
// reached, or an output backs off) queues the next run itself — a minute later, or when the backoff ends — so the
// backlog drains at a bounded rate and a target that is down is asked again at each backoff step. Also scheduled
// (every 10 minutes, one run per organisation with an output): reports stored where no queue is told — `dmarc
// import` — are forwarded by the next sweep. Sending twice what was sent is harmless for Elasticsearch (_id per
// record) and a duplicate for Splunk and syslog (at-least-once).
import { forwardOrg, type OutputRun } from '../../outputs/forward.js';
import { orgsWithOutputs } from '../../store/outputs.js';
import { PermanentTaskError, defineTask, enqueueTask, type TaskQueue } from './define.js';

export interface ForwardEventsPayload {
  /** The organisation to forward; absent: every organisation with an output (one run queued for each). */
  orgId?: number;
}

export const forwardEventsKey = (orgId: number): string => `forward-events-${orgId}`;

/** After reports are stored: one run of the organisation this long after a burst of them. */
export const FORWARD_DEBOUNCE_MS = 5_000;

export function queueForward(queue: TaskQueue, orgId: number, delayMs = 0): Promise<string> {
  return enqueueTask(
    queue,
    forwardEventsTask,
    { orgId },
    { dedupeKey: forwardEventsKey(orgId), rerunIfRunning: true, ...(delayMs > 0 ? { delayMs } : {}) },
  );
}

/** When a run leaves work behind: the delay of the next run (a minute; a backoff's end), else null. */
export function nextRunDelay(runs: readonly OutputRun[], now: number): number | null {
  let delay: number | null = null;
  for (const r of runs) {
    let d: number | null = null;
    if (r.retryAt !== null) d = Math.max(1_000, r.retryAt.getTime() - now);
    else if (r.backlog > 0) d = 60_000;
    if (d !== null) delay = delay === null ? d : Math.min(delay, d);
  }
  return delay;
}

export const forwardEventsTask = defineTask<ForwardEventsPayload>()({
  name: 'forward-events',
  description: "send stored reports' records as events to each organisation's outputs (SIEM, syslog, webhook)",
  defaultSchedule: '*/10 * * * *',
  orgOf: (p) => p.orgId ?? null,
  handler: async (ctx, payload) => {
    if (payload.orgId === undefined) {
      const orgs = await orgsWithOutputs(ctx.db);
      for (const orgId of orgs) await queueForward(ctx.queue, orgId);
      return { organisations: orgs.length };
    }
    if (!Number.isSafeInteger(payload.orgId)) {
      throw new PermanentTaskError(`forward-events: invalid payload ${JSON.stringify(payload).slice(0, 200)}`);
    }
    const runs = await forwardOrg(
      {
        db: ctx.db,
        now: ctx.now,
        settings: { allowPrivate: ctx.alerts.webhookAllowPrivate, timeoutMs: ctx.alerts.webhookTimeoutMs },
      },
      payload.orgId,
    );
    const now = ctx.now().getTime();
    const next = nextRunDelay(runs, now);
    if (next !== null) await queueForward(ctx.queue, payload.orgId, next);
    return { orgId: payload.orgId, outputs: runs, nextRunInMs: next };
  },
});
