// How the report writes numbers, rates, changes, dates and domains (one place, so that every section agrees).
import { domainToUnicode } from 'node:url';

const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function num(n: number): string {
  return INT.format(n);
}

/** A rate 0..1 as a percentage with one decimal; '–' when there is none. */
export function pct(rate: number | null): string {
  return rate === null ? '–' : `${(rate * 100).toFixed(1)}%`;
}

export function share(part: number, whole: number): string {
  return pct(whole > 0 ? part / whole : null);
}

export interface Change {
  text: string;
  /** 'up' / 'down' / 'flat', and whether the movement is good news (for the colour). */
  direction: 'up' | 'down' | 'flat' | 'none';
}

/** The relative change of a count against the previous period ("+12.5%"), or "new" / "no change". */
export function countChange(current: number, previous: number): Change {
  if (previous === 0 && current === 0) return { text: 'no change', direction: 'flat' };
  if (previous === 0) return { text: 'new this period', direction: 'up' };
  const c = (current - previous) / previous;
  if (Math.abs(c) < 0.0005) return { text: 'no change', direction: 'flat' };
  return { text: `${c > 0 ? '+' : '−'}${Math.abs(c * 100).toFixed(1)}%`, direction: c > 0 ? 'up' : 'down' };
}

/** The change of a rate in percentage points ("+1.2 pp"). */
export function rateChange(current: number | null, previous: number | null): Change {
  if (current === null || previous === null) return { text: 'no previous figure', direction: 'none' };
  const d = (current - previous) * 100;
  if (Math.abs(d) < 0.05) return { text: 'no change', direction: 'flat' };
  return { text: `${d > 0 ? '+' : '−'}${Math.abs(d).toFixed(1)} pp`, direction: d > 0 ? 'up' : 'down' };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** '2026-03-01' → '1 Mar 2026'. */
export function day(d: string): string {
  const [y, m, dd] = d.split('-');
  return `${Number(dd)} ${MONTHS[Number(m) - 1] ?? m} ${y}`;
}

export function periodText(p: { from: string; to: string; days?: number } | null): string {
  if (!p) return 'reports without a readable period';
  const span = p.from === p.to ? day(p.from) : `${day(p.from)} – ${day(p.to)}`;
  return p.days ? `${span} (${p.days} day${p.days === 1 ? '' : 's'})` : span;
}

/** '2026-12-03 11:40 UTC'. */
export function timestamp(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A domain as people read it: an IDN (xn--) also in Unicode. */
export function domainText(d: string): string {
  if (!/(^|\.)xn--/i.test(d)) return d;
  const u = domainToUnicode(d);
  return u && u !== d ? `${u} (${d})` : d;
}

export function list(items: string[], max = 6): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
