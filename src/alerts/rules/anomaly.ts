// anomaly: a source IP that the organisation's active anomaly model (analytics/anomaly/, the detect-anomalies
// task) marked anomalous on a report day of the last windowDays days, with a score of at least minScore (default:
// the model's own threshold). One breach per source, its highest-scoring day, with the model's words; a source
// stays one alert while it keeps being anomalous (its fingerprint is the address) and resolves when it stops.
import { z } from 'zod';
import { anomalousSources } from '../../store/ml-predictions.js';
import { addDays, count } from '../days.js';
import { defineRule } from './define.js';

export const anomalyParams = z.strictObject({
  /** Report days looked at, ending today (reports arrive a day or two after the day they cover). */
  windowDays: z.number().int().min(1).max(30).default(3),
  /** The lowest score that alerts; absent: the model's threshold (its "anomalous"). */
  minScore: z.number().gt(0).lt(1).optional(),
  /** The score from which the alert is critical. */
  criticalScore: z.number().gt(0).max(1).default(0.8),
});
export type AnomalyParams = z.output<typeof anomalyParams>;

export const anomalyRule = defineRule<AnomalyParams>()({
  name: 'anomaly',
  title: 'Anomalous source',
  description:
    "The organisation's active anomaly model marked a source anomalous on a report day of the last windowDays " +
    'days (score at least minScore when given, else the model’s threshold); the alert says why in words.',
  scope: 'organisation',
  params: anomalyParams,
  evaluate: async ({ db, orgId, now }, { params: p }) => {
    const to = now.toISOString().slice(0, 10);
    const rows = await anomalousSources(db, orgId, { from: addDays(to, -(p.windowDays - 1)), to });
    return rows
      .filter((r) => p.minScore === undefined || r.score >= p.minScore)
      .sort((a, b) => b.score - a.score || a.ip.localeCompare(b.ip))
      .map((r) => {
        const messages = typeof r.features.messages === 'number' ? r.features.messages : null;
        const why = r.explanation.map((e) => e.text).join('; ');
        return {
          domain: null,
          subject: r.ip,
          summary:
            `source ${r.ip} anomalous on ${r.day} (score ${r.score.toFixed(2)}` +
            `${messages !== null ? `, ${count(messages)} messages` : ''})${why ? `: ${why}` : ''}`,
          figures: {
            source: r.ip,
            day: r.day,
            score: r.score,
            modelId: r.modelId,
            modelVersion: r.modelVersion,
            domains: r.features.domains ?? [],
            reasons: r.explanation.map((e) => e.text),
          },
          ...(r.score >= p.criticalScore ? { severity: 'critical' as const } : {}),
        };
      });
  },
});
