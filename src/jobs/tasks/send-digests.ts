// send-digests: sends the scheduled e-mail digests (exports/digests/). Every 15 minutes the platform-wide run
// queues one run per organisation with an enabled digest; an organisation's run sends, for each of its enabled
// digests, the most recent period that is due to each recipient that has not had it (a period missed while the
// scheduler was down is sent late, once). Sends are claimed in digest_runs first, so that overlapping runs never
// send the same period twice to a recipient. A digest that cannot be prepared is logged and tried again by the
// next run; a recipient the SMTP server refuses is recorded as failed and tried again by the next runs, a few times.
import { runDigest } from '../../exports/digests/send.js';
import { listEnabledDigests, orgsWithDigests } from '../../store/digests.js';
import { PermanentTaskError, defineTask, enqueueTask } from './define.js';

export interface SendDigestsPayload {
  /** The organisation whose digests are sent; absent: every organisation with one (a run queued for each). */
  orgId?: number;
}

export const sendDigestsKey = (orgId: number): string => `send-digests-${orgId}`;

export const sendDigestsTask = defineTask<SendDigestsPayload>()({
  name: 'send-digests',
  description: 'send the e-mail digests whose period is complete and not yet sent to each recipient',
  defaultSchedule: '*/15 * * * *',
  orgOf: (p) => p.orgId ?? null,
  handler: async (ctx, payload) => {
    if (payload.orgId === undefined) {
      const orgs = await orgsWithDigests(ctx.db);
      for (const orgId of orgs) {
        await enqueueTask(ctx.queue, sendDigestsTask, { orgId }, { dedupeKey: sendDigestsKey(orgId) });
      }
      return { organisations: orgs.length };
    }
    const orgId = payload.orgId;
    if (!Number.isSafeInteger(orgId)) {
      throw new PermanentTaskError(`send-digests: invalid payload ${JSON.stringify(payload).slice(0, 200)}`);
    }
    const settings = { smtp: ctx.alerts.smtp, timeoutMs: ctx.alerts.webhookTimeoutMs };
    const now = ctx.now();
    let sent = 0;
    let failed = 0;
    const digests = await listEnabledDigests(ctx.db, orgId);
    let errors = 0;
    for (const d of digests) {
      let r;
      try {
        r = await runDigest(ctx.db, settings, d, now);
      } catch (err) {
        // one digest that cannot be prepared does not hold up the others; its claims are failed, so the next
        // run tries it again
        errors++;
        ctx.log?.error(
          { orgId, digestId: d.id, error: err instanceof Error ? err.message : String(err) },
          'digest not prepared',
        );
        continue;
      }
      for (const o of r.outcomes) {
        if (o.status === 'sent') sent++;
        else failed++;
      }
      if (r.outcomes.some((o) => o.status === 'failed')) {
        ctx.log?.warn({ orgId, digestId: d.id, period: r.period }, 'digest not delivered to every recipient');
      }
    }
    return { orgId, digests: digests.length, sent, failed, errors };
  },
});
