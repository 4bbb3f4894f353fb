// Scores an organisation's sources on some days with its active model and keeps the predictions (replacing that
// model's earlier predictions of those days: reports of a day keep arriving for a few days). Default days: the
// DEFAULT_DETECT_DAYS ending with the organisation's last day of data.
import { sourceDayFacts, sourceDaySpan } from '../../store/anomaly-features.js';
import type { Database } from '../../store/database.js';
import { activeModel } from '../../store/ml-models.js';
import { replacePredictions } from '../../store/ml-predictions.js';
import { addDays } from './days.js';
import { NoActiveModelError } from './errors.js';
import type { FeatureStats } from './features.js';
import type { ForestJson } from './isolation-forest.js';
import { predict, scoringModel } from './model.js';
import { DEFAULT_TRAINING_DAYS } from './train.js';

export const DEFAULT_DETECT_DAYS = 7;

export interface DetectOutcome {
  modelId: number;
  version: number;
  from: string | null;
  to: string | null;
  predictions: number;
  anomalous: number;
  /** The new anomalous sources, highest score first (at most 20). */
  top: { ip: string; day: string; score: number }[];
}

export async function detectAnomalies(
  db: Database,
  orgId: number,
  days: { from?: string; to?: string } = {},
): Promise<DetectOutcome> {
  const stored = await activeModel(db, orgId);
  if (!stored) throw new NoActiveModelError();
  const model = scoringModel({
    features: stored.features as unknown as FeatureStats[],
    forest: stored.forest as ForestJson,
    threshold: stored.threshold,
  });
  const base = { modelId: stored.id, version: stored.version };
  const span = await sourceDaySpan(db, orgId);
  if (span === null && (!days.from || !days.to)) {
    return { ...base, from: null, to: null, predictions: 0, anomalous: 0, top: [] };
  }
  const to = days.to ?? (days.from ? addDays(days.from, DEFAULT_DETECT_DAYS - 1) : span!.last);
  const from = days.from ?? addDays(to, -(DEFAULT_DETECT_DAYS - 1));
  const facts = await sourceDayFacts(db, orgId, {
    from,
    to,
    referenceFrom: addDays(from, -(DEFAULT_TRAINING_DAYS - 1)),
  });
  const predictions = predict(model, facts);
  await replacePredictions(db, orgId, stored.id, { from, to }, predictions);
  const anomalous = predictions.filter((p) => p.anomalous).sort((a, b) => b.score - a.score);
  return {
    ...base,
    from,
    to,
    predictions: predictions.length,
    anomalous: anomalous.length,
    top: anomalous.slice(0, 20).map((p) => ({ ip: p.ip, day: p.day, score: p.score })),
  };
}
