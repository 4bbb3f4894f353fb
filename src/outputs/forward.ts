// Forwarding an organisation's outbox (the forward-events task): for each enabled output not backing off, the
// reports stored since its last scan are queued (fillOutbox), then the due rows' records are sent from where each
// row stands (next_idx), in batches of at most `batchEvents` events and `batchBytes` bytes, at most
// `requestsPerRun` requests per output and run — so a target back after a day down gets its backlog at a bounded
// rate (a run a minute: batchEvents × requestsPerRun events a minute at most), never all at once. A failed request
// backs the output off exponentially (backoffMs × 2^failures, at most maxBackoffMs) and leaves the rows as they
// were: nothing is lost, and a target that is down is asked once per backoff step. Events a target refuses for
// good (Splunk's 400, an Elasticsearch item's 4xx) are counted on the row and the output's last error says why.
import { dueRows, eventRows, pendingCount, fillOutbox, postponeRows, recordProgress } from '../store/output-outbox.js';
import type { OutboxRow } from '../store/output-outbox.js';
import type { Database } from '../store/database.js';
import { enabledOutputs, outputFailed, outputRejected, outputSucceeded, type Output } from '../store/outputs.js';
import { BatchRejectedError, type EventOutcome, type OutputSettings } from './define.js';
import { recordEvent, type OutputEvent } from './event.js';
import { outputTypeNamed, scrubOutput } from './index.js';

export interface ForwardLimits {
  batchEvents: number;
  batchBytes: number;
  requestsPerRun: number;
  backoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_FORWARD_LIMITS: ForwardLimits = {
  batchEvents: 500,
  batchBytes: 1024 * 1024,
  requestsPerRun: 20,
  backoffMs: 30_000,
  maxBackoffMs: 15 * 60_000,
};

export interface ForwardDeps {
  db: Database;
  settings: OutputSettings;
  now: () => Date;
  limits?: Partial<ForwardLimits>;
}

export interface OutputRun {
  outputId: number;
  queued: number;
  requests: number;
  events: number;
  rejected: number;
  /** Why the run stopped early (the output backs off), or why it did not run. */
  error: string | null;
  skipped?: 'backing-off' | 'broken-config';
  /** Rows still pending after the run, and when the output may be asked again (null: not backing off). */
  backlog: number;
  retryAt: Date | null;
}

/** When a request failing after `failures` earlier consecutive failures may be tried again. */
export function retryAfter(limits: ForwardLimits, failures: number, now: Date): Date {
  const ms = Math.min(limits.maxBackoffMs, limits.backoffMs * 2 ** Math.min(failures, 20));
  return new Date(now.getTime() + ms);
}

interface Segment {
  row: OutboxRow;
  /** Where in the batch its events start, how many there are, and the record idx of each. */
  start: number;
  idxs: number[];
  /** Fewer records than asked for came back: these are the report's last. */
  last: boolean;
}

export async function forwardOrg(deps: ForwardDeps, orgId: number): Promise<OutputRun[]> {
  const limits = { ...DEFAULT_FORWARD_LIMITS, ...deps.limits };
  const runs: OutputRun[] = [];
  for (const output of await enabledOutputs(deps.db, orgId)) {
    runs.push(await forwardOutput(deps, limits, output));
  }
  return runs;
}

async function forwardOutput(deps: ForwardDeps, limits: ForwardLimits, output: Output): Promise<OutputRun> {
  const { db } = deps;
  const run: OutputRun = {
    outputId: output.id,
    queued: 0,
    requests: 0,
    events: 0,
    rejected: 0,
    error: null,
    backlog: 0,
    retryAt: null,
  };
  const type = outputTypeNamed(output.type);
  const parsed = type?.config.safeParse(output.config);
  if (!type || !parsed?.success) {
    return { ...run, error: 'the output configuration is not valid', skipped: 'broken-config' };
  }
  const orgId = output.orgId;
  // (a run while backing off costs one query: the outbox is filled when the output is asked again)
  if (output.retryAt && output.retryAt > deps.now()) {
    return { ...run, skipped: 'backing-off', retryAt: output.retryAt, backlog: 1 };
  }
  run.queued = await fillOutbox(db, orgId, output.id);
  let failures = output.consecutiveFailures;
  while (run.requests < limits.requestsPerRun) {
    const now = deps.now();
    const rows = await dueRows(db, orgId, output.id, now, 200);
    if (rows.length === 0) break;
    const events: OutputEvent[] = [];
    const segments: Segment[] = [];
    let bytes = 0;
    for (const row of rows) {
      const room = limits.batchEvents - events.length;
      if (room <= 0 || bytes >= limits.batchBytes) break;
      const recs = await eventRows(db, orgId, row.reportId, row.nextIdx, room);
      const seg: Segment = { row, start: events.length, idxs: [], last: recs.length < room };
      for (const r of recs) {
        const e = recordEvent(r);
        const size = JSON.stringify(e).length + 1;
        // at least one event per request, whatever its size
        if (events.length > 0 && bytes + size > limits.batchBytes) {
          seg.last = false;
          break;
        }
        events.push(e);
        seg.idxs.push(r.idx);
        bytes += size;
      }
      segments.push(seg);
    }
    if (events.length === 0) {
      // every row here had nothing left to send (a report without records, or finished): settle them
      for (const s of segments) await settle(db, orgId, s, [], now);
      continue;
    }
    run.requests += 1;
    let outcomes: EventOutcome[] | void;
    try {
      outcomes = await type.send(deps.settings, parsed.data, events);
    } catch (err) {
      const text = scrubOutput(output.type, output.config, err instanceof Error ? err.message : String(err)).slice(
        0,
        500,
      );
      if (err instanceof BatchRejectedError) {
        const all = events.map((): EventOutcome => ({ ok: false, retry: false, error: text }));
        run.rejected += events.length;
        for (const s of segments) await settle(db, orgId, s, all, now);
        await outputRejected(db, orgId, output.id, text, now);
        continue;
      }
      const at = retryAfter(limits, failures, now);
      await postponeRows(
        db,
        orgId,
        segments.map((s) => s.row.id),
        text,
        at,
      );
      await outputFailed(db, orgId, output.id, text, now, at);
      run.error = text;
      run.retryAt = at;
      break;
    }
    const list = outcomes ?? [];
    let retry: string | null = null;
    for (const s of segments) {
      const r = await settle(db, orgId, s, list, now);
      run.rejected += r.rejected;
      run.events += r.taken;
      retry ??= r.retry;
    }
    const refused = list.find((o): o is Extract<EventOutcome, { ok: false }> => !o.ok && !o.retry);
    if (retry !== null) {
      const text = scrubOutput(output.type, output.config, refused ? `${retry}; refused: ${refused.error}` : retry);
      const at = retryAfter(limits, failures, now);
      await postponeRows(
        db,
        orgId,
        segments.map((s) => s.row.id),
        text,
        at,
      );
      await outputFailed(db, orgId, output.id, text, now, at);
      run.error = text;
      run.retryAt = at;
      break;
    }
    failures = 0;
    await outputSucceeded(db, orgId, output.id, now);
    run.retryAt = null;
    if (refused)
      await outputRejected(db, orgId, output.id, scrubOutput(output.type, output.config, refused.error), now);
  }
  run.backlog = await pendingCount(db, orgId, output.id);
  return run;
}

/** Writes what the send did to one row; answers how many of its events were taken, refused, and a retry reason. */
async function settle(
  db: Database,
  orgId: number,
  s: Segment,
  outcomes: readonly EventOutcome[],
  now: Date,
): Promise<{ taken: number; rejected: number; retry: string | null }> {
  let rejected = 0;
  let taken = 0;
  let error: string | null = null;
  let nextIdx = s.idxs.length > 0 ? s.idxs[s.idxs.length - 1]! + 1 : s.row.nextIdx;
  let retry: string | null = null;
  for (let i = 0; i < s.idxs.length; i += 1) {
    const o = outcomes[s.start + i] ?? { ok: true };
    if (o.ok) {
      taken += 1;
      continue;
    }
    if (o.retry) {
      // this record and every later one of the report are sent again (an Elasticsearch re-send is idempotent)
      nextIdx = s.idxs[i]!;
      retry = o.error;
      break;
    }
    rejected += 1;
    error = o.error;
  }
  const done = retry === null && (s.last || nextIdx >= s.row.recordCount);
  await recordProgress(db, orgId, { id: s.row.id, nextIdx, rejected, done, error: error ?? retry }, now);
  return { taken, rejected, retry };
}
