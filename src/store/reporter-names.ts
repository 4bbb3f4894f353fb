// Keeps the stored canonical reporter names (reports.reporter, and the rollups that count by it) made with the
// naming the code ships. New reports get their name when stored; this renames the stored ones once after an
// upgrade that changed the naming (the first start after migration 012, or a new table of known reporters).
import { canonicalReporter, REPORTER_NAMES_VERSION } from '../model/reporter-name.js';
import type { Database } from './database.js';
import { lockRollups, rebuildReportersIn } from './rollups.js';

export interface ReporterRenames {
  /** Reports whose canonical name changed. */
  reports: number;
  /** Organisations whose figures changed (their cached answers are out of date). */
  orgIds: number[];
}

interface NamePair {
  org_id: number;
  reporter_org: string;
  email: string | null;
  reporter: string;
}

/** Renames the stored reports named with another version of the naming; a no-op (one query) when current. */
export async function syncReporterNames(db: Database): Promise<ReporterRenames> {
  const none: ReporterRenames = { reports: 0, orgIds: [] };
  const current = await db.query<{ version: string }>('SELECT version FROM reporter_names_state');
  if (current.rows[0]?.version === REPORTER_NAMES_VERSION) return none;
  return db.transaction(async (tx) => {
    // Report writers wait while the names and rollups change together; a second process starting at the same
    // time waits here too and then finds the work done.
    await lockRollups(tx);
    const again = await tx.query<{ version: string }>('SELECT version FROM reporter_names_state FOR UPDATE');
    if (again.rows[0]?.version === REPORTER_NAMES_VERSION) return none;
    const pairs = await tx.query<NamePair>(
      'SELECT DISTINCT org_id, reporter_org, email, reporter FROM reports ORDER BY org_id',
    );
    const changed = pairs.rows
      .map((p) => ({ ...p, canonical: canonicalReporter(p.reporter_org, p.email) }))
      .filter((p) => p.canonical !== p.reporter);
    let reports = 0;
    const orgIds = [...new Set(changed.map((c) => Number(c.org_id)))];
    for (const orgId of orgIds) {
      const mine = changed.filter((c) => Number(c.org_id) === orgId);
      const u = await tx.query(
        `UPDATE reports r SET reporter = u.canonical
         FROM unnest($2::text[], $3::text[], $4::text[]) AS u(reporter_org, email, canonical)
         WHERE r.org_id = $1 AND r.reporter_org = u.reporter_org AND r.email IS NOT DISTINCT FROM u.email`,
        [orgId, mine.map((c) => c.reporter_org), mine.map((c) => c.email), mine.map((c) => c.canonical)],
      );
      reports += u.rowCount;
      await rebuildReportersIn(tx, orgId, [...new Set(mine.flatMap((c) => [c.reporter, c.canonical]))]);
    }
    await tx.query('UPDATE reporter_names_state SET version = $1', [REPORTER_NAMES_VERSION]);
    return { reports, orgIds };
  });
}
