// Number, percent, change and date formatting: honest numbers (a rate just under 100% never reads as 100%,
// a tiny share never reads as 0%), always the same locale so that figures compare across screens.

const LOCALE = 'en-US';
const integer = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });

/** 12345 → "12,345"; null/undefined → "—". */
export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return integer.format(n);
}

/** Short axis labels: 950 → "950", 12,300 → "12.3K", 4,500,000 → "4.5M". */
export function formatCompact(n: number): string {
  const abs = Math.abs(n);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, unit] of units) {
    if (abs >= size) {
      const v = n / size;
      const text = Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, '');
      return `${text}${unit}`;
    }
  }
  return integer.format(n);
}

/**
 * A fraction 0..1 as a percentage: 0.7536 → "75.4%". Never rounds a rate below 1 up to "100%" nor one above 0
 * down to "0%" (0.99996 → "99.9%", 0.00004 → "<0.1%"); null → "—".
 */
export function formatPercent(rate: number | null | undefined, digits = 1): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  const pct = rate * 100;
  const step = 10 ** -digits;
  let text = pct.toFixed(digits);
  if (rate < 1 && Number(text) >= 100) text = (100 - step).toFixed(digits);
  else if (rate > 0 && Number(text) <= 0) return `<${step.toFixed(digits)}%`;
  return `${text}%`;
}

export type Tone = 'good' | 'bad' | 'neutral';

export interface Change {
  text: string;
  /** Direction for arrows and colour: up, down or flat. */
  direction: 'up' | 'down' | 'flat';
  /** Screen-reader wording, e.g. "up 12.5% from the previous period". */
  label: string;
}

/**
 * A relative change (delta / previous) as "+12.5%" / "−3.0%". `previous` tells what null means: a change from
 * nothing ("new") or nothing at all ("—").
 */
export function formatChange(change: number | null, current: number, previous: number): Change {
  if (change === null) {
    if (previous === 0 && current > 0) return { text: 'new', direction: 'up', label: 'none in the previous period' };
    return { text: '—', direction: 'flat', label: 'no change from the previous period' };
  }
  if (change === 0) return { text: '±0%', direction: 'flat', label: 'no change from the previous period' };
  const pct = Math.abs(change * 100);
  const shown = pct < 0.1 ? '<0.1' : pct >= 1000 ? integer.format(pct) : pct.toFixed(1);
  const direction = change > 0 ? 'up' : 'down';
  return {
    text: `${change > 0 ? '+' : '−'}${shown}%`,
    direction,
    label: `${direction} ${shown}% from the previous period`,
  };
}

/** A difference of two rates (fractions) in percentage points: 0.021 → "+2.1 pp". */
export function formatPointsChange(delta: number | null): Change {
  if (delta === null) return { text: '—', direction: 'flat', label: 'no previous rate to compare' };
  const pp = delta * 100;
  if (Math.abs(pp) < 0.05) return { text: '±0 pp', direction: 'flat', label: 'no change from the previous period' };
  const direction = pp > 0 ? 'up' : 'down';
  const shown = Math.abs(pp).toFixed(1);
  return {
    text: `${pp > 0 ? '+' : '−'}${shown} pp`,
    direction,
    label: `${direction} ${shown} percentage points from the previous period`,
  };
}

/** Whether a direction is good news for a figure (more failures is bad; more compliance is good). */
export function toneOf(direction: Change['direction'], higherIsBetter: boolean | null): Tone {
  if (direction === 'flat' || higherIsBetter === null) return 'neutral';
  return (direction === 'up') === higherIsBetter ? 'good' : 'bad';
}

const dateFmt = new Intl.DateTimeFormat(LOCALE, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
const dateTimeFmt = new Intl.DateTimeFormat(LOCALE, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
});

/** "2024-06-13" → "Jun 13, 2024" (UTC dates stay the same day everywhere). */
export function formatDate(day: string | null | undefined): string {
  if (!day) return '—';
  const d = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? day : dateFmt.format(d);
}

/** An ISO timestamp as "Jun 13, 2024, 14:05 UTC". */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${dateTimeFmt.format(d)} UTC`;
}

/** 1536 → "1.5 KB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** Singular or plural: plural(1, 'report') → "1 report", plural(3, 'report') → "3 reports". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatNumber(n)} ${n === 1 ? word : many}`;
}

/** What an enrichment says of where an address is: "Berlin, Berlin, Germany", or its reserved range. */
export function placeText(
  e: {
    city: string | null;
    region: string | null;
    country: string | null;
    countryName: string | null;
    reserved: string | null;
  } | null,
): string | null {
  if (!e) return null;
  const place = [e.city, e.region, e.countryName ?? e.country].filter(Boolean).join(', ');
  return place || (e.reserved ? `reserved range (${e.reserved})` : null);
}

/** "AS3320 Deutsche Telekom AG", or null without an AS. */
export function networkText(e: { asn: number | null; asOrg: string | null } | null): string | null {
  return e?.asn != null ? `AS${e.asn}${e.asOrg ? ` ${e.asOrg}` : ''}` : null;
}
