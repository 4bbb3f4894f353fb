// Stores one aggregate report from the streaming parser's events in ONE transaction: the report row, its
// records in batches as they are parsed, and its rollup delta. A duplicate report stops parsing early.
import type { AggregateReportHeader } from '../model/aggregate.js';
import { canonicalReporter } from '../model/reporter-name.js';
import type { AggregateEvent } from '../parse/types.js';
import { nextTurn } from './event-loop-turns.js';
import {
  findReportByIdentity,
  finishReport,
  insertRecords,
  insertReportIfNew,
  type StoredIdentity,
} from '../store/reports.js';
import type { Transactor } from '../store/database.js';
import { deferrable, type RollupBatch } from '../store/rollup-batch.js';
import { RollupDelta, sourceRows, type SourceRow } from '../store/rollup-delta.js';
import { applyDailyRollup, applySourceRollup, insertReportReasons, type RollupKey } from '../store/rollups.js';

/** Where a report is stored: its organisation and the file it came in. */
export interface ReportTarget {
  orgId: number;
  fileId: number;
}

export type StoredReport =
  | {
      outcome: 'stored';
      reportId: number;
      header: AggregateReportHeader;
      records: number;
      messages: number;
      warnings: string[];
      recovered: boolean;
    }
  /** `existing`: the stored report it duplicates (from this very file, when the file is processed again). */
  | {
      outcome: 'duplicate';
      header: AggregateReportHeader;
      existing: StoredIdentity | undefined;
    }
  /** The stream ended without a report (cannot happen with a well-behaved parser; kept explicit). */
  | { outcome: 'empty' };

const WRITE_DEPTH = 3;

/** Records of one report whose per-source rows may wait for the batch's upsert (a larger report writes its own). */
const DEFER_RECORDS = 5000;

const rollupKey = (orgId: number, h: AggregateReportHeader): RollupKey => ({
  orgId,
  domain: h.domain,
  begin: h.begin,
  // the rollups count a report under its reporter's canonical name, as the report row stores it
  reporter: canonicalReporter(h.reporterOrg, h.email),
});

/**
 * `batch`: the report is stored inside a batch's transaction (db's units are savepoints), which has set
 * synchronous_commit and writes the rollups of all its reports at its end.
 */
export async function storeAggregateReport(
  db: Transactor,
  target: ReportTarget,
  partName: string,
  events: AsyncGenerator<AggregateEvent>,
  batch?: RollupBatch,
): Promise<StoredReport> {
  try {
    return await db.transaction(async (tx) => {
      // A report is derived data, re-creatable from the file's durable bytes: not waiting for its WAL flush is
      // safe (a crash loses at most the last reports, and their files are then still pending and re-run).
      if (!batch) await tx.query('SET LOCAL synchronous_commit = off');
      await tx.query('SAVEPOINT report_start');
      let header: AggregateReportHeader | undefined;
      let reportId: number | undefined;
      let nextIdx = 0;
      let delta = new RollupDelta();
      // Per-source rows waiting for the batch's upsert (while the report is small enough to keep them).
      let deferred: SourceRow[][] | undefined;
      // Up to WRITE_DEPTH batch writes may be queued (in order) while the parser reads on: with PostgreSQL the
      // server stores while we parse. A write's failure is picked up at the next wait.
      const writes: Promise<void>[] = [];
      let writeError: unknown;
      const settle = async (): Promise<void> => {
        await writes[writes.length - 1];
        writes.length = 0;
        if (writeError !== undefined) throw writeError;
      };

      for await (const ev of events) {
        switch (ev.type) {
          case 'restart':
            // The strict parse failed part-way: forget everything and take the recovered version.
            await settle();
            await tx.query('ROLLBACK TO SAVEPOINT report_start');
            header = undefined;
            reportId = undefined;
            nextIdx = 0;
            delta = new RollupDelta();
            deferred = undefined;
            break;
          case 'header':
            header = ev.header;
            deferred = batch && deferrable(ev.header.begin) ? [] : undefined;
            reportId = await insertReportIfNew(tx, target.orgId, target.fileId, partName, ev.header);
            if (reportId === undefined) {
              const existing = await findReportByIdentity(tx, target.orgId, ev.header);
              return { outcome: 'duplicate', header: ev.header, existing };
            }
            break;
          case 'records': {
            if (reportId === undefined || header === undefined) {
              throw new Error('parser emitted records before the report header');
            }
            if (writes.length >= WRITE_DEPTH) await writes.shift();
            if (writeError !== undefined) throw writeError;
            const id = reportId;
            const first = nextIdx;
            const key = rollupKey(target.orgId, header);
            const sources = sourceRows(ev.records);
            // Past DEFER_RECORDS the report writes its own per-source rows, the ones kept so far first.
            let own: SourceRow[][] = [sources];
            if (deferred && nextIdx + ev.records.length <= DEFER_RECORDS) {
              deferred.push(sources);
              own = [];
            } else if (deferred) {
              own = [...deferred, sources];
              deferred = undefined;
            }
            const previous = writes[writes.length - 1] ?? Promise.resolve();
            writes.push(
              previous
                .then(async () => {
                  if (writeError !== undefined) return;
                  await insertRecords(tx, target.orgId, id, first, ev.records);
                  // each half of a batch's writing (its COPY text, its rollup rows) in a turn of its own
                  await nextTurn();
                  for (const rows of own) await applySourceRollup(tx, key, rows);
                })
                .catch((err: unknown) => {
                  writeError ??= err;
                }),
            );
            nextIdx += ev.records.length;
            for (const r of ev.records) delta.add(r);
            // a repaired report is parsed from text in memory, not from a source that gives way: one batch at a time
            await nextTurn();
            break;
          }
          case 'end': {
            await settle();
            if (reportId === undefined || header === undefined) return { outcome: 'empty' };
            await finishReport(tx, reportId, {
              recordCount: nextIdx,
              messageCount: delta.messages,
              dmarcPass: delta.dmarcPass,
              warnings: ev.warnings,
              recovered: ev.recovered,
              facets: delta.facets(),
              extensions: ev.extensions,
            });
            const key = rollupKey(target.orgId, header);
            if (batch && deferred) batch.add(key, reportId, delta, deferred.flat());
            else {
              await applyDailyRollup(tx, key, delta);
              await insertReportReasons(tx, reportId, key, delta);
            }
            return {
              outcome: 'stored',
              reportId,
              header,
              records: nextIdx,
              messages: delta.messages,
              warnings: ev.warnings,
              recovered: ev.recovered,
            };
          }
        }
      }
      await settle();
      return { outcome: 'empty' };
    });
  } finally {
    // Stop the parser (and its decompression) if we left early, e.g. on a duplicate or an error.
    await events.return(undefined);
  }
}
