// check-alerts: evaluates an organisation's alert rules (alerts/evaluate.ts) and queues the notifications the
// lifecycle decided (one notify job per delivery). Evaluating twice on the same data changes nothing. Runs
// hourly — the scheduled run is platform-wide and queues one run per organisation — and shortly after reports
// are stored: the "report stored" sink queues a run per organisation with a delay (DMARC_ALERTS_DEBOUNCE) and a
// dedupe key, so that a burst of reports makes one run, which sees all of them. A run also queues again the
// deliveries left unsent for a while (their job was lost: an embedded process stopped while they waited).
import { evaluateOrg } from '../../alerts/evaluate.js';
import { unsentDeliveries } from '../../store/alert-deliveries.js';
import { listOrgs } from '../../store/organizations.js';
import { PermanentTaskError, defineTask, enqueueTask, type TaskQueue } from './define.js';
import { queueDeliveries } from './notify.js';

export interface CheckAlertsPayload {
  /** The organisation to evaluate; absent: every organisation (one run queued for each). */
  orgId?: number;
}

/** A delivery still pending or retrying this long after its latest change has lost its job. */
export const LOST_AFTER_MS = 15 * 60_000;

/** The dedupe key of an organisation's runs: one queued (and one more while it runs) at a time. */
export const checkAlertsKey = (orgId: number): string => `check-alerts-${orgId}`;

/** Queues a run for the organisation, `delayMs` from now (what is queued meanwhile is that same run). */
export function queueAlertCheck(queue: TaskQueue, orgId: number, delayMs = 0): Promise<string> {
  return enqueueTask(
    queue,
    checkAlertsTask,
    { orgId },
    { dedupeKey: checkAlertsKey(orgId), rerunIfRunning: true, ...(delayMs > 0 ? { delayMs } : {}) },
  );
}

export const checkAlertsTask = defineTask<CheckAlertsPayload>()({
  name: 'check-alerts',
  description: "evaluate each organisation's alert rules and send the notifications due (also soon after reports)",
  defaultSchedule: '0 * * * *',
  orgOf: (p) => p.orgId ?? null,
  handler: async (ctx, payload) => {
    if (payload.orgId === undefined) {
      const orgs = await listOrgs(ctx.db);
      for (const org of orgs) await queueAlertCheck(ctx.queue, org.id);
      return { organisations: orgs.length };
    }
    if (!Number.isSafeInteger(payload.orgId)) {
      throw new PermanentTaskError(`check-alerts: invalid payload ${JSON.stringify(payload).slice(0, 200)}`);
    }
    const now = ctx.now();
    const s = await evaluateOrg({ db: ctx.db, now, notifyMaxPerRule: ctx.alerts.notifyMaxPerRule }, payload.orgId);
    await queueDeliveries(ctx.queue, payload.orgId, s.deliveries);
    const lost = await unsentDeliveries(ctx.db, payload.orgId, new Date(now.getTime() - LOST_AFTER_MS));
    await queueDeliveries(ctx.queue, payload.orgId, lost);
    return {
      orgId: s.orgId,
      rules: s.rules,
      breaches: s.breaches,
      opened: s.opened,
      updated: s.updated,
      escalated: s.escalated,
      resolved: s.resolved,
      suppressed: s.suppressed,
      coolingDown: s.coolingDown,
      ...(s.summarized > 0 ? { summarized: s.summarized } : {}),
      deliveries: s.deliveries.length,
      ...(lost.length > 0 ? { requeued: lost.length } : {}),
      ...(s.failedRules.length > 0 ? { failedRules: s.failedRules } : {}),
    };
  },
});
