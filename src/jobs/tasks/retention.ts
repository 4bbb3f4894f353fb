// retention: deletes the reports (records, rollup rows, files) older than DMARC_RETENTION_DAYS, expired refresh
// tokens, task history older than DMARC_TASK_HISTORY_DAYS and unchanged DNS checks older than
// DMARC_DNS_HISTORY_DAYS, failure reports older than DMARC_FAILURE_RETENTION_DAYS; invalidates the caches of the organisations whose reports went.
import { DEFAULT_FAILURE_RETENTION_DAYS } from '../../parse/failure/privacy.js';
import { applyRetention } from '../../store/maintenance.js';
import { defineTask } from './define.js';

export type RetentionPayload = Record<string, never>;

export const retentionTask = defineTask<RetentionPayload>()({
  name: 'retention',
  description: 'delete data older than the retention age, expired refresh tokens, old task history and DNS checks',
  defaultSchedule: '0 4 * * *',
  handler: async (ctx) => {
    const r = await applyRetention(ctx.db, {
      retentionDays: ctx.jobs.retentionDays,
      historyDays: ctx.jobs.historyDays,
      dnsHistoryDays: ctx.jobs.dnsHistoryDays,
      failureRetentionDays: ctx.failures?.retentionDays ?? DEFAULT_FAILURE_RETENTION_DAYS,
    });
    const { orgIds, ...counts } = r;
    if (r.reports > 0 || r.files > 0 || r.failureReports > 0) {
      ctx.log?.info({ ...counts, orgs: orgIds.length }, 'old data deleted');
      for (const orgId of orgIds) await ctx.cache.invalidate(orgId);
    }
    return counts;
  },
});
