// The "report stored" sink of a process, built once and handed to every entry point (upload and IMAP through the
// worker's tasks, `dmarc import`, `dmarc reprocess`, the sweep): the organisation's cached answers are invalidated
// (in Redis when shared, so every API process sees it) and, where a worker runs, its first screen is warmed soon
// and the report's source IPs are queued for enrichment (one enrich-sources run per organisation at a time: it
// picks up the sources of every report stored since the last one), and the organisation's alert rules are checked
// a little later (check-alerts, debounced: one run per organisation after a burst of reports), and its outputs are
// sent the new reports' records a few seconds later (forward-events, debounced the same way).
import type { AnalyticsCache } from '../analytics/cache.js';
import { fanOut, type ReportStoredSink } from '../events/report-stored.js';
import { errorText } from '../jobs/history.js';
import type { TaskQueue } from '../jobs/tasks/define.js';
import { enrichSourcesKey, enrichSourcesTask } from '../jobs/tasks/enrich-sources.js';
import { enqueueTask } from '../jobs/tasks/define.js';
import { queueAlertCheck } from '../jobs/tasks/check-alerts.js';
import { FORWARD_DEBOUNCE_MS, queueForward } from '../jobs/tasks/forward-events.js';
import type { DebouncedWarmup } from './cache-warmup.js';

export interface SinkDeps {
  cache: AnalyticsCache;
  /** Absent in processes that serve no dashboard (the CLI). */
  warmup?: DebouncedWarmup;
  /** Where enrich-sources runs are queued; absent: enrichment is someone else's (the CLI runs it itself). */
  enrichQueue?: TaskQueue;
  /** Where check-alerts runs are queued, and how long after a report (absent: no evaluation after reports). */
  alerts?: { queue: TaskQueue; debounceMs: number };
  /** Where forward-events runs are queued (absent: the scheduled run, every minute, forwards them). */
  outputsQueue?: TaskQueue;
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
  const queue = d.enrichQueue;
  if (queue) {
    listeners.push({
      reportStored: (e) => {
        // not awaited: storing reports never waits for the queue
        void enqueueTask(
          queue,
          enrichSourcesTask,
          { orgId: e.orgId, scope: 'new' },
          { dedupeKey: enrichSourcesKey(e.orgId), rerunIfRunning: true },
        ).catch((err: unknown) =>
          d.log.warn({ err: errorText(err), orgId: e.orgId }, 'could not queue the enrichment of sources'),
        );
        return Promise.resolve();
      },
    });
  }
  const alerts = d.alerts;
  if (alerts) {
    listeners.push({
      reportStored: (e) => {
        void queueAlertCheck(alerts.queue, e.orgId, alerts.debounceMs).catch((err: unknown) =>
          d.log.warn({ err: errorText(err), orgId: e.orgId }, 'could not queue the alert check'),
        );
        return Promise.resolve();
      },
    });
  }
  const outputsQueue = d.outputsQueue;
  if (outputsQueue) {
    listeners.push({
      reportStored: (e) => {
        void queueForward(outputsQueue, e.orgId, FORWARD_DEBOUNCE_MS).catch((err: unknown) =>
          d.log.warn({ err: errorText(err), orgId: e.orgId }, 'could not queue the forwarding of events'),
        );
        return Promise.resolve();
      },
    });
  }
  return fanOut(listeners, (err, e) =>
    d.log.warn({ err: errorText(err), orgId: e.orgId, reportId: e.reportId }, 'report-stored listener failed'),
  );
}
