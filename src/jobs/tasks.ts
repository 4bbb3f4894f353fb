// The task handlers, the same whichever queue adapter runs them. Each returns a small JSON summary (kept in the
// task history); a thrown error is retried with backoff, a PermanentTaskError is not.
import type { AnalyticsCache } from '../analytics/cache.js';
import { loadJobsConfig, type ImapMailboxConfig, type JobsConfig } from '../config/jobs.js';
import type { ReportStoredSink } from '../events/report-stored.js';
import { fetchMailboxes, type FetchSummary } from '../ingest/imap/fetch.js';
import { FileNotFoundError, processFile } from '../ingest/process-file.js';
import type { UnpackLimits } from '../parse/types.js';
import type { Database } from '../store/database.js';
import { getFile, type FileStatus } from '../store/files.js';
import { applyRetention, listStaleFiles } from '../store/maintenance.js';
import { findOrgBySlug } from '../store/organizations.js';
import { findRollupDrift, rebuildRollupSlice } from '../store/rollups.js';
import { PermanentTaskError, processFileKey, type JobQueue, type TaskHandlers } from './queue.js';

export interface TaskLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface TaskContext {
  db: Database;
  queue: JobQueue;
  cache: AnalyticsCache;
  limits: UnpackLimits;
  /** Retry, sweep and retention settings (defaults when absent). */
  jobs?: JobsConfig;
  /** Mailboxes fetch-imap reads (none when absent). */
  imap?: ImapMailboxConfig[];
  /** Told of every stored report: invalidates the organisation's cache, schedules a warm-up, ... */
  sink: ReportStoredSink;
  /** Fills the analytics cache with the answers the dashboard asks first, for every organisation; returns how many. */
  warmCache?: () => Promise<number>;
  log?: TaskLog;
}

const FINAL: FileStatus[] = ['processed', 'duplicate', 'unsupported', 'failed'];

export function taskHandlers(ctx: TaskContext): TaskHandlers {
  const { db, sink } = ctx;
  const config = { limits: ctx.limits, jobs: ctx.jobs ?? loadJobsConfig({}).jobs, imap: ctx.imap ?? [] };
  return {
    'process-file': async ({ orgId, fileId, ifUnfinished }) => {
      if (ifUnfinished) {
        const f = await getFile(db, orgId, fileId);
        if (!f) return { fileId, skipped: 'the file no longer exists' };
        // Queued again by a sweep, but someone finished it meanwhile.
        if (FINAL.includes(f.status)) return { fileId, skipped: `already ${f.status}` };
      }
      let r;
      try {
        r = await processFile(db, { orgId, fileId }, { limits: config.limits, sink });
      } catch (err) {
        if (err instanceof FileNotFoundError) throw new PermanentTaskError(err.message);
        throw err;
      }
      ctx.log?.info(
        { orgId, fileId, status: r.status, reports: r.reportsStored, records: r.recordCount, error: r.error },
        'file processed',
      );
      // The database failed, not the file: fail the run so that the queue retries it with backoff.
      if (r.storageFailed) throw new Error(`file ${fileId} could not be stored: ${r.error ?? 'storage error'}`);
      return {
        fileId,
        status: r.status,
        reports: r.reportsStored,
        duplicateReports: r.reportsDuplicate,
        records: r.recordCount,
        error: r.error,
      };
    },

    'sweep-pending': async ({ olderThanMs }) => {
      const ids = await listStaleFiles(db, olderThanMs ?? config.jobs.staleAfterMs);
      for (const { orgId, fileId } of ids) {
        await ctx.queue.enqueue(
          'process-file',
          { orgId, fileId, ifUnfinished: true },
          { dedupeKey: processFileKey(fileId) },
        );
      }
      if (ids.length > 0) ctx.log?.info({ files: ids.length }, 'queued pending files again');
      return { queued: ids.length };
    },

    'fetch-imap': async ({ mailbox }) => {
      const mailboxes = mailbox === undefined ? config.imap : config.imap.filter((m) => m.name === mailbox);
      if (mailboxes.length === 0) {
        if (mailbox === undefined) return { mailboxes: 0 };
        throw new PermanentTaskError(`no IMAP mailbox named '${mailbox}' is configured`);
      }
      const summary = await fetchMailboxes(db, mailboxes, {
        limits: config.limits,
        staleAfterMs: config.jobs.staleAfterMs,
        orgOf: async (m) => (await findOrgBySlug(db, m.org))?.id,
        sink,
        log: ctx.log,
      });
      const unreachable = summary.mailboxes.filter((m) => m.error !== null);
      // Fail the run (retried with backoff, visible as failed at the end) when a mailbox could not be read;
      // what the other mailboxes gave is stored already.
      if (unreachable.length > 0) throw new Error(unreachable.map((m) => `${m.name}: ${m.error}`).join('; '));
      return compactFetchSummary(summary);
    },

    'refresh-rollups': async () => {
      const { slices, drifted } = await findRollupDrift(db);
      for (const s of drifted) await rebuildRollupSlice(db, s);
      if (drifted.length > 0) {
        ctx.log?.warn({ slices: drifted.length }, 'rollups did not match the stored reports: rebuilt');
        for (const orgId of new Set(drifted.map((s) => s.orgId))) await ctx.cache.invalidate(orgId);
      }
      const warmed = ctx.warmCache ? await ctx.warmCache() : 0;
      return { slices, repaired: drifted.length, warmed };
    },

    retention: async () => {
      const r = await applyRetention(db, {
        retentionDays: config.jobs.retentionDays,
        historyDays: config.jobs.historyDays,
      });
      const { orgIds, ...counts } = r;
      if (r.reports > 0 || r.files > 0) {
        ctx.log?.info({ ...counts, orgs: orgIds.length }, 'old data deleted');
        for (const orgId of orgIds) await ctx.cache.invalidate(orgId);
      }
      return counts;
    },
  };
}

/** What a fetch run keeps in the task history: the counts and each mailbox's error, not every file name. */
export function compactFetchSummary(s: FetchSummary): object {
  const { failures, ...counts } = s;
  return { ...counts, failures: failures.slice(0, 20) };
}
