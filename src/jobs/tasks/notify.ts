// notify: sends one delivery — one notification of one alert to one channel — so that one channel's failure
// never holds up another (each is its own job). A failed attempt that may be retried is thrown, and the queue
// retries it with its backoff (DMARC_JOB_ATTEMPTS, DMARC_JOB_BACKOFF); the delivery row says retrying, then
// delivered or failed, with the attempts and the latest error (secrets scrubbed). Queued by check-alerts for the
// deliveries an evaluation created, and by whoever else creates deliveries (a person resolving an alert).
import { deliver } from '../../alerts/deliver.js';
import { PermanentTaskError, defineTask, enqueueTask, type TaskQueue } from './define.js';

export interface NotifyPayload {
  orgId: number;
  deliveryId: number;
}

export const notifyKey = (deliveryId: number): string => `notify-${deliveryId}`;

/** Queues the sending of each delivery (one job each; queueing one twice is one job). */
export async function queueDeliveries(queue: TaskQueue, orgId: number, deliveryIds: readonly number[]): Promise<void> {
  for (const deliveryId of deliveryIds) {
    await enqueueTask(queue, notifyTask, { orgId, deliveryId }, { dedupeKey: notifyKey(deliveryId) });
  }
}

export const notifyTask = defineTask<NotifyPayload>()({
  name: 'notify',
  description: 'send one alert notification to one channel (queued by check-alerts; retried with backoff)',
  defaultSchedule: null,
  orgOf: (p) => p.orgId,
  handler: async (ctx, payload) => {
    if (!Number.isSafeInteger(payload.orgId) || !Number.isSafeInteger(payload.deliveryId)) {
      throw new PermanentTaskError(`notify: invalid payload ${JSON.stringify(payload).slice(0, 200)}`);
    }
    const r = await deliver(
      {
        db: ctx.db,
        now: ctx.now,
        maxAttempts: ctx.jobs.maxAttempts,
        publicUrl: ctx.alerts.publicUrl,
        settings: {
          allowPrivate: ctx.alerts.webhookAllowPrivate,
          timeoutMs: ctx.alerts.webhookTimeoutMs,
          smtp: ctx.alerts.smtp,
        },
      },
      payload.orgId,
      payload.deliveryId,
    );
    const summary = { deliveryId: payload.deliveryId, state: r.state, attempts: r.attempts };
    if (r.skipped) return summary;
    if (r.state === 'retrying') throw new Error(`delivery ${payload.deliveryId}: ${r.error ?? 'failed'}`);
    if (r.state === 'failed') {
      throw new PermanentTaskError(`delivery ${payload.deliveryId} failed: ${r.error ?? 'failed'}`);
    }
    return summary;
  },
});
