// The task handlers, the same whichever queue adapter runs them.
import type { AnalyticsCache } from '../analytics/cache.js';
import { processFile } from '../ingest/process-file.js';
import type { UnpackLimits } from '../parse/types.js';
import type { Database } from '../store/database.js';
import { listFileIdsByStatus } from '../store/files.js';
import type { JobQueue, TaskHandlers } from './queue.js';

export interface TaskContext {
  db: Database;
  queue: JobQueue;
  cache: AnalyticsCache;
  limits: UnpackLimits;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export function taskHandlers(ctx: TaskContext): TaskHandlers {
  return {
    'process-file': async ({ fileId }) => {
      const r = await processFile(ctx.db, fileId, {
        limits: ctx.limits,
        onReportStored: () => ctx.cache.invalidate(),
      });
      ctx.log?.info(
        { fileId, status: r.status, reports: r.reportsStored, records: r.recordCount, error: r.error },
        'file processed',
      );
      return r;
    },
    'sweep-pending': async () => {
      const ids = await listFileIdsByStatus(ctx.db, ['pending', 'processing']);
      for (const fileId of ids) {
        await ctx.queue.enqueue('process-file', { fileId }, { jobId: `process-file:${fileId}` });
      }
      if (ids.length > 0) ctx.log?.info({ files: ids.length }, 'queued pending files again');
      return { queued: ids.length };
    },
  };
}
