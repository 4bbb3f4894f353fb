// policy_weakened: the DMARC policy published for a domain, as the reports of its latest report day show it, is
// weaker than the strongest one the reports of the lookbackDays days before showed: p or sp went down
// (reject → quarantine → none), pct went down, or testing mode (DMARCbis t=y) was switched on. The latest day is
// taken at its strongest (reporters with a stale DNS cache show yesterday's record for a while), so that the rule
// fires when every reporter of the day agrees.
import { z } from 'zod';
import { addDays, dayOf } from '../days.js';
import { defineRule } from './define.js';

export const policyWeakenedParams = z.strictObject({
  /** Only domains with a report in the last this many days (the latest report day). */
  windowDays: z.number().int().min(1).max(60).default(7),
  /** Days before the latest report day whose strongest policy it is compared with. */
  lookbackDays: z.number().int().min(1).max(366).default(30),
});
export type PolicyWeakenedParams = z.output<typeof policyWeakenedParams>;

interface PolicyRow {
  domain: string;
  day: string;
  latest: boolean;
  p: string | null;
  sp: string | null;
  pct: number | null;
  testing: string | null;
}

const P_RANK: Record<string, number> = { none: 0, quarantine: 1, reject: 2 };
const P_NAME = ['none', 'quarantine', 'reject'];

/** The published policy as comparable strengths (higher is stronger); null when p is not readable. */
interface Strength {
  p: number;
  sp: number;
  pct: number;
  /** 1: enforced, 0: testing mode. */
  enforced: number;
}

function strengthOf(r: PolicyRow): Strength | null {
  const p = P_RANK[(r.p ?? '').toLowerCase()];
  if (p === undefined) return null;
  const sp = P_RANK[(r.sp ?? '').toLowerCase()] ?? p;
  return { p, sp, pct: r.pct ?? 100, enforced: (r.testing ?? 'n').toLowerCase() === 'y' ? 0 : 1 };
}

function strongest(list: Strength[]): Strength | null {
  if (list.length === 0) return null;
  return {
    p: Math.max(...list.map((s) => s.p)),
    sp: Math.max(...list.map((s) => s.sp)),
    pct: Math.max(...list.map((s) => s.pct)),
    enforced: Math.max(...list.map((s) => s.enforced)),
  };
}

const shown = (s: Strength) => ({
  p: P_NAME[s.p]!,
  sp: P_NAME[s.sp]!,
  pct: s.pct,
  testing: s.enforced ? 'n' : 'y',
});

function changes(before: Strength, now: Strength): string[] {
  const out: string[] = [];
  if (now.p < before.p) out.push(`p ${P_NAME[before.p]} → ${P_NAME[now.p]}`);
  if (now.sp < before.sp) out.push(`sp ${P_NAME[before.sp]} → ${P_NAME[now.sp]}`);
  if (now.pct < before.pct) out.push(`pct ${before.pct} → ${now.pct}`);
  if (now.enforced < before.enforced) out.push('testing mode switched on (t=y)');
  return out;
}

export const policyWeakenedRule = defineRule<PolicyWeakenedParams>()({
  name: 'policy_weakened',
  title: 'Policy weakened',
  description:
    'The policy the reports of the latest report day (within windowDays) show is weaker than the strongest of the ' +
    'lookbackDays days before: p or sp lower, pct lower, or testing mode on.',
  scope: 'domain',
  params: policyWeakenedParams,
  evaluate: async ({ db, orgId, now }, { domain, params: p }) => {
    const today = dayOf(now);
    const r = await db.query<PolicyRow>(
      `WITH latest AS (
         SELECT domain, max(day) AS day FROM reports
         WHERE org_id = $1 AND day BETWEEN $2::date AND $3::date AND ($4::text IS NULL OR domain = $4)
         GROUP BY domain)
       SELECT r.domain, to_char(r.day, 'YYYY-MM-DD') AS day, r.day = l.day AS latest, r.p, r.sp, r.pct, r.testing
       FROM reports r JOIN latest l ON l.domain = r.domain
       WHERE r.org_id = $1 AND r.day BETWEEN l.day - $5::int AND l.day
       GROUP BY r.domain, r.day, l.day, r.p, r.sp, r.pct, r.testing
       ORDER BY r.domain, r.day`,
      [orgId, addDays(today, -p.windowDays), today, domain, p.lookbackDays],
    );
    const byDomain = new Map<string, PolicyRow[]>();
    for (const row of r.rows) byDomain.set(row.domain, [...(byDomain.get(row.domain) ?? []), row]);
    const breaches = [];
    for (const [d, rows] of byDomain) {
      const strengths = (latest: boolean) =>
        rows.filter((x) => x.latest === latest).flatMap((x) => strengthOf(x) ?? []);
      const before = strongest(strengths(false));
      const current = strongest(strengths(true));
      if (!before || !current) continue;
      const what = changes(before, current);
      if (what.length === 0) continue;
      const day = rows.find((x) => x.latest)!.day;
      breaches.push({
        domain: d,
        subject: null,
        summary: `${d}: the published policy weakened: ${what.join(', ')} (reports of ${day} against the ${p.lookbackDays} days before)`,
        figures: { day, before: shown(before), now: shown(current), changes: what },
      });
    }
    return breaches;
  },
});
