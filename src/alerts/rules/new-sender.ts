// new_sender: a source (its IP address until senders are identified, see source-key.ts) that sent no message for
// the domain in the lookbackDays days before the window sends at least minMessages in the window (windowHours,
// ending now). A domain without any message before the window is left alone: the first reports of a new domain
// are not news about each of its senders.
import { z } from 'zod';
import { passesDmarc } from '../../store/dmarc-sql.js';
import { addDays, count, percent, windowDays } from '../days.js';
import { defineRule } from './define.js';

export const newSenderParams = z.strictObject({
  /** Messages the new source must send in the window. */
  minMessages: z.number().int().min(1).default(10),
  /** Days before the window in which the source must not have been seen. */
  lookbackDays: z.number().int().min(1).max(366).default(90),
  /** The window, in hours ending now, in which the new source sends. */
  windowHours: z.number().int().min(1).max(168).default(24),
});
export type NewSenderParams = z.output<typeof newSenderParams>;

export const newSenderRule = defineRule<NewSenderParams>()({
  name: 'new_sender',
  title: 'New sender',
  description:
    'A source never seen for the domain in the lookbackDays days before sends at least minMessages messages in ' +
    'the last windowHours hours (sources are IP addresses until senders are identified).',
  scope: 'domain',
  params: newSenderParams,
  evaluate: async ({ db, orgId, now, sourceKey: k }, { domain, params: p }) => {
    const { from, to } = windowDays(now, p.windowHours);
    const since = addDays(from, -p.lookbackDays);
    const r = await db.query<{ domain: string; source: string; messages: number; passed: number; first_day: string }>(
      `WITH recent AS (
         SELECT s.domain, ${k.expr('s')} AS source, sum(s.messages)::int8 AS messages,
           coalesce(sum(s.messages) FILTER (WHERE ${passesDmarc('s')}), 0)::int8 AS passed,
           to_char(min(s.day), 'YYYY-MM-DD') AS first_day
         FROM rollup_source_daily s
         WHERE s.org_id = $1 AND s.day BETWEEN $2::date AND $3::date AND ($4::text IS NULL OR s.domain = $4)
           AND ${k.expr('s')} IS NOT NULL
         GROUP BY 1, 2 HAVING sum(s.messages) >= $5)
       SELECT r.* FROM recent r
       WHERE EXISTS (SELECT 1 FROM rollup_daily d
                     WHERE d.org_id = $1 AND d.domain = r.domain AND d.day >= $6::date AND d.day < $2::date)
         AND NOT EXISTS (SELECT 1 FROM rollup_source_daily o
                         WHERE o.org_id = $1 AND ${k.matches('o', 'r.source')} AND o.domain = r.domain
                           AND o.day >= $6::date AND o.day < $2::date)
       ORDER BY r.domain, r.source`,
      [orgId, from, to, domain, p.minMessages, since],
    );
    return r.rows.map((row) => ({
      domain: row.domain,
      subject: row.source,
      summary:
        `${row.domain}: new source ${row.source} sent ${count(row.messages)} messages since ${row.first_day} ` +
        `(${percent(row.passed / row.messages)} passed DMARC), not seen in the ${p.lookbackDays} days before`,
      figures: {
        source: row.source,
        sourceKind: k.name,
        messages: row.messages,
        dmarcPass: row.passed,
        passRate: row.passed / row.messages,
        firstDay: row.first_day,
        from,
        to,
        lookbackFrom: since,
      },
    }));
  },
});
