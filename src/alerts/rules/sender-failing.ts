// sender_failing: a source that used to pass — an aligned (DMARC) pass rate of at least previousPassRate over the
// baselineDays days before the window, with baselineMinMessages messages — passes less than `threshold` in the
// window (windowHours ending now, at least minMessages messages): a legitimate service whose DKIM key or SPF
// include broke. Sources are IP addresses until senders are identified (see source-key.ts); "approved" senders
// come with that work.
import { z } from 'zod';
import { passesDmarc } from '../../store/dmarc-sql.js';
import { addDays, count, percent, windowDays } from '../days.js';
import { defineRule } from './define.js';

export const senderFailingParams = z.strictObject({
  /** Aligned pass rate (0-1) below which a previously passing source fires. */
  threshold: z.number().min(0).max(1).default(0.5),
  /** The window, in hours ending now. */
  windowHours: z.number().int().min(1).max(168).default(24),
  /** Messages the source must send in the window. */
  minMessages: z.number().int().min(1).default(20),
  /** Days before the window that say whether the source used to pass. */
  baselineDays: z.number().int().min(1).max(366).default(30),
  /** Aligned pass rate over the baseline that makes a source "previously passing". */
  previousPassRate: z.number().min(0).max(1).default(0.9),
  /** Messages the source must have sent in the baseline. */
  baselineMinMessages: z.number().int().min(1).default(50),
});
export type SenderFailingParams = z.output<typeof senderFailingParams>;

export const senderFailingRule = defineRule<SenderFailingParams>()({
  name: 'sender_failing',
  title: 'Sender failing',
  description:
    'A source whose aligned pass rate was at least previousPassRate over the baselineDays days before passes ' +
    'less than threshold in the last windowHours hours (at least minMessages messages).',
  scope: 'domain',
  params: senderFailingParams,
  evaluate: async ({ db, orgId, now, sourceKey: k }, { domain, params: p }) => {
    const { from, to } = windowDays(now, p.windowHours);
    const since = addDays(from, -p.baselineDays);
    const pass = (a: string) => `coalesce(sum(${a}.messages) FILTER (WHERE ${passesDmarc(a)}), 0)::int8`;
    const r = await db.query<{
      domain: string;
      source: string;
      messages: number;
      passed: number;
      before_messages: number;
      before_passed: number;
    }>(
      `WITH recent AS (
         SELECT s.domain, ${k.expr('s')} AS source, sum(s.messages)::int8 AS messages, ${pass('s')} AS passed
         FROM rollup_source_daily s
         WHERE s.org_id = $1 AND s.day BETWEEN $2::date AND $3::date AND ($4::text IS NULL OR s.domain = $4)
           AND ${k.expr('s')} IS NOT NULL
         GROUP BY 1, 2 HAVING sum(s.messages) >= $5 AND ${pass('s')} < $6::float8 * sum(s.messages)),
       before AS (
         SELECT r.domain, r.source, sum(o.messages)::int8 AS messages, ${pass('o')} AS passed
         FROM recent r JOIN rollup_source_daily o
           ON o.org_id = $1 AND ${k.matches('o', 'r.source')} AND o.domain = r.domain
             AND o.day >= $7::date AND o.day < $2::date
         GROUP BY 1, 2 HAVING sum(o.messages) >= $8 AND ${pass('o')} >= $9::float8 * sum(o.messages))
       SELECT r.domain, r.source, r.messages, r.passed, b.messages AS before_messages, b.passed AS before_passed
       FROM recent r JOIN before b ON b.domain = r.domain AND b.source = r.source
       ORDER BY r.domain, r.source`,
      [orgId, from, to, domain, p.minMessages, p.threshold, since, p.baselineMinMessages, p.previousPassRate],
    );
    return r.rows.map((row) => {
      const rate = row.passed / row.messages;
      const before = row.before_passed / row.before_messages;
      return {
        domain: row.domain,
        subject: row.source,
        summary:
          `${row.domain}: ${row.source} passed DMARC for ${percent(rate)} of ${count(row.messages)} messages ` +
          `(${from} to ${to}), down from ${percent(before)} before (threshold ${percent(p.threshold)})`,
        figures: {
          source: row.source,
          sourceKind: k.name,
          messages: row.messages,
          dmarcPass: row.passed,
          passRate: rate,
          baselineMessages: row.before_messages,
          baselinePassRate: before,
          threshold: p.threshold,
          from,
          to,
          baselineFrom: since,
        },
      };
    });
  },
});
