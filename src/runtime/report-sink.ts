// The "report stored" sink of a process, built once and handed to every entry point (upload and IMAP through the
// worker's tasks, `dmarc import`, `dmarc reprocess`, the sweep): the organisation's cached answers are invalidated
// (in Redis when shared, so every API process sees it) and, where a worker runs, its first screen is warmed soon.
import type { AnalyticsCache } from '../analytics/cache.js';
import { fanOut, type ReportStoredSink } from '../events/report-stored.js';
import { errorText } from '../jobs/history.js';
import type { DebouncedWarmup } from './cache-warmup.js';

export interface SinkDeps {
  cache: AnalyticsCache;
  /** Absent in processes that serve no dashboard (the CLI). */
  warmup?: DebouncedWarmup;
  log: { warn(obj: object, msg: string): void };
}

export function reportStoredSink(d: SinkDeps): ReportStoredSink {
  const listeners: ReportStoredSink[] = [{ reportStored: (e) => d.cache.invalidate(e.orgId) }];
  const warmup = d.warmup;
  if (warmup) {
    listeners.push({
      reportStored: (e) => {
        warmup.soon(e.orgId);
        return Promise.resolve();
      },
    });
  }
  return fanOut(listeners, (err, e) =>
    d.log.warn({ err: errorText(err), orgId: e.orgId, reportId: e.reportId }, 'report-stored listener failed'),
  );
}
