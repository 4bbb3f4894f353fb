// sweep-pending: queues again the files left pending or processing (e.g. after a crash) for longer than
// `olderThanMs` (default DMARC_SWEEP_STALE_AFTER).
import { listStaleFiles } from '../../store/maintenance.js';
import { defineTask, enqueueTask } from './define.js';
import { processFileKey, processFileTask } from './process-file.js';

export interface SweepPendingPayload {
  olderThanMs?: number;
}

export const sweepPendingTask = defineTask<SweepPendingPayload>()({
  name: 'sweep-pending',
  description: 'queue again files left pending (e.g. after a crash)',
  defaultSchedule: '*/5 * * * *',
  handler: async (ctx, { olderThanMs }) => {
    const ids = await listStaleFiles(ctx.db, olderThanMs ?? ctx.jobs.staleAfterMs);
    for (const { orgId, fileId } of ids) {
      await enqueueTask(
        ctx.queue,
        processFileTask,
        { orgId, fileId, ifUnfinished: true },
        { dedupeKey: processFileKey(fileId) },
      );
    }
    if (ids.length > 0) ctx.log?.info({ files: ids.length }, 'queued pending files again');
    return { queued: ids.length };
  },
});
