// Value normalisation for aggregate reports: enums, numbers, timestamps, domains and IP addresses.
// Each function takes trimmed element text and returns the typed value, or `undefined` when the text is not
// a valid value (the caller decides between null + warning and other fallbacks). Nothing here invents data.
import type {
  AlignedResult,
  Alignment,
  Disposition,
  DkimResult,
  PolicyAction,
  SpfResult,
  SpfScope,
} from '../../model/aggregate.js';
import { ipFamily } from './ip-family.js';

type Lookup<T> = ReadonlyMap<string, T>;

function lookup<T>(table: Lookup<T>, text: string): T | undefined {
  // Most reporters already send lower case; only lower-case when the exact text misses.
  return table.get(text) ?? table.get(text.toLowerCase());
}

function identity<T extends string>(values: readonly T[]): Map<string, T> {
  return new Map(values.map((v) => [v, v]));
}

const ALIGNMENT: Lookup<Alignment> = new Map<string, Alignment>([
  ['r', 'r'],
  ['s', 's'],
  ['relaxed', 'r'],
  ['strict', 's'],
]);
const POLICY_ACTION = identity<PolicyAction>(['none', 'quarantine', 'reject']);
const DISPOSITION = identity<Disposition>(['none', 'quarantine', 'reject', 'pass']);
const ALIGNED = identity<AlignedResult>(['pass', 'fail']);
const DKIM = identity<DkimResult>(['none', 'pass', 'fail', 'policy', 'neutral', 'temperror', 'permerror']);
const SPF = identity<SpfResult>(['none', 'neutral', 'pass', 'fail', 'softfail', 'temperror', 'permerror']);
// Pre-RFC 7208 SPF result names: RFC 4408 called permerror "unknown" in its drafts and temperror "error";
// "hardfail" is what many tools call SPF "-all" fail.
SPF.set('hardfail', 'fail');
SPF.set('unknown', 'permerror');
SPF.set('error', 'temperror');
const SPF_SCOPE = identity<SpfScope>(['helo', 'mfrom']);
const TESTING = identity<'y' | 'n'>(['y', 'n']);
const DISCOVERY = identity<'psl' | 'treewalk'>(['psl', 'treewalk']);

export const parseAlignment = (t: string): Alignment | undefined => lookup(ALIGNMENT, t);
export const parsePolicyAction = (t: string): PolicyAction | undefined => lookup(POLICY_ACTION, t);
export const parseDisposition = (t: string): Disposition | undefined => lookup(DISPOSITION, t);
export const parseAlignedResult = (t: string): AlignedResult | undefined => lookup(ALIGNED, t);
export const parseDkimResult = (t: string): DkimResult | undefined => lookup(DKIM, t);
export const parseSpfResult = (t: string): SpfResult | undefined => lookup(SPF, t);
export const parseSpfScope = (t: string): SpfScope | undefined => lookup(SPF_SCOPE, t);
export const parseTesting = (t: string): 'y' | 'n' | undefined => lookup(TESTING, t);
export const parseDiscoveryMethod = (t: string): 'psl' | 'treewalk' | undefined => lookup(DISCOVERY, t);

/** Human list of accepted values, for warnings. */
export const EXPECTED = {
  alignment: 'r|s',
  policyAction: 'none|quarantine|reject',
  disposition: 'none|quarantine|reject|pass',
  aligned: 'pass|fail',
  dkim: [...DKIM.keys()].join('|'),
  spf: 'none|neutral|pass|fail|softfail|temperror|permerror',
  scope: 'helo|mfrom',
  testing: 'y|n',
  discovery: 'psl|treewalk',
} as const;

// BCP 47 language tag, loosely (RFC 5646 section 2.1's shape, no registry check): "en", "de-CH", "zh-Hant-TW".
const LANGUAGE_TAG = /^[a-z]{1,8}(?:-[a-z0-9]{1,8})*$/i;
/** Longest tag accepted (RFC 5646 section 4.4.1 asks for at least 35 characters to be kept). */
const MAX_LANGUAGE_TAG = 35;

/** An RFC 9990 `lang` attribute value, as written (trimmed); undefined when it is not a language tag. */
export function parseLanguageTag(t: string): string | undefined {
  const v = t.trim();
  return v.length <= MAX_LANGUAGE_TAG && LANGUAGE_TAG.test(v) ? v : undefined;
}

const UNSIGNED_DECIMAL = /^\+?\d+(?:\.\d*)?$/;
const WHOLE = /^\+?\d+(?:\.0*)?$/;

/** Unix seconds; decimals are floored ("1700000000.5" → 1700000000). Negative or non-numeric → undefined. */
export function parseUnixSeconds(t: string): number | undefined {
  if (!UNSIGNED_DECIMAL.test(t)) return undefined;
  const n = Math.floor(Number(t));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Seconds after this are milliseconds written by mistake (13 digits; no report begins after the year 5000). */
const MAX_PLAUSIBLE_SECONDS = 100_000_000_000;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A date_range bound as reporters write it when they break the schema: milliseconds instead of seconds, or an
 * ISO 8601 date/time (UTC when it names no zone). `how` says which, for the warning; undefined when unreadable.
 */
export function parseLenientTimestamp(t: string): { seconds: number; how: 'milliseconds' | 'date' } | undefined {
  const n = parseUnixSeconds(t);
  if (n !== undefined) {
    return n >= MAX_PLAUSIBLE_SECONDS ? { seconds: Math.floor(n / 1000), how: 'milliseconds' } : undefined;
  }
  const m = ISO_DATE_TIME.exec(t);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', sec = '00', zone] = m;
  const z = zone === undefined || zone.toUpperCase() === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}${z}`);
  // Date.parse may roll an impossible date over (Feb 30 → Mar 2): the local date must round-trip.
  if (Number.isNaN(ms) || ms < 0) return undefined;
  const back = new Date(ms + (z === 'Z' ? 0 : zoneOffsetMs(z)));
  if (back.getUTCFullYear() !== Number(y) || back.getUTCMonth() + 1 !== Number(mo) || back.getUTCDate() !== Number(d))
    return undefined;
  return { seconds: Math.floor(ms / 1000), how: 'date' };
}

function zoneOffsetMs(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hh, mm] = zone.slice(1).split(':').map(Number);
  return sign * ((hh ?? 0) * 60 + (mm ?? 0)) * 60_000;
}

/** A non-negative integer, also written as "5.0". */
export function parseWholeNumber(t: string): number | undefined {
  if (!WHOLE.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** `pct`: an integer 0..100. */
export function parsePercent(t: string): number | undefined {
  const n = parseWholeNumber(t);
  return n !== undefined && n <= 100 ? n : undefined;
}

/** Domains compare case-insensitively and the root dot is optional: lower-case, drop one trailing dot. */
export function normaliseDomain(t: string): string {
  const lower = t.toLowerCase();
  return lower.length > 1 && lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

const MAPPED_V4 = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/**
 * Canonical textual IP address, or undefined when `t` is not one. IPv4 stays as written (ipFamily rejects
 * leading zeros, so it is already canonical); IPv6 is lower-cased and compressed (RFC 5952). IPv4-mapped
 * IPv6 addresses stay IPv6 (the reporter saw an IPv6 peer), written `::ffff:a.b.c.d` as RFC 5952 §5 and
 * PostgreSQL's inet output do. Zone ids (`%eth0`) are rejected: they mean nothing outside the reporter's host.
 */
export function canonicalIp(text: string): string | undefined {
  let t = text;
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1).trim();
  const family = ipFamily(t);
  if (family === 4) return t;
  if (family !== 6 || t.includes('%')) return undefined;
  let host: string;
  try {
    host = new URL(`http://[${t}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const mapped = MAPPED_V4.exec(host);
  if (mapped) {
    const hi = parseInt(mapped[1] ?? '0', 16);
    const lo = parseInt(mapped[2] ?? '0', 16);
    return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return host;
}

/** Quote a reporter's value for a warning, bounded so a huge bogus value cannot bloat the warning list. */
export function quote(t: string): string {
  return t.length > 80 ? `'${t.slice(0, 77)}...'` : `'${t}'`;
}
