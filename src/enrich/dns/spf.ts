// SPF records (RFC 7208): the terms of one record, parsed (pure), and the findings about a domain's record and
// the tree of records it includes, as the lookup counter (lookup-counter.ts) read them: syntax, two records,
// the limit of 10 DNS-querying terms and of 2 void lookups (§4.6.4), +all and ?all, includes that do not
// resolve, include loops.
import type { Finding, SpfState } from '../../model/dns-checks.js';

export type Qualifier = '+' | '-' | '~' | '?';

export interface SpfMechanism {
  kind: 'mechanism';
  qualifier: Qualifier;
  name: 'all' | 'include' | 'a' | 'mx' | 'ptr' | 'ip4' | 'ip6' | 'exists';
  /** The domain-spec or address (without the CIDR length); null when the term has none. */
  value: string | null;
}

export interface SpfModifier {
  kind: 'modifier';
  name: string;
  value: string;
}

export type SpfTerm = SpfMechanism | SpfModifier;

export interface ParsedSpf {
  terms: SpfTerm[];
  errors: string[];
}

const MECHANISMS = new Set(['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists']);
/** Mechanisms whose evaluation queries DNS (and counts towards the limit of 10). */
export const LOOKUP_MECHANISMS = new Set(['include', 'a', 'mx', 'ptr', 'exists']);

const IP4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IP6 = /^[0-9a-f:.]+$/i;
const DOMAIN_SPEC = /^[\x21-\x7e]+$/;

/** Whether a domain-spec holds macros (%{i}, ...): then it cannot be resolved without a message. */
export const hasMacro = (spec: string): boolean => spec.includes('%');

/** Parses an SPF record (v=spf1 ...). Pure. */
export function parseSpf(record: string): ParsedSpf {
  const parts = record.trim().split(/\s+/);
  const errors: string[] = [];
  const terms: SpfTerm[] = [];
  if ((parts[0] ?? '').toLowerCase() !== 'v=spf1') errors.push('the record must start with v=spf1');
  const seen = new Set<string>();
  for (const raw of parts.slice(1)) {
    const mod = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(raw);
    if (mod) {
      const name = mod[1]!.toLowerCase();
      if ((name === 'redirect' || name === 'exp') && seen.has(name)) errors.push(`${name}= appears twice`);
      seen.add(name);
      if ((name === 'redirect' || name === 'exp') && !DOMAIN_SPEC.test(mod[2]!)) errors.push(`${raw}: no domain`);
      terms.push({ kind: 'modifier', name, value: mod[2]! });
      continue;
    }
    const m = /^([+\-~?]?)([a-z0-9]+)(?::([^/]*))?((?:\/\d+){0,2})$/i.exec(raw);
    const name = m?.[2]?.toLowerCase();
    if (!m || !name || !MECHANISMS.has(name)) {
      errors.push(`'${raw.slice(0, 60)}' is not an SPF mechanism or modifier`);
      continue;
    }
    const qualifier = (m[1] || '+') as Qualifier;
    const value = m[3] ?? null;
    const cidr = m[4] ?? '';
    const needs = name === 'include' || name === 'exists' || name === 'ip4' || name === 'ip6';
    if (needs && !value) {
      errors.push(`${name} needs a ${name.startsWith('ip') ? 'address' : 'domain'} (${raw})`);
      continue;
    }
    if (name === 'all' && (value !== null || cidr !== '')) errors.push(`'${raw}': all takes no argument`);
    if (name === 'ip4') {
      const len = cidr ? Number(cidr.slice(1)) : 32;
      if (!IP4.test(value!) || cidr.split('/').length > 2 || len > 32)
        errors.push(`'${raw}' is not an IPv4 address or range`);
    }
    if (name === 'ip6') {
      const len = cidr ? Number(cidr.slice(1)) : 128;
      if (!IP6.test(value!) || !value!.includes(':') || cidr.split('/').length > 2 || len > 128) {
        errors.push(`'${raw}' is not an IPv6 address or range`);
      }
    }
    if (value !== null && !name.startsWith('ip') && !DOMAIN_SPEC.test(value)) errors.push(`'${raw}': bad domain`);
    terms.push({ kind: 'mechanism', qualifier, name: name as SpfMechanism['name'], value });
  }
  return { terms, errors };
}

/** The limits of RFC 7208 §4.6.4. */
export const MAX_LOOKUPS = 10;
export const MAX_VOID_LOOKUPS = 2;

/** The findings about a domain's SPF as the lookup counter read it. Pure. */
export function lintSpf(domain: string, state: SpfState): Finding[] {
  const out: Finding[] = [];
  const f = (code: string, severity: Finding['severity'], text: string) =>
    out.push({ code, severity, text, record: 'spf' });
  if (state.status === 'unknown') {
    f(
      'spf_unchecked',
      'warning',
      `Could not check the SPF record of ${domain}: ${state.failure ?? 'DNS error'}. It is checked again at the next run.`,
    );
    return out;
  }
  if (state.status === 'missing') {
    f(
      'spf_missing',
      'warning',
      `${domain} has no SPF record: no mail from it can pass SPF, so DMARC rests on DKIM alone. Publish a TXT record "v=spf1 <your senders> -all" (or "v=spf1 -all" if the domain sends no mail).`,
    );
    return out;
  }
  if (state.records.length > 1) {
    f(
      'spf_multiple',
      'error',
      `${domain} has ${state.records.length} SPF records: receivers treat that as a permanent error and SPF fails for all mail. Merge them into one record.`,
    );
  }
  const parsed = parseSpf(state.records[0]!);
  for (const e of parsed.errors)
    f(
      'spf_syntax',
      'error',
      `The SPF record of ${domain} is invalid: ${e}. Receivers treat it as a permanent error; correct it.`,
    );
  for (const e of state.nestedErrors)
    f(
      'spf_include_syntax',
      'error',
      `An included SPF record is invalid (${e}): SPF fails where it is evaluated. Ask its owner, or remove the include.`,
    );
  if (state.lookups !== null && state.lookups > MAX_LOOKUPS) {
    f(
      'spf_too_many_lookups',
      'error',
      `The SPF record of ${domain} needs ${state.lookups} DNS lookups (include, a, mx, ptr, exists, redirect, counted through every include); the limit is ${MAX_LOOKUPS}. Receivers stop with a permanent error, and SPF fails. Remove includes you no longer use, or replace a and mx with ip4/ip6 ranges.`,
    );
  } else if (state.lookups !== null && state.lookups >= MAX_LOOKUPS - 1) {
    f(
      'spf_lookups_near_limit',
      'warning',
      `The SPF record of ${domain} needs ${state.lookups} of the ${MAX_LOOKUPS} DNS lookups allowed: one more include and SPF fails. Trim it before adding a service.`,
    );
  }
  if (state.voidLookups !== null && state.voidLookups > MAX_VOID_LOOKUPS) {
    f(
      'spf_void_lookups',
      'error',
      `The SPF record of ${domain} has ${state.voidLookups} lookups that find nothing (the limit is ${MAX_VOID_LOOKUPS}): receivers may stop with a permanent error. Remove the terms whose names do not exist.`,
    );
  }
  for (const loop of state.loops)
    f(
      'spf_include_loop',
      'error',
      `The SPF includes form a loop (${loop}): receivers stop with a permanent error. Remove the include that points back.`,
    );
  for (const d of state.missingIncludes)
    f(
      'spf_include_missing',
      'error',
      `The SPF record includes ${d}, which has no SPF record: that is a permanent error and SPF fails. Remove the include or correct the name.`,
    );
  for (const d of state.uncheckedIncludes)
    f(
      'spf_include_unchecked',
      'warning',
      `Could not read the SPF record of ${d} (included by ${domain}): the DNS did not answer. Checked again at the next run.`,
    );
  if (state.usesPtr)
    f(
      'spf_ptr',
      'warning',
      'The SPF record (or one it includes) uses ptr, which RFC 7208 says not to use: it is slow and some receivers ignore it. Use ip4/ip6 or include instead.',
    );
  const all = state.all;
  if (all === '+all')
    f(
      'spf_plus_all',
      'error',
      `The SPF record of ${domain} ends in +all: every server on the internet passes SPF for it. Replace it with -all (or ~all while you check your senders).`,
    );
  else if (all === '?all')
    f(
      'spf_neutral_all',
      'warning',
      `The SPF record of ${domain} ends in ?all (neutral): mail from any server is neither passed nor failed. Use ~all or -all.`,
    );
  else if (all === null && !parsed.terms.some((t) => t.kind === 'modifier' && t.name === 'redirect')) {
    f(
      'spf_no_all',
      'warning',
      `The SPF record of ${domain} has no all term: mail from servers it does not list is "neutral". End it with -all (or ~all).`,
    );
  }
  return out;
}
