// The shapes of the anomaly detection routes (routes/models.ts, routes/anomalies.ts).
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { DateString, DateTimeString, Nullable } from './common.js';

export const FeatureStatsT = Type.Object({
  name: Type.String(),
  median: Type.Number(),
  mad: Type.Number({ description: 'Median absolute deviation × 1.4826' }),
  mean: Type.Number(),
  std: Type.Number(),
  scale: Type.Number({ description: 'One robust unit of the z-scores: the MAD, else the standard deviation, else 1' }),
});

export const ModelT = Type.Object({
  id: Type.Integer(),
  version: Type.Integer({ description: '1, 2, 3, ... per organisation' }),
  kind: Type.String(),
  active: Type.Boolean(),
  parameters: Type.Object({
    trees: Type.Integer(),
    sampleSize: Type.Integer({ description: 'ψ asked for' }),
    sampleSizeUsed: Type.Integer({ description: 'ψ used: fewer training rows than asked, all of them' }),
    heightLimit: Type.Integer(),
    seed: Type.Integer(),
  }),
  features: Type.Array(FeatureStatsT),
  windowFrom: DateString,
  windowTo: DateString,
  samples: Type.Integer({ description: 'Training rows: source IPs × days' }),
  scoreDistribution: Type.Object({
    min: Type.Number(),
    p50: Type.Number(),
    p90: Type.Number(),
    p95: Type.Number(),
    p99: Type.Number(),
    max: Type.Number(),
    mean: Type.Number(),
  }),
  threshold: Type.Number({ description: 'A score at or above this is anomalous' }),
  createdBy: Nullable(Type.String({ description: "The user's e-mail; null: the scheduled train-model task" })),
  createdAt: DateTimeString,
  predictions: Type.Integer(),
  anomalous: Type.Integer(),
});

export const TrainBody = Type.Object(
  {
    from: Type.Optional(DateString),
    to: Type.Optional(DateString),
    trees: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    sampleSize: Type.Optional(Type.Integer({ minimum: 2, maximum: 4096, default: 256, description: 'ψ' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295, default: 42 })),
    threshold: Type.Optional(
      Type.Number({
        minimum: 0.5,
        maximum: 0.99,
        description: "Default: the higher of 0.7 and the 99th percentile of the training rows' scores",
      }),
    ),
  },
  { additionalProperties: false },
);

export const TrainAnswer = Type.Object({
  model: ModelT,
  activated: Type.Boolean({ description: 'The new model is the active one' }),
  pruned: Type.Integer({ description: 'Old versions deleted (DMARC_ANOMALY_KEEP_VERSIONS)' }),
});

export const ReasonT = Type.Object({
  feature: Type.String(),
  value: Nullable(Type.Number()),
  z: Type.Number({ description: 'Robust z-score: (value − median) / scale' }),
  text: Type.String({ description: 'In words, e.g. "DMARC fails 100% (usual 2%)"' }),
});

export const PredictionT = Type.Object({
  ip: Type.String(),
  day: DateString,
  score: Type.Number({
    description: 'Isolation Forest score 2^(−E[h(x)]/c(ψ)): near 1 anomalous, 0.5 and below normal',
  }),
  anomalous: Type.Boolean(),
  modelId: Type.Integer(),
  modelVersion: Type.Integer(),
  features: Type.Record(Type.String(), Type.Unknown(), {
    description: 'The raw feature values and the facts the words quote (messages, domains, country, asn, ptr)',
  }),
  explanation: Type.Array(ReasonT),
  createdAt: DateTimeString,
});

export const DetectBody = Type.Object(
  { from: Type.Optional(DateString), to: Type.Optional(DateString) },
  { additionalProperties: false },
);

export const DetectAnswer = Type.Object({
  modelId: Type.Integer(),
  version: Type.Integer(),
  from: Nullable(DateString),
  to: Nullable(DateString),
  predictions: Type.Integer(),
  anomalous: Type.Integer(),
  top: Type.Array(Type.Object({ ip: Type.String(), day: DateString, score: Type.Number() })),
});

/** preValidation of a POST whose body is all optional: no body at all is the empty object (the defaults). */
export async function emptyBodyIsDefaults(req: FastifyRequest): Promise<void> {
  if (req.body === undefined || req.body === null) req.body = {};
}
