// train-model: trains an organisation's next anomaly model version (analytics/anomaly/train.ts) on the 90 days
// ending with its last day of data. Weekly: the scheduled run is platform-wide and queues one run per
// organisation. An organisation without mail has nothing to train on: its run says so and succeeds (it is not
// a failure that retrying would cure). A new model becomes active only when it is the organisation's first or
// DMARC_ANOMALY_AUTO_ACTIVATE is set; then the predictions are refreshed (detect-anomalies).
import { NoTrainingDataError } from '../../analytics/anomaly/errors.js';
import { DEFAULT_ANOMALY_SETTINGS, trainOrgModel } from '../../analytics/anomaly/train.js';
import { listOrgs } from '../../store/organizations.js';
import { PermanentTaskError, defineTask, enqueueTask } from './define.js';
import { detectAnomaliesKey, detectAnomaliesTask } from './detect-anomalies.js';

export interface TrainModelPayload {
  /** The organisation; absent: every organisation (one run queued for each). */
  orgId?: number;
}

export const trainModelKey = (orgId: number): string => `train-model-${orgId}`;

export const trainModelTask = defineTask<TrainModelPayload>()({
  name: 'train-model',
  description: "train a new version of each organisation's anomaly model (Isolation Forest) on its last 90 days",
  defaultSchedule: '30 3 * * 0',
  orgOf: (p) => p.orgId ?? null,
  handler: async (ctx, payload) => {
    if (payload.orgId === undefined) {
      const orgs = await listOrgs(ctx.db);
      for (const org of orgs) {
        await enqueueTask(ctx.queue, trainModelTask, { orgId: org.id }, { dedupeKey: trainModelKey(org.id) });
      }
      return { organisations: orgs.length };
    }
    const orgId = payload.orgId;
    if (!Number.isSafeInteger(orgId)) {
      throw new PermanentTaskError(`train-model: invalid payload ${JSON.stringify(payload).slice(0, 200)}`);
    }
    try {
      const out = await trainOrgModel(ctx.db, orgId, { createdBy: null }, ctx.anomaly ?? DEFAULT_ANOMALY_SETTINGS);
      if (out.activated) {
        await enqueueTask(ctx.queue, detectAnomaliesTask, { orgId }, { dedupeKey: detectAnomaliesKey(orgId) });
      }
      return {
        orgId,
        modelId: out.model.id,
        version: out.model.version,
        samples: out.model.samples,
        activated: out.activated,
        pruned: out.pruned,
      };
    } catch (err) {
      if (err instanceof NoTrainingDataError) return { orgId, skipped: err.message };
      throw err;
    }
  },
});
