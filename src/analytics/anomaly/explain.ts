// Why a source scored as it did, in words: the features furthest from normal by robust z-score (distance from
// the training median in MADs), each said the way an administrator reads it ("volume 40× a typical source's
// day", "DMARC fails 100% (usual 2%)", "first seen that day", "country rare for this organisation").
import type { SourceDayFacts } from '../../store/anomaly-features.js';
import type { FeatureName, FeatureStats } from './features.js';
import { standardise } from './features.js';

export interface Reason {
  feature: FeatureName;
  value: number | null;
  /** Robust z-score: (value − median) / scale. */
  z: number;
  text: string;
}

/** Features at least this many robust units from the median are named; at most MAX_REASONS, furthest first. */
const UNUSUAL_Z = 2;
const MAX_REASONS = 4;

const pct = (x: number): string => {
  const p = x * 100;
  return `${p > 0 && p < 1 ? p.toFixed(1) : Math.round(p)}%`;
};
const num = (x: number): string => Math.round(x).toLocaleString('en-US');

function ratioText(value: number, usual: number): string {
  if (usual <= 0) return 'where a typical source sends almost nothing';
  const r = value / usual;
  if (r >= 1.5) return `${r >= 10 ? Math.round(r) : r.toFixed(1)}× a typical source's day (${num(usual)})`;
  if (r <= 0.67) return `1/${Math.round(1 / Math.max(r, 1e-9))} of a typical source's day (${num(usual)})`;
  return `about a typical source's day (${num(usual)})`;
}

function words(s: FeatureStats, v: number, f: SourceDayFacts): string {
  const usualShare = pct(s.mean);
  switch (s.name) {
    case 'log_volume':
      return `volume ${num(f.messages)} messages, ${ratioText(f.messages, Math.expm1(s.median))}`;
    case 'dmarc_fail_share':
      return `DMARC fails ${pct(v)} (usual ${usualShare})`;
    case 'dkim_aligned_share':
      return `DKIM aligned ${pct(v)} (usual ${usualShare})`;
    case 'spf_aligned_share':
      return `SPF aligned ${pct(v)} (usual ${usualShare})`;
    case 'quarantine_share':
      return `quarantined ${pct(v)} (usual ${usualShare})`;
    case 'reject_share':
      return `rejected ${pct(v)} (usual ${usualShare})`;
    case 'domains':
      return `sends for ${num(v)} domain${v === 1 ? '' : 's'} (usual ${num(s.median)})`;
    case 'reporters':
      return `seen by ${num(v)} reporter${v === 1 ? '' : 's'} (usual ${num(s.median)})`;
    case 'days_since_first_seen':
      return v === 0 ? 'first seen that day' : `first seen ${num(v)} day${v === 1 ? '' : 's'} before`;
    case 'country_rarity':
      return `country ${f.country ?? '?'} rare for this organisation (${pct(1 - v)} of its mail)`;
    case 'asn_rarity':
      return `AS${f.asn ?? '?'}${f.asOrg ? ` (${f.asOrg})` : ''} rare for this organisation (${pct(1 - v)} of its mail)`;
    case 'unidentified_sender':
      return v === 1 ? 'sender not identified' : `identified sender${f.sender ? ` (${f.sender})` : ''}`;
    case 'ptr_unconfirmed':
      return v === 0
        ? 'forward-confirmed reverse DNS'
        : f.ptr === null
          ? 'no reverse DNS name'
          : `reverse DNS ${f.ptr} not forward-confirmed`;
  }
}

/** The reasons of one source and day, furthest from normal first; at least one (the furthest) when any differs. */
export function explain(
  stats: readonly FeatureStats[],
  values: Record<FeatureName, number | null>,
  facts: SourceDayFacts,
): Reason[] {
  const all = stats
    .filter((s) => values[s.name] !== null)
    .map((s) => ({ s, v: values[s.name]!, z: standardise(s, values[s.name]) }))
    .filter((x) => Math.abs(x.z) > 1e-9)
    .sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
  const unusual = all.filter((x) => Math.abs(x.z) >= UNUSUAL_Z).slice(0, MAX_REASONS);
  const chosen = unusual.length > 0 ? unusual : all.slice(0, 1);
  // a source new that day, where the organisation's sources are usually older, is worth saying even when the
  // window is too short for its z-score to stand out
  const age = all.find((x) => x.s.name === 'days_since_first_seen');
  if (age && age.v === 0 && age.s.median >= 1 && !chosen.includes(age)) chosen.push(age);
  return chosen.map((x) => ({
    feature: x.s.name,
    value: x.v,
    z: Math.round(x.z * 100) / 100,
    text: words(x.s, x.v, facts),
  }));
}
