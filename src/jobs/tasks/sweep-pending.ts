// sweep-pending: queues again the files left pending or processing (e.g. after a crash) for longer than
// `olderThanMs` (default DMARC_SWEEP_STALE_AFTER): every organisation's (the schedule, a worker's start), or one
// organisation's (POST /api/ingest/trigger: the run is that organisation's, its members follow it).
import { listStaleFiles } from '../../store/maintenance.js';
import { defineTask, enqueueTask } from './define.js';
import { processFileKey, processFileTask } from './process-file.js';

export interface SweepPendingPayload {
  olderThanMs?: number;
  /** Only this organisation's files (absent: every organisation's). */
  orgId?: number;
}

/** One sweep at a time per scope: the platform-wide one, and one per organisation. */
export function sweepPendingKey(orgId?: number): string {
  return orgId === undefined ? 'sweep-pending' : `sweep-pending-org-${orgId}`;
}

export const sweepPendingTask = defineTask<SweepPendingPayload>()({
  name: 'sweep-pending',
  description: 'queue again files left pending (e.g. after a crash)',
  defaultSchedule: '*/5 * * * *',
  orgOf: (p) => p.orgId ?? null,
  handler: async (ctx, { olderThanMs, orgId }) => {
    const ids = await listStaleFiles(ctx.db, olderThanMs ?? ctx.jobs.staleAfterMs, orgId);
    for (const { orgId, fileId } of ids) {
      await enqueueTask(
        ctx.queue,
        processFileTask,
        { orgId, fileId, ifUnfinished: true },
        { dedupeKey: processFileKey(fileId) },
      );
    }
    if (ids.length > 0)
      ctx.log?.info({ files: ids.length, ...(orgId !== undefined ? { orgId } : {}) }, 'queued pending files again');
    return { queued: ids.length };
  },
});
