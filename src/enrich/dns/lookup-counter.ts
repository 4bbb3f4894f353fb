// Walks a domain's SPF record and every record it includes or redirects to, as a receiver would, and counts the
// DNS-querying terms (include, a, mx, ptr, exists, redirect: the limit is 10, RFC 7208 §4.6.4) and the void
// lookups (a query answering no records: the limit is 2), noting loops, includes without a record, includes the
// DNS did not give, and syntax errors in included records. Macros cannot be expanded without a message: such a
// term counts as one lookup and is not followed.
import type { SpfState } from '../../model/dns-checks.js';
import { isDefiniteAbsence, type DnsQueries } from './resolver.js';
import { LOOKUP_MECHANISMS, hasMacro, parseSpf, type SpfModifier } from './spf.js';
import { readTxt } from './txt.js';

/** Records read in one tree, at most (receivers stop at 10 lookups; this leaves room to show how far over). */
const MAX_RECORDS = 40;

interface Walk {
  lookups: number;
  voidLookups: number;
  includes: string[];
  loops: string[];
  missing: string[];
  unchecked: string[];
  nestedErrors: string[];
  usesPtr: boolean;
}

const SPF_SEP = /\s/;

async function walk(dns: DnsQueries, domain: string, records: string[], stack: string[], w: Walk): Promise<void> {
  const parsed = parseSpf(records[0]!);
  if (stack.length > 1 && parsed.errors.length > 0) w.nestedErrors.push(`${domain}: ${parsed.errors[0]!}`);
  if (stack.length > 1 && records.length > 1) w.nestedErrors.push(`${domain}: ${records.length} SPF records`);
  const hasAll = parsed.terms.some((t) => t.kind === 'mechanism' && t.name === 'all');
  const follow = async (target: string): Promise<void> => {
    const t = target.toLowerCase().replace(/\.$/, '');
    if (stack.includes(t)) {
      w.loops.push([...stack, t].join(' → '));
      return;
    }
    if (w.includes.length >= MAX_RECORDS) return;
    const txt = await readTxt(dns, t, 'spf1', SPF_SEP);
    w.includes.push(t);
    if (txt.status === 'missing') {
      w.missing.push(t);
      w.voidLookups++;
    } else if (txt.status === 'unknown') {
      w.unchecked.push(t);
    } else {
      await walk(dns, t, txt.records, [...stack, t], w);
    }
  };
  for (const term of parsed.terms) {
    if (term.kind === 'modifier') continue;
    if (!LOOKUP_MECHANISMS.has(term.name)) continue;
    w.lookups++;
    const target = term.value ?? domain;
    if (term.name === 'ptr') {
      w.usesPtr = true;
      continue;
    }
    if (hasMacro(target) || term.name === 'exists') continue;
    if (term.name === 'include') await follow(target);
    else {
      const a = term.name === 'mx' ? await dns.mx(target) : await dns.addresses(target);
      if (!a.ok && isDefiniteAbsence(a.failure)) w.voidLookups++;
    }
  }
  const redirect = parsed.terms.find((t): t is SpfModifier => t.kind === 'modifier' && t.name === 'redirect');
  if (redirect && !hasAll) {
    w.lookups++;
    if (!hasMacro(redirect.value)) await follow(redirect.value);
  }
}

/** Reads the SPF record of `domain` and counts its tree. */
export async function checkSpf(dns: DnsQueries, domain: string): Promise<SpfState> {
  const txt = await readTxt(dns, domain, 'spf1', SPF_SEP);
  const empty = {
    lookups: null,
    voidLookups: null,
    all: null,
    includes: [],
    loops: [],
    missingIncludes: [],
    uncheckedIncludes: [],
    nestedErrors: [],
    usesPtr: false,
  };
  if (txt.status !== 'found') return { ...txt, ...empty };
  const w: Walk = {
    lookups: 0,
    voidLookups: 0,
    includes: [],
    loops: [],
    missing: [],
    unchecked: [],
    nestedErrors: [],
    usesPtr: false,
  };
  await walk(dns, domain, txt.records, [domain.toLowerCase()], w);
  const top = parseSpf(txt.records[0]!);
  const all = top.terms.find((t) => t.kind === 'mechanism' && t.name === 'all');
  return {
    ...txt,
    lookups: w.lookups,
    voidLookups: w.voidLookups,
    all: all && all.kind === 'mechanism' ? `${all.qualifier}all` : null,
    includes: w.includes,
    loops: w.loops,
    missingIncludes: w.missing,
    uncheckedIncludes: w.unchecked,
    nestedErrors: w.nestedErrors,
    usesPtr: w.usesPtr,
  };
}
