// Sending one delivery (one notification of one alert to one channel) and recording how it went: pending →
// retrying (after a failed attempt that may be retried) → delivered | failed, with the attempts and the latest
// error (secrets scrubbed). A delivery already delivered or failed is not sent again (a job run twice). The
// notify task runs one per delivery, so that one channel's failure never holds up another, and the queue retries
// it with its backoff while this says 'retrying'. A summary delivery (a rule's alerts beyond the cap of a check) is
// sent the same way; what it says is in its row, and it links the Alerts page filtered by its rule.
import type { DeliveryState } from '../model/alerts.js';
import { getChannel } from '../store/alert-channels.js';
import { getDelivery, recordAttempt, type AlertDelivery } from '../store/alert-deliveries.js';
import { getAlert } from '../store/alerts.js';
import type { Database } from '../store/database.js';
import { getOrg } from '../store/organizations.js';
import { sendTo } from './channels-admin.js';
import type { SendSettings } from './channels/define.js';
import { alertsPageLink, type Notification } from './channels/message.js';

export interface DeliverDeps {
  db: Database;
  now: () => Date;
  settings: SendSettings;
  /** Attempts of a delivery before it is failed for good (the queue's DMARC_JOB_ATTEMPTS). */
  maxAttempts: number;
  /** The dashboard's address for links (DMARC_PUBLIC_URL); null: links are paths. */
  publicUrl?: string | null;
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

/** What the delivery says (undefined: its alert or organisation is gone). */
async function notificationOf(deps: DeliverDeps, orgId: number, d: AlertDelivery): Promise<Notification | undefined> {
  const org = await getOrg(deps.db, orgId);
  if (!org) return undefined;
  const base = { severity: d.severity, organisation: org.name, at: deps.now() };
  if (d.event === 'summary') {
    if (!d.summary) return undefined;
    const summary = { ...d.summary, ruleId: d.ruleId };
    return { ...base, event: 'summary', summary, link: alertsPageLink(deps.publicUrl ?? null, org.slug, summary) };
  }
  const alert = d.alertId !== null ? await getAlert(deps.db, orgId, d.alertId) : undefined;
  return alert ? { ...base, event: d.event, alert } : undefined;
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
  const n = await notificationOf(deps, orgId, d);
  if (!n) return { state: 'gone', attempts: d.attempts, error: null, skipped: true };
  const r = await sendTo(channel, n, deps.settings);
  if (r.delivered) return finish(deps, d, 'delivered', null);
  const attempts = d.attempts + 1;
  return finish(deps, d, r.permanent || attempts >= deps.maxAttempts ? 'failed' : 'retrying', r.error, attempts);
}
