// Deleting what was imported by mistake: reports (with their records and override reasons) and files (with the
// reports stored from them). The rollups follow in the same transaction: every slice (domain × day × reporter) a
// deleted report counted in is rebuilt from the reports that remain, so no figure ever counts a deleted report.
import type { Database, Queryable } from './database.js';
import { lockRollups, rebuildSliceIn, type RollupSlice } from './rollups.js';

export interface DeletedTotals {
  reports: number;
  records: number;
  messages: number;
}

const NONE: DeletedTotals = { reports: 0, records: 0, messages: 0 };

/** Deletes the organisation's reports of `ids` (others' ids are ignored) inside the caller's transaction. */
export async function deleteReportsIn(tx: Queryable, orgId: number, ids: readonly number[]): Promise<DeletedTotals> {
  if (ids.length === 0) return NONE;
  await lockRollups(tx);
  const gone = await tx.query<RollupSlice & { id: number; records: number; messages: number }>(
    `DELETE FROM reports WHERE org_id = $1 AND id = ANY($2::int8[])
     RETURNING id, org_id AS "orgId", domain, to_char(day, 'YYYY-MM-DD') AS day, reporter,
       record_count AS records, message_count AS messages`,
    [orgId, ids],
  );
  if (gone.rows.length === 0) return NONE;
  const reportIds = gone.rows.map((r) => r.id);
  // (records have no foreign key to their report, which would slow down every insert of millions of rows;
  // report_reasons go with the report, ON DELETE CASCADE)
  await tx.query('DELETE FROM records WHERE report_id = ANY($1::int8[])', [reportIds]);
  const slices = new Map<string, RollupSlice>();
  for (const r of gone.rows) {
    slices.set(JSON.stringify([r.domain, r.day, r.reporter]), {
      orgId,
      domain: r.domain,
      day: r.day,
      reporter: r.reporter,
    });
  }
  for (const s of slices.values()) await rebuildSliceIn(tx, s);
  return {
    reports: gone.rows.length,
    records: gone.rows.reduce((a, r) => a + Number(r.records), 0),
    messages: gone.rows.reduce((a, r) => a + Number(r.messages), 0),
  };
}

/** Deletes one report; undefined when the organisation has no report of that id. */
export async function deleteReport(db: Database, orgId: number, id: number): Promise<DeletedTotals | undefined> {
  const t = await db.transaction((tx) => deleteReportsIn(tx, orgId, [id]));
  return t.reports === 0 ? undefined : t;
}

export type DeleteFileResult =
  { deleted: true; totals: DeletedTotals } | { deleted: false; reason: 'not_found' | 'processing' };

/**
 * Deletes a file, its kept bytes and the reports stored from it. A file being processed right now is refused:
 * its reports would be stored after the delete (the caller says "try again once it is done").
 */
export async function deleteFile(db: Database, orgId: number, fileId: number): Promise<DeleteFileResult> {
  return db.transaction(async (tx): Promise<DeleteFileResult> => {
    const f = await tx.query<{ status: string }>(
      'SELECT status FROM ingested_files WHERE id = $1 AND org_id = $2 FOR UPDATE',
      [fileId, orgId],
    );
    const status = f.rows[0]?.status;
    if (status === undefined) return { deleted: false, reason: 'not_found' };
    if (status === 'processing') return { deleted: false, reason: 'processing' };
    const ids = await tx.query<{ id: number }>('SELECT id FROM reports WHERE org_id = $1 AND file_id = $2', [
      orgId,
      fileId,
    ]);
    const totals = await deleteReportsIn(
      tx,
      orgId,
      ids.rows.map((r) => Number(r.id)),
    );
    // file_contents goes with it (ON DELETE CASCADE)
    await tx.query('DELETE FROM ingested_files WHERE id = $1 AND org_id = $2', [fileId, orgId]);
    return { deleted: true, totals };
  });
}
