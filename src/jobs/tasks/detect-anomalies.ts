// detect-anomalies: scores an organisation's sources of its last 7 days of data with its active anomaly model
// and keeps the predictions (analytics/anomaly/detect.ts); when some are anomalous, the alert rules are checked
// (the anomaly rule reads the predictions). Daily: the scheduled run is platform-wide and queues one run per
// organisation. An organisation without an active model has nothing to score with: its run says so.
import { detectAnomalies } from '../../analytics/anomaly/detect.js';
import { NoActiveModelError } from '../../analytics/anomaly/errors.js';
import { listOrgs } from '../../store/organizations.js';
import { queueAlertCheck } from './check-alerts.js';
import { PermanentTaskError, defineTask, enqueueTask } from './define.js';

export interface DetectAnomaliesPayload {
  /** The organisation; absent: every organisation (one run queued for each). */
  orgId?: number;
  /** The days scored (YYYY-MM-DD); default: the 7 days ending with the organisation's last day of data. */
  from?: string;
  to?: string;
}

export const detectAnomaliesKey = (orgId: number): string => `detect-anomalies-${orgId}`;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const detectAnomaliesTask = defineTask<DetectAnomaliesPayload>()({
  name: 'detect-anomalies',
  description: "score each organisation's sources of its last 7 days with its active anomaly model",
  defaultSchedule: '50 4 * * *',
  orgOf: (p) => p.orgId ?? null,
  handler: async (ctx, payload) => {
    if (payload.orgId === undefined) {
      const orgs = await listOrgs(ctx.db);
      for (const org of orgs) {
        await enqueueTask(ctx.queue, detectAnomaliesTask, { orgId: org.id }, { dedupeKey: detectAnomaliesKey(org.id) });
      }
      return { organisations: orgs.length };
    }
    const { orgId, from, to } = payload;
    if (!Number.isSafeInteger(orgId) || [from, to].some((d) => d !== undefined && !DAY.test(d))) {
      throw new PermanentTaskError(`detect-anomalies: invalid payload ${JSON.stringify(payload).slice(0, 200)}`);
    }
    try {
      const out = await detectAnomalies(ctx.db, orgId, { from, to });
      if (out.anomalous > 0) await queueAlertCheck(ctx.queue, orgId);
      return { orgId, ...out };
    } catch (err) {
      if (err instanceof NoActiveModelError) return { orgId, skipped: err.message };
      throw err;
    }
  },
});
