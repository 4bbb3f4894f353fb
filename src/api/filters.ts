// Turns validated query strings into the analytics filter, with the checks JSON Schema cannot express
// (a real calendar date, from <= to, period instead of from/to, an address or CIDR).
import { canonicalReporter } from '../model/reporter-name.js';
import net from 'node:net';
import type { AnalyticsFilter, ScopedFilter } from '../analytics/filters.js';
import { countryName } from '../model/countries.js';
import { validationProblem, type FieldError } from './problem.js';
import type { FilterQueryT } from './schemas/common.js';

function realDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** "192.0.2.1", "2001:db8::1", "192.0.2.0/24", "2001:db8::/32" → canonical text for ::inet; else undefined. */
export function parseAddressOrCidr(text: string): string | undefined {
  const [addr, bits, ...rest] = text.trim().split('/');
  // a zone id (fe80::1%eth0) names an interface of the reporter's host, not an address PostgreSQL can store
  if (rest.length > 0 || addr === undefined || addr.includes('%')) return undefined;
  const family = net.isIP(addr);
  if (family === 0) return undefined;
  if (bits === undefined) return addr.toLowerCase();
  if (!/^\d{1,3}$/.test(bits)) return undefined;
  const n = Number(bits);
  if (n > (family === 4 ? 32 : 128)) return undefined;
  // PostgreSQL's inet accepts host bits set (192.0.2.7/24 is the /24 network for <<=).
  return `${addr.toLowerCase()}/${n}`;
}

/** The validated query's filters, scoped to the request's organisation. */
export function scopedFilter(org: { id: number }, q: FilterQueryT): ScopedFilter {
  return { ...toAnalyticsFilter(q), orgId: org.id };
}

export function toAnalyticsFilter(q: FilterQueryT): AnalyticsFilter {
  const errors: FieldError[] = [];
  const f: AnalyticsFilter = {};
  if (q.domain !== undefined) f.domain = q.domain.trim().toLowerCase().replace(/\.$/, '');
  for (const k of ['from', 'to'] as const) {
    const v = q[k];
    if (v === undefined) continue;
    if (!realDate(v)) errors.push({ field: k, message: `'${v}' is not a calendar date (YYYY-MM-DD)` });
    else f[k] = v;
  }
  if (f.from && f.to && f.from > f.to) errors.push({ field: 'from', message: `must not be after to (${f.to})` });
  if (q.period !== undefined) {
    if (q.from !== undefined || q.to !== undefined) {
      errors.push({ field: 'period', message: `period=${q.period} stands instead of from/to: give one or the other` });
    } else {
      f.period = q.period;
    }
  }
  // A reporter is named as figures group it: "google.com" and "Google" both mean Google (reporter-name.ts).
  if (q.org !== undefined) f.reporter = canonicalReporter(q.org, null);
  if (q.source_ip !== undefined) {
    const ip = parseAddressOrCidr(q.source_ip);
    if (ip === undefined) errors.push({ field: 'source_ip', message: `'${q.source_ip}' is not an IP address or CIDR` });
    else f.sourceIp = ip;
  }
  if (q.disposition !== undefined) f.disposition = q.disposition;
  if (q.dmarc !== undefined) f.dmarc = q.dmarc;
  if (q.country !== undefined) {
    const code = q.country.toUpperCase();
    if (countryName(code) === null) {
      errors.push({
        field: 'country',
        message: `'${q.country}' is not an ISO 3166-1 alpha-2 country code (e.g. DE; ZZ: not located)`,
      });
    } else f.country = code;
  }
  if (q.asn !== undefined) f.asn = q.asn;
  if (q.sender !== undefined) {
    const s = q.sender.trim();
    if (s === '') errors.push({ field: 'sender', message: 'empty: a sender key or name' });
    else f.sender = s;
  }
  if (errors.length > 0) throw validationProblem(errors);
  return f;
}
