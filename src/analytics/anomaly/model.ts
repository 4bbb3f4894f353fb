// A model as trained and kept: the forest over the standardised features, the features' statistics, the training
// rows' score distribution and the threshold of "anomalous". Pure: facts in, model or predictions out.
import type { SourceDayFacts } from '../../store/anomaly-features.js';
import { explain, type Reason } from './explain.js';
import { featureMatrix, featureValues, fitFeatures, type FeatureStats } from './features.js';
import {
  DEFAULT_FOREST_PARAMS,
  forestFromJson,
  forestToJson,
  scoreRows,
  trainForest,
  type ForestJson,
  type ForestParams,
  type IsolationForest,
} from './isolation-forest.js';

export interface TrainOptions extends Partial<ForestParams> {
  /** A score at or above this is anomalous; default: the higher of MIN_THRESHOLD and the training rows' 99th percentile. */
  threshold?: number;
}

/** Below this a score is never anomalous: normal rows score about 0.5 or less, and 0.6–0.7 is "unusual" (a low-volume sender on a forwarding day), not yet an anomaly. */
export const MIN_THRESHOLD = 0.7;
/** The automatic threshold flags at most about this share of the training rows. */
const THRESHOLD_QUANTILE = 0.99;

export interface ScoreDistribution {
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface TrainedModel {
  parameters: ForestParams & { heightLimit: number; sampleSizeUsed: number };
  features: FeatureStats[];
  forest: ForestJson;
  samples: number;
  scoreDistribution: ScoreDistribution;
  threshold: number;
}

export interface Prediction {
  ip: string;
  day: string;
  score: number;
  anomalous: boolean;
  /** The raw feature values and the facts the words quote. */
  features: Record<string, unknown>;
  explanation: Reason[];
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function distributionOf(scores: Float64Array): ScoreDistribution {
  const s = Float64Array.from(scores).sort();
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    min: round(s[0] ?? 0),
    p50: round(quantile(s, 0.5)),
    p90: round(quantile(s, 0.9)),
    p95: round(quantile(s, 0.95)),
    p99: round(quantile(s, THRESHOLD_QUANTILE)),
    max: round(s[s.length - 1] ?? 0),
    mean: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)),
  };
}

/** Trains on the facts (at least one row). */
export function trainModel(facts: readonly SourceDayFacts[], o: TrainOptions = {}): TrainedModel {
  if (facts.length === 0) throw new RangeError('no rows to train on');
  const values = facts.map(featureValues);
  const stats = fitFeatures(values);
  const m = featureMatrix(stats, values);
  const params: ForestParams = {
    trees: o.trees ?? DEFAULT_FOREST_PARAMS.trees,
    sampleSize: o.sampleSize ?? DEFAULT_FOREST_PARAMS.sampleSize,
    seed: o.seed ?? DEFAULT_FOREST_PARAMS.seed,
  };
  const forest = trainForest(m, params);
  const scores = scoreRows(forest, m);
  const scoreDistribution = distributionOf(scores);
  const threshold = o.threshold ?? Math.min(0.99, Math.max(MIN_THRESHOLD, scoreDistribution.p99));
  return {
    parameters: { ...params, heightLimit: forest.heightLimit, sampleSizeUsed: forest.sampleSize },
    features: stats,
    forest: forestToJson(forest),
    samples: facts.length,
    scoreDistribution,
    threshold,
  };
}

/** What scoring needs of a kept model (the forest parsed once). */
export interface ScoringModel {
  features: FeatureStats[];
  forest: IsolationForest;
  threshold: number;
}

export function scoringModel(m: { features: FeatureStats[]; forest: ForestJson; threshold: number }): ScoringModel {
  return { features: m.features, forest: forestFromJson(m.forest), threshold: m.threshold };
}

/** The prediction of each source and day. */
export function predict(model: ScoringModel, facts: readonly SourceDayFacts[]): Prediction[] {
  const values = facts.map(featureValues);
  const scores = scoreRows(model.forest, featureMatrix(model.features, values));
  return facts.map((f, i) => {
    const v = values[i]!;
    const score = Math.round(scores[i]! * 1e6) / 1e6;
    const features: Record<string, unknown> = {};
    for (const s of model.features) features[s.name] = v[s.name];
    Object.assign(features, {
      messages: f.messages,
      domains: f.domains,
      firstDay: f.firstDay,
      country: f.country,
      asn: f.asn,
      asOrg: f.asOrg,
      ptr: f.ptr,
      sender: f.sender,
    });
    // the domain count is a feature; the list of domains is kept beside it for filtering
    features.domainCount = f.domains.length;
    return {
      ip: f.ip,
      day: f.day,
      score,
      anomalous: score >= model.threshold,
      features,
      explanation: explain(model.features, v, f),
    };
  });
}
