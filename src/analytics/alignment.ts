// DKIM and SPF, authenticated (raw auth result pass) versus aligned (policy-evaluated pass), and how the two
// mechanisms combine: the data behind "why does it fail?".
import type { Queryable } from '../store/database.js';
import { Params, rollupConditions, rollupTable, where, type ScopedFilter } from './filters.js';

export interface MechanismAlignment {
  /** Messages with a passing auth result for the mechanism, aligned or not. */
  authenticated: number;
  /** Messages whose policy-evaluated result is pass (authenticated and aligned with the From domain). */
  aligned: number;
  /** Authenticated, but for another domain than the From domain. */
  authenticatedNotAligned: number;
  /** Neither authenticated nor aligned. */
  notAuthenticated: number;
}

export interface Alignment {
  messages: number;
  dkim: MechanismAlignment;
  spf: MechanismAlignment;
  /** DMARC outcome by mechanism: both aligned, only one, or neither (DMARC fail). */
  both: number;
  dkimOnly: number;
  spfOnly: number;
  neither: number;
}

interface Row {
  messages: number;
  dkim_auth: number;
  dkim_aligned: number;
  dkim_auth_not_aligned: number;
  spf_auth: number;
  spf_aligned: number;
  spf_auth_not_aligned: number;
  both: number;
  dkim_only: number;
  spf_only: number;
}

export async function alignment(db: Queryable, f: ScopedFilter): Promise<Alignment> {
  const p = new Params();
  const table = rollupTable(f);
  const r = await db.query<Row>(
    `SELECT coalesce(sum(messages), 0) AS messages,
       coalesce(sum(dkim_auth_pass), 0) AS dkim_auth,
       coalesce(sum(messages) FILTER (WHERE dkim = 'pass'), 0) AS dkim_aligned,
       coalesce(sum(dkim_auth_pass) FILTER (WHERE dkim IS DISTINCT FROM 'pass'), 0) AS dkim_auth_not_aligned,
       coalesce(sum(spf_auth_pass), 0) AS spf_auth,
       coalesce(sum(messages) FILTER (WHERE spf = 'pass'), 0) AS spf_aligned,
       coalesce(sum(spf_auth_pass) FILTER (WHERE spf IS DISTINCT FROM 'pass'), 0) AS spf_auth_not_aligned,
       coalesce(sum(messages) FILTER (WHERE dkim = 'pass' AND spf = 'pass'), 0) AS both,
       coalesce(sum(messages) FILTER (WHERE dkim = 'pass' AND spf IS DISTINCT FROM 'pass'), 0) AS dkim_only,
       coalesce(sum(messages) FILTER (WHERE spf = 'pass' AND dkim IS DISTINCT FROM 'pass'), 0) AS spf_only
     FROM ${table} ${where(rollupConditions(f, p))}`,
    p.values,
  );
  const x = r.rows[0]!;
  const mech = (aligned: number, notAligned: number, auth: number): MechanismAlignment => ({
    authenticated: auth,
    aligned,
    authenticatedNotAligned: notAligned,
    notAuthenticated: Math.max(0, x.messages - aligned - notAligned),
  });
  return {
    messages: x.messages,
    dkim: mech(x.dkim_aligned, x.dkim_auth_not_aligned, x.dkim_auth),
    spf: mech(x.spf_aligned, x.spf_auth_not_aligned, x.spf_auth),
    both: x.both,
    dkimOnly: x.dkim_only,
    spfOnly: x.spf_only,
    neither: x.messages - x.both - x.dkim_only - x.spf_only,
  };
}
