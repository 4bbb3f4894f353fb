// failure_rate: a domain's share of messages failing DMARC over a window is above a threshold, counted only when
// the domain had at least minMessages messages in the window (three messages of which one fails are not 33 % of
// anything). Past criticalThreshold (when set) the breach is critical whatever the rule's severity.
import { z } from 'zod';
import { failsDmarc } from '../../store/dmarc-sql.js';
import { count, percent, windowDays } from '../days.js';
import { defineRule } from './define.js';

export const failureRateParams = z.strictObject({
  /** Share of failing messages (0-1) above which the rule fires. */
  threshold: z.number().min(0).max(1).default(0.1),
  /** The window, in hours, ending now (rollups count per day: the days it overlaps). */
  windowHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24),
  /** Fewer messages than this in the window: no verdict. */
  minMessages: z.number().int().min(1).default(100),
  /** Share above which the breach is critical (null: never raised). */
  criticalThreshold: z.number().min(0).max(1).nullable().default(null),
});
export type FailureRateParams = z.output<typeof failureRateParams>;

export const failureRateRule = defineRule<FailureRateParams>()({
  name: 'failure_rate',
  title: 'DMARC failure rate',
  description:
    "A domain's share of messages failing DMARC over the last windowHours hours is above threshold (a share " +
    'from 0 to 1), with at least minMessages messages; above criticalThreshold it is critical.',
  scope: 'domain',
  params: failureRateParams,
  evaluate: async ({ db, orgId, now }, { domain, params: p }) => {
    const { from, to } = windowDays(now, p.windowHours);
    const r = await db.query<{ domain: string; messages: number; failed: number }>(
      `SELECT domain, sum(messages)::int8 AS messages,
         coalesce(sum(messages) FILTER (WHERE ${failsDmarc()}), 0)::int8 AS failed
       FROM rollup_daily
       WHERE org_id = $1 AND day BETWEEN $2::date AND $3::date AND ($4::text IS NULL OR domain = $4)
       GROUP BY domain HAVING sum(messages) >= $5
       ORDER BY domain`,
      [orgId, from, to, domain, p.minMessages],
    );
    return r.rows
      .filter((row) => row.failed / row.messages > p.threshold)
      .map((row) => {
        const rate = row.failed / row.messages;
        const critical = p.criticalThreshold !== null && rate > p.criticalThreshold;
        return {
          domain: row.domain,
          subject: null,
          summary:
            `${row.domain}: ${percent(rate)} of ${count(row.messages)} messages failed DMARC ` +
            `(${from} to ${to}; threshold ${percent(p.threshold)})`,
          figures: { messages: row.messages, failed: row.failed, failureRate: rate, threshold: p.threshold, from, to },
          ...(critical ? { severity: 'critical' as const } : {}),
        };
      });
  },
});
