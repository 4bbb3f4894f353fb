// The process's Prometheus metrics (prom-client), in one registry: one module so that every seam (ingest, cache,
// job history, HTTP hook, IMAP fetch) counts into the same place and GET /metrics serves it. It lives in events/
// (a low tier) because those seams sit in several layers above it; it imports nothing of ours.
//
// Metrics are per process (Prometheus sums them across api/worker replicas). They carry no organisation label:
// they are the platform operator's, served only with DMARC_METRICS_TOKEN or to a platform administrator.
// Labels are small closed sets (status, kind, task, route pattern) — never a raw URL, domain or file name.
import client from 'prom-client';

export const metricsRegistry = new client.Registry();
client.collectDefaultMetrics({ register: metricsRegistry, prefix: 'dmarc_' });

const registers = [metricsRegistry];

const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
  new client.Counter<L>({ name, help, labelNames, registers });

const histogram = <L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []) =>
  new client.Histogram<L>({ name, help, labelNames, buckets, registers });

const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
  new client.Gauge<L>({ name, help, labelNames, registers });

const SHORT = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const filesIngested = counter('dmarc_files_ingested_total', 'Files processed, by outcome and report kind', [
  'status',
  'kind',
]);
export const reportsStored = counter('dmarc_reports_stored_total', 'Reports stored, by kind', ['kind']);
export const recordsStored = counter('dmarc_records_stored_total', 'Report records stored, by kind', ['kind']);
export const parseFailures = counter(
  'dmarc_parse_failures_total',
  'Report parts that could not be read, by catalogue code',
  ['code'],
);
export const ingestDuration = histogram(
  'dmarc_ingest_duration_seconds',
  'Time to process one file (unpack, parse, store)',
  [...SHORT, 60],
);
export const jobDuration = histogram(
  'dmarc_job_duration_seconds',
  'Duration of task runs (attempts), by task and outcome',
  [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
  ['task', 'outcome'],
);
export const jobFailures = counter(
  'dmarc_job_failures_total',
  'Failed task attempts, by task and whether the run is retried',
  ['task', 'final'],
);
export const httpDuration = histogram(
  'dmarc_http_request_duration_seconds',
  'HTTP request duration, by method, route pattern and status class',
  SHORT,
  ['method', 'route', 'status'],
);
export const cacheRequests = counter(
  'dmarc_cache_requests_total',
  'Analytics cache look-ups, by outcome (hit, miss, coalesced)',
  ['outcome'],
);
export const mailboxFetches = counter(
  'dmarc_mailbox_fetches_total',
  'Mailbox fetches (IMAP, Microsoft Graph, Gmail, Maildir), by result (ok, error)',
  ['result'],
);
export const mailboxMessages = counter('dmarc_mailbox_messages_total', 'Messages read from mailboxes, by outcome', [
  'outcome',
]);

/** Gauges read at scrape time (queue depth, alerts by state) from whatever the process can ask. */
export interface ScrapeSources {
  /** Task runs not finished, by state (queued, running, retrying). */
  queueDepth?: () => Promise<Record<string, number>>;
  /** Alerts by state (open, acknowledged, resolved). */
  alertsByState?: () => Promise<Record<string, number>>;
}

const queueDepth = gauge('dmarc_queue_jobs', 'Task runs waiting or running, by state', ['state']);

const alerts = gauge('dmarc_alerts', 'Alerts, by state', ['state']);

async function refresh(
  gauge: client.Gauge<'state'>,
  states: readonly string[],
  read?: () => Promise<Record<string, number>>,
): Promise<void> {
  if (!read) return;
  const counts = await read().catch(() => undefined);
  // an unreadable database leaves the last figures rather than reporting zeros
  if (!counts) return;
  for (const s of states) gauge.set({ state: s }, counts[s] ?? 0);
}

/** The Prometheus text exposition, with the scrape-time gauges refreshed first. */
export async function scrapeMetrics(sources: ScrapeSources): Promise<string> {
  await Promise.all([
    refresh(queueDepth, ['queued', 'running', 'retrying'], sources.queueDepth),
    refresh(alerts, ['open', 'acknowledged', 'resolved'], sources.alertsByState),
  ]);
  return metricsRegistry.metrics();
}

export const METRICS_CONTENT_TYPE = metricsRegistry.contentType;
