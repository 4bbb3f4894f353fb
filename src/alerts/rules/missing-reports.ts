// missing_reports: a reporter (a mailbox provider) that sent reports for a domain on at least minReportDays of the
// historyDays days before the gap has sent none for any of the last `days` days (the gap ends yesterday: today's
// reports are not due yet). The subject is the reporter, so each one that falls silent is its own alert.
import { z } from 'zod';
import { addDays, dayOf } from '../days.js';
import { defineRule } from './define.js';

export const missingReportsParams = z
  .strictObject({
    /** Days without any report (ending yesterday) that make the reporter missing. */
    days: z.number().int().min(1).max(60).default(3),
    /** Days before the gap that say whether the reporter reports daily. */
    historyDays: z.number().int().min(1).max(90).default(14),
    /** Days of the history with a report, for the reporter to count as a daily one. */
    minReportDays: z.number().int().min(1).max(90).default(10),
  })
  .refine((p) => p.minReportDays <= p.historyDays, {
    message: 'minReportDays cannot be more than historyDays',
    path: ['minReportDays'],
  });
export type MissingReportsParams = z.output<typeof missingReportsParams>;

export const missingReportsRule = defineRule<MissingReportsParams>()({
  name: 'missing_reports',
  title: 'Missing reports',
  description:
    'A reporter that sent reports for the domain on at least minReportDays of the historyDays days before has ' +
    'sent none for the last `days` days (ending yesterday).',
  scope: 'domain',
  params: missingReportsParams,
  evaluate: async ({ db, orgId, now }, { domain, params: p }) => {
    const today = dayOf(now);
    const gapFrom = addDays(today, -p.days);
    const historyFrom = addDays(gapFrom, -p.historyDays);
    const r = await db.query<{ domain: string; reporter: string; report_days: number; last_day: string }>(
      `SELECT domain, reporter, count(DISTINCT day)::int AS report_days,
         to_char(max(day), 'YYYY-MM-DD') AS last_day
       FROM reports
       WHERE org_id = $1 AND day >= $2::date AND day <= $3::date AND ($4::text IS NULL OR domain = $4)
       GROUP BY domain, reporter
       HAVING count(*) FILTER (WHERE day >= $5::date) = 0 AND count(DISTINCT day) >= $6
       ORDER BY domain, reporter`,
      [orgId, historyFrom, today, domain, gapFrom, p.minReportDays],
    );
    return r.rows.map((row) => ({
      domain: row.domain,
      subject: row.reporter,
      summary:
        `${row.domain}: no report from ${row.reporter} since ${row.last_day} ` +
        `(it reported on ${row.report_days} of the ${p.historyDays} days before)`,
      figures: {
        reporter: row.reporter,
        lastReportDay: row.last_day,
        reportDays: row.report_days,
        historyFrom,
        gapFrom,
        days: p.days,
      },
    }));
  },
});
