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

export const filesIngested = new client.Counter({
  name: 'dmarc_files_ingested_total',
  help: 'Files processed, by outcome and report kind',
  labelNames: ['status', 'kind'] as const,
  registers,
});

export const reportsStored = new client.Counter({
  name: 'dmarc_reports_stored_total',
  help: 'Reports stored, by kind',
  labelNames: ['kind'] as const,
  registers,
});

export const recordsStored = new client.Counter({
  name: 'dmarc_records_stored_total',
  help: 'Report records stored, by kind',
  labelNames: ['kind'] as const,
  registers,
});

export const parseFailures = new client.Counter({
  name: 'dmarc_parse_failures_total',
  help: 'Report parts that could not be read, by catalogue code',
  labelNames: ['code'] as const,
  registers,
});

export const ingestDuration = new client.Histogram({
  name: 'dmarc_ingest_duration_seconds',
  help: 'Time to process one file (unpack, parse, store)',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers,
});

export const jobDuration = new client.Histogram({
  name: 'dmarc_job_duration_seconds',
  help: 'Duration of task runs (attempts), by task and outcome',
  labelNames: ['task', 'outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
  registers,
});

export const jobFailures = new client.Counter({
  name: 'dmarc_job_failures_total',
  help: 'Failed task attempts, by task and whether the run is retried',
  labelNames: ['task', 'final'] as const,
  registers,
});

export const httpDuration = new client.Histogram({
  name: 'dmarc_http_request_duration_seconds',
  help: 'HTTP request duration, by method, route pattern and status class',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers,
});

export const cacheRequests = new client.Counter({
  name: 'dmarc_cache_requests_total',
  help: 'Analytics cache look-ups, by outcome (hit, miss, coalesced)',
  labelNames: ['outcome'] as const,
  registers,
});

export const mailboxFetches = new client.Counter({
  name: 'dmarc_mailbox_fetches_total',
  help: 'IMAP mailbox fetches, by result (ok, error)',
  labelNames: ['result'] as const,
  registers,
});

export const mailboxMessages = new client.Counter({
  name: 'dmarc_mailbox_messages_total',
  help: 'Messages read from IMAP mailboxes, by outcome',
  labelNames: ['outcome'] as const,
  registers,
});

/** Gauges read at scrape time (queue depth, alerts by state) from whatever the process can ask. */
export interface ScrapeSources {
  /** Task runs not finished, by state (queued, running, retrying). */
  queueDepth?: () => Promise<Record<string, number>>;
  /** Alerts by state (open, acknowledged, resolved). */
  alertsByState?: () => Promise<Record<string, number>>;
}

const queueDepth = new client.Gauge({
  name: 'dmarc_queue_jobs',
  help: 'Task runs waiting or running, by state',
  labelNames: ['state'] as const,
  registers,
});

const alerts = new client.Gauge({
  name: 'dmarc_alerts',
  help: 'Alerts, by state',
  labelNames: ['state'] as const,
  registers,
});

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
