// volume_change: a domain's messages on the day checked are more than `factor` times its baseline (up), or less
// than the baseline divided by `factor` (down). The baseline is the mean of the same weekday over the previous
// baselineWeeks weeks (a Monday against Mondays: weekly rhythms are not changes); a day without messages counts
// as 0, and a domain needs messages on at least half of those days to have a baseline at all. The day checked is
// the last one that ended settleHours ago, so that its reports are in (reporters send a day's report within a day).
import { z } from 'zod';
import { addDays, count, dayOf } from '../days.js';
import { defineRule } from './define.js';

export const volumeChangeParams = z.strictObject({
  /** How many times more (or fewer) messages than the baseline is a change. */
  factor: z.number().gt(1).max(1000).default(3),
  /** Weeks of the same weekday the baseline is the mean of. */
  baselineWeeks: z.number().int().min(1).max(12).default(4),
  /** Changes are only counted when the larger of the day and the baseline has at least this many messages. */
  minMessages: z.number().int().min(1).default(100),
  /** Which changes count. */
  direction: z.enum(['both', 'up', 'down']).default('both'),
  /** The day checked is the last one that ended at least this many hours ago. */
  settleHours: z.number().int().min(0).max(168).default(36),
});
export type VolumeChangeParams = z.output<typeof volumeChangeParams>;

export const volumeChangeRule = defineRule<VolumeChangeParams>()({
  name: 'volume_change',
  title: 'Message volume change',
  description:
    "A domain's messages on the last settled day are above (or below) the mean of the same weekday over the " +
    'previous baselineWeeks weeks by more than factor; direction says which changes count.',
  scope: 'domain',
  params: volumeChangeParams,
  evaluate: async ({ db, orgId, now }, { domain, params: p }) => {
    const day = addDays(dayOf(now.getTime() - p.settleHours * 3_600_000), -1);
    const baselineDays = Array.from({ length: p.baselineWeeks }, (_, i) => addDays(day, -7 * (i + 1)));
    const r = await db.query<{ domain: string; day: string; messages: number }>(
      `SELECT domain, to_char(day, 'YYYY-MM-DD') AS day, sum(messages)::int8 AS messages
       FROM rollup_daily
       WHERE org_id = $1 AND day = ANY ($2::date[]) AND ($3::text IS NULL OR domain = $3)
       GROUP BY domain, day HAVING sum(messages) > 0
       ORDER BY domain, day`,
      [orgId, [day, ...baselineDays], domain],
    );
    const byDomain = new Map<string, Map<string, number>>();
    for (const row of r.rows) {
      let days = byDomain.get(row.domain);
      if (!days) byDomain.set(row.domain, (days = new Map()));
      days.set(row.day, row.messages);
    }
    const breaches = [];
    for (const [d, days] of byDomain) {
      const present = baselineDays.filter((b) => days.has(b)).length;
      if (present < Math.ceil(p.baselineWeeks / 2)) continue;
      const baseline = baselineDays.reduce((s, b) => s + (days.get(b) ?? 0), 0) / p.baselineWeeks;
      const messages = days.get(day) ?? 0;
      const up = messages > baseline * p.factor && messages >= p.minMessages;
      const down = messages < baseline / p.factor && baseline >= p.minMessages;
      const direction = up ? 'up' : down ? 'down' : null;
      if (direction === null || (p.direction !== 'both' && p.direction !== direction)) continue;
      const ratio = baseline > 0 ? messages / baseline : null;
      breaches.push({
        domain: d,
        subject: null,
        summary:
          `${d}: ${count(messages)} messages on ${day}, ${direction === 'up' ? 'up' : 'down'} from a baseline of ` +
          `${count(Math.round(baseline))} (the same weekday, ${p.baselineWeeks} weeks; factor ${p.factor})`,
        figures: { day, messages, baseline, ratio, direction, factor: p.factor, baselineDays },
      });
    }
    return breaches;
  },
});
