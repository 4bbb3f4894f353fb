// The features of a source IP on one day, from its facts (store/anomaly-features.ts), and their standardisation
// with statistics kept in the model: robust (median and MAD), so that the outliers the model looks for do not
// stretch the scale that measures them. Enrichment features join a model only when the training data has them.
import type { SourceDayFacts } from '../../store/anomaly-features.js';
import type { Matrix } from './isolation-forest.js';

export const FEATURE_NAMES = [
  'log_volume',
  'dmarc_fail_share',
  'dkim_aligned_share',
  'spf_aligned_share',
  'quarantine_share',
  'reject_share',
  'domains',
  'reporters',
  'days_since_first_seen',
  'country_rarity',
  'asn_rarity',
  'unidentified_sender',
  'ptr_unconfirmed',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Present only when sources are enriched (country, AS, reverse DNS) or identified (senders). */
export const ENRICHMENT_FEATURES: readonly FeatureName[] = [
  'country_rarity',
  'asn_rarity',
  'unidentified_sender',
  'ptr_unconfirmed',
];

/** A model keeps an enrichment feature when at least this share of its training rows has a value for it. */
const ENRICHED_SHARE = 0.5;

/** "First seen" older than this counts as this old: a source of two years is as settled as one of one. */
const MAX_AGE_DAYS = 365;

const dayNumber = (d: string): number => Date.parse(`${d}T00:00:00Z`) / 86_400_000;

/** The value of each feature for one source and day; null: unknown (not enriched). */
export function featureValues(f: SourceDayFacts): Record<FeatureName, number | null> {
  const m = f.messages;
  const share = (x: number) => (m > 0 ? x / m : 0);
  const lookedUp = f.dnsStatus !== null && f.dnsStatus !== 'off' && f.dnsStatus !== 'skipped';
  return {
    log_volume: Math.log1p(m),
    dmarc_fail_share: share(f.dmarcFail),
    dkim_aligned_share: share(f.dkimAligned),
    spf_aligned_share: share(f.spfAligned),
    quarantine_share: share(f.quarantined),
    reject_share: share(f.rejected),
    domains: f.domains.length,
    reporters: f.reporters,
    days_since_first_seen: Math.min(MAX_AGE_DAYS, Math.max(0, dayNumber(f.day) - dayNumber(f.firstDay))),
    country_rarity: f.country !== null && f.countryShare !== null ? 1 - f.countryShare : null,
    asn_rarity: f.asn !== null && f.asnShare !== null ? 1 - f.asnShare : null,
    unidentified_sender: f.senderKnown === null ? null : f.senderKnown ? 0 : 1,
    ptr_unconfirmed: lookedUp ? (f.ptr !== null && f.fcrdns === true ? 0 : 1) : null,
  };
}

export interface FeatureStats {
  name: FeatureName;
  median: number;
  /** Median absolute deviation × 1.4826 (σ for normal data). */
  mad: number;
  mean: number;
  std: number;
  /** What one standard unit is: the MAD, else the standard deviation, else 1 (a constant feature). */
  scale: number;
}

function median(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return 0;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

export function statsOf(name: FeatureName, values: readonly number[]): FeatureStats {
  const xs = Float64Array.from(values).sort();
  const med = median(xs);
  const dev = xs.map((x) => Math.abs(x - med)).sort();
  const mad = median(dev) * 1.4826;
  const mean = xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
  const std = xs.length > 0 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) : 0;
  return { name, median: med, mad, mean, std, scale: mad > 1e-9 ? mad : std > 1e-9 ? std : 1 };
}

/** The features a model trained on these rows uses, with their statistics. */
export function fitFeatures(rows: readonly Record<FeatureName, number | null>[]): FeatureStats[] {
  const out: FeatureStats[] = [];
  for (const name of FEATURE_NAMES) {
    const known = rows.map((r) => r[name]).filter((v): v is number => v !== null);
    if (ENRICHMENT_FEATURES.includes(name) && known.length < ENRICHED_SHARE * rows.length) continue;
    out.push(statsOf(name, known));
  }
  return out;
}

/** z = (x − median) / scale for one feature; an unknown value is the median (z = 0). */
export const standardise = (s: FeatureStats, v: number | null): number => (v === null ? 0 : (v - s.median) / s.scale);

/** The standardised rows, one column per feature of the model. */
export function featureMatrix(stats: readonly FeatureStats[], rows: readonly Record<FeatureName, number | null>[]) {
  const width = stats.length;
  const values = new Float64Array(rows.length * width);
  rows.forEach((r, i) => stats.forEach((s, j) => (values[i * width + j] = standardise(s, r[s.name]))));
  return { values, rows: rows.length, width } satisfies Matrix;
}
