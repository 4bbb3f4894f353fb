// Sending one delivery (one notification of one alert to one channel) and recording how it went: pending →
// retrying (after a failed attempt that may be retried) → delivered | failed, with the attempts and the latest
// error (secrets scrubbed). A delivery already delivered or failed is not sent again (a job run twice). The
// notify task runs one per delivery, so that one channel's failure never holds up another, and the queue retries
// it with its backoff while this says 'retrying'.
import type { DeliveryState } from '../model/alerts.js';
import { getChannel } from '../store/alert-channels.js';
import { getDelivery, recordAttempt, type AlertDelivery } from '../store/alert-deliveries.js';
import { getAlert } from '../store/alerts.js';
import type { Database } from '../store/database.js';
import { getOrg } from '../store/organizations.js';
import { sendTo } from './channels-admin.js';
import type { SendSettings } from './channels/define.js';
import type { Notification } from './channels/message.js';

export interface DeliverDeps {
  db: Database;
  now: () => Date;
  settings: SendSettings;
  /** Attempts of a delivery before it is failed for good (the queue's DMARC_JOB_ATTEMPTS). */
  maxAttempts: number;
}

export interface DeliveryOutcome {
  /** 'gone': no such delivery (its alert or organisation was deleted). */
  state: DeliveryState | 'gone';
  attempts: number;
  error: string | null;
  /** True when this call sent nothing (already delivered or failed). */
  skipped: boolean;
}

async function finish(
  deps: DeliverDeps,
  d: AlertDelivery,
  state: DeliveryState,
  error: string | null,
  attempts = d.attempts + 1,
): Promise<DeliveryOutcome> {
  await recordAttempt(deps.db, d.orgId, d.id, { state, attempts, lastError: error, at: deps.now() });
  return { state, attempts, error, skipped: false };
}

export async function deliver(deps: DeliverDeps, orgId: number, deliveryId: number): Promise<DeliveryOutcome> {
  const d = await getDelivery(deps.db, orgId, deliveryId);
  if (!d) return { state: 'gone', attempts: 0, error: null, skipped: true };
  if (d.state === 'delivered' || d.state === 'failed') {
    return { state: d.state, attempts: d.attempts, error: d.lastError, skipped: true };
  }
  const channel = d.channelId !== null ? await getChannel(deps.db, orgId, d.channelId) : undefined;
  if (!channel) return finish(deps, d, 'failed', 'the channel was deleted', d.attempts);
  if (!channel.enabled) return finish(deps, d, 'failed', 'the channel is disabled', d.attempts);
  const alert = await getAlert(deps.db, orgId, d.alertId);
  if (!alert) return { state: 'gone', attempts: d.attempts, error: null, skipped: true };
  const n: Notification = {
    event: d.event,
    severity: d.severity,
    organisation: (await getOrg(deps.db, orgId))?.name ?? '',
    at: deps.now(),
    alert,
  };
  const r = await sendTo(channel, n, deps.settings);
  if (r.delivered) return finish(deps, d, 'delivered', null);
  const attempts = d.attempts + 1;
  return finish(deps, d, r.permanent || attempts >= deps.maxAttempts ? 'failed' : 'retrying', r.error, attempts);
}
