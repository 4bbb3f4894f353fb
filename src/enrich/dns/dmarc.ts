// The DMARC record at _dmarc.<domain> (RFC 7489 §6.3, DMARCbis): parsed and linted (syntax, each tag's value, two
// records, no reporting address), its rua/ruf destinations with the external-destination authorisation of RFC 7489
// §7.1 (<domain>._report._dmarc.<destination> TXT v=DMARC1), and the published policy against what the reports
// show. Parsing and linting are pure; checkDmarc does the lookups.
import type { DmarcState, Finding, RuaDestination } from '../../model/dns-checks.js';
import { baseDomainOf, normaliseHostName } from '../base-domain.js';
import type { DnsQueries } from './resolver.js';
import { parseTagList, readTxt } from './txt.js';

export interface ParsedDmarc {
  tags: Map<string, string>;
  errors: string[];
  /** Tags no DMARC version defines (ignored by receivers). */
  unknown: string[];
}

const POLICIES = ['none', 'quarantine', 'reject'];
const KNOWN_TAGS = new Set(['v', 'p', 'sp', 'np', 'pct', 't', 'adkim', 'aspf', 'rua', 'ruf', 'fo', 'ri', 'rf', 'psd']);

/** The DMARC URIs of a rua/ruf value: mailto: or https: URIs, comma-separated, each with an optional !size. */
export function parseDmarcUris(value: string): { uris: string[]; errors: string[] } {
  const uris: string[] = [];
  const errors: string[] = [];
  for (const raw of value.split(',')) {
    const u = raw.trim();
    if (u === '') continue;
    const uri = u.replace(/![0-9]+[kmgt]?$/i, '');
    if (/^mailto:[^@\s]+@[^@\s]+$/i.test(uri) || /^https:\/\/[^\s/]+/i.test(uri)) uris.push(uri);
    else errors.push(`'${u.slice(0, 80)}' is not a mailto: or https: address`);
  }
  return { uris, errors };
}

/** The domain a destination delivers to: the address's domain (mailto:) or the host (https:). */
export function destinationDomain(uri: string): string | null {
  const m = /^mailto:[^@]+@([^?]+)/i.exec(uri);
  if (m) return normaliseHostName(decodeURIComponent(m[1]!));
  const h = /^https:\/\/([^/:?#]+)/i.exec(uri);
  return h ? normaliseHostName(h[1]!) : null;
}

/** Whether a destination domain is external to the policy domain (its organisational domain differs). */
export function isExternal(policyDomain: string, destination: string): boolean {
  const a = baseDomainOf(policyDomain) ?? policyDomain;
  const b = baseDomainOf(destination) ?? destination;
  return a !== b;
}

/** Parses a DMARC record and checks every tag's value. Pure. */
export function parseDmarc(record: string): ParsedDmarc {
  const { tags, errors } = parseTagList(record);
  const first = record.trim().split(';', 1)[0]?.replace(/\s+/g, '');
  if (first !== 'v=DMARC1') errors.push('the record must start with v=DMARC1 (exactly, upper case)');
  const check = (tag: string, ok: (v: string) => boolean, expected: string) => {
    const v = tags.get(tag);
    if (v !== undefined && !ok(v)) errors.push(`${tag}=${v.slice(0, 40)}: expected ${expected}`);
  };
  const policy = (v: string) => POLICIES.includes(v.toLowerCase());
  if (!tags.has('p')) errors.push('the p= tag (the policy) is missing');
  check('p', policy, 'none, quarantine or reject');
  check('sp', policy, 'none, quarantine or reject');
  check('np', policy, 'none, quarantine or reject');
  check('pct', (v) => /^[0-9]{1,3}$/.test(v) && Number(v) <= 100, 'a whole number from 0 to 100');
  check('t', (v) => /^[yn]$/i.test(v), 'y or n');
  check('adkim', (v) => /^[rs]$/i.test(v), 'r (relaxed) or s (strict)');
  check('aspf', (v) => /^[rs]$/i.test(v), 'r (relaxed) or s (strict)');
  check(
    'fo',
    (v) => v.split(':').every((x) => ['0', '1', 'd', 's'].includes(x.trim().toLowerCase())),
    '0, 1, d or s separated by colons',
  );
  check('ri', (v) => /^[0-9]{1,10}$/.test(v), 'a number of seconds');
  check('rf', (v) => v.split(':').every((x) => x.trim().toLowerCase() === 'afrf'), 'afrf');
  check('psd', (v) => /^[ynu]$/i.test(v), 'y, n or u');
  for (const tag of ['rua', 'ruf']) {
    const v = tags.get(tag);
    if (v !== undefined) for (const e of parseDmarcUris(v).errors) errors.push(`${tag}: ${e}`);
  }
  const unknown = [...tags.keys()].filter((t) => !KNOWN_TAGS.has(t));
  return { tags, errors, unknown };
}

const RANK: Record<string, number> = { none: 0, quarantine: 1, reject: 2 };

/** What the reports show as published (the latest report day's policy), to compare with DNS. */
export interface ReportedPolicy {
  p: string | null;
  sp: string | null;
  pct: number | null;
  day: string;
}

/** The findings about a DMARC record as looked up. Pure. */
export function lintDmarc(domain: string, state: DmarcState, reported: ReportedPolicy | null): Finding[] {
  const out: Finding[] = [];
  const f = (code: string, severity: Finding['severity'], text: string) =>
    out.push({ code, severity, text, record: 'dmarc' });
  if (state.status === 'unknown') {
    f(
      'dmarc_unchecked',
      'warning',
      `Could not check the DMARC record at ${state.name}: ${state.failure ?? 'DNS error'}. It is checked again at the next run; if this persists, check the domain's name servers.`,
    );
    return out;
  }
  if (state.status === 'missing') {
    f(
      'dmarc_missing',
      'error',
      `No DMARC record at ${state.name}: receivers apply no policy and send no reports for ${domain}. Publish a TXT record there, e.g. "v=DMARC1; p=none; rua=mailto:dmarc@${domain}", then tighten p as the reports allow.`,
    );
    return out;
  }
  if (state.records.length > 1) {
    f(
      'dmarc_multiple',
      'error',
      `${state.records.length} DMARC records at ${state.name}: receivers then ignore them all (RFC 7489 §6.6.3), as if there were none. Keep one and delete the others.`,
    );
  }
  const parsed = parseDmarc(state.records[0]!);
  for (const e of parsed.errors)
    f('dmarc_syntax', 'error', `The DMARC record at ${state.name} is invalid: ${e}. Correct the record.`);
  if (parsed.unknown.length > 0) {
    f(
      'dmarc_unknown_tag',
      'warning',
      `The DMARC record has tags no receiver knows (${parsed.unknown.join(', ')}): they are ignored. Remove them, or check their spelling.`,
    );
  }
  const t = parsed.tags;
  const p = t.get('p')?.toLowerCase();
  const sp = t.get('sp')?.toLowerCase();
  if (p === 'none')
    f(
      'dmarc_policy_none',
      'info',
      `The policy is p=none: failing mail is delivered as usual (monitoring only). Once the reports show your own senders pass, move to p=quarantine, then p=reject.`,
    );
  if (p && sp && RANK[sp] !== undefined && RANK[p] !== undefined && RANK[sp] < RANK[p]) {
    f(
      'dmarc_sp_weaker',
      'warning',
      `Subdomains have a weaker policy (sp=${sp}) than the domain (p=${p}): spoofers can use any subdomain. Set sp=${p} unless a subdomain still sends unauthenticated mail.`,
    );
  }
  const pct = t.get('pct');
  if (pct !== undefined && /^[0-9]+$/.test(pct) && Number(pct) < 100 && p !== 'none') {
    f(
      'dmarc_pct_partial',
      'warning',
      `pct=${pct}: the policy applies to only ${pct}% of failing mail. Raise it to 100 (or remove pct) once you are confident.`,
    );
  }
  if (t.get('t')?.toLowerCase() === 'y')
    f(
      'dmarc_testing',
      'info',
      'Testing mode is on (t=y): receivers apply the next weaker policy. Remove t=y when you are ready to enforce.',
    );
  if (!t.has('rua'))
    f(
      'dmarc_no_rua',
      'warning',
      `The DMARC record has no rua= address: receivers send no aggregate reports. Add rua=mailto:<the address this platform reads>.`,
    );
  for (const d of [...state.rua, ...state.ruf]) {
    if (!d.external) continue;
    const tag = state.rua.includes(d) ? 'rua' : 'ruf';
    if (d.authorised === false) {
      f(
        'dmarc_external_unauthorised',
        'error',
        `The ${tag} destination ${d.uri} is outside ${domain} and ${d.domain ?? '?'} does not authorise it: receivers drop those reports (RFC 7489 §7.1). Ask its owner to publish TXT "v=DMARC1" at ${domain}._report._dmarc.${d.domain ?? '?'}, or use an address of your own domain.`,
      );
    } else if (d.authorised === null) {
      f(
        'dmarc_external_unchecked',
        'warning',
        `Could not check whether ${d.domain ?? d.uri} authorises ${tag} reports for ${domain} (DNS did not answer). Checked again at the next run.`,
      );
    }
  }
  if (reported && p) {
    const diffs: string[] = [];
    if (reported.p && reported.p.toLowerCase() !== p) diffs.push(`p=${reported.p} in the reports, p=${p} in DNS`);
    const spDns = sp ?? p;
    if (reported.sp && reported.sp.toLowerCase() !== spDns)
      diffs.push(`sp=${reported.sp} in the reports, sp=${spDns} in DNS`);
    const pctDns = pct !== undefined && /^[0-9]+$/.test(pct) ? Number(pct) : 100;
    if (reported.pct !== null && reported.pct !== pctDns)
      diffs.push(`pct=${reported.pct} in the reports, pct=${pctDns} in DNS`);
    if (diffs.length > 0) {
      f(
        'dmarc_reports_differ',
        'warning',
        `The policy the reports of ${reported.day} show differs from the record in DNS (${diffs.join('; ')}). If you changed the record recently, this clears within a day; otherwise another record (a different DNS view, a stale secondary name server) is being served.`,
      );
    }
  }
  return out;
}

/** Looks up the DMARC record of `domain` and the authorisation of its external report destinations. */
export async function checkDmarc(dns: DnsQueries, domain: string): Promise<DmarcState> {
  const txt = await readTxt(dns, `_dmarc.${domain}`, 'DMARC1');
  const state: DmarcState = { ...txt, tags: null, rua: [], ruf: [] };
  if (txt.status !== 'found') return state;
  const parsed = parseDmarc(txt.records[0]!);
  state.tags = Object.fromEntries(parsed.tags);
  // every destination's authorisation at once (a silent server costs one time limit)
  const destinations = (tag: string): Promise<RuaDestination[]> => {
    const v = parsed.tags.get(tag);
    if (v === undefined) return Promise.resolve([]);
    return Promise.all(
      parseDmarcUris(v)
        .uris.slice(0, 10)
        .map(async (uri): Promise<RuaDestination> => {
          const dest = destinationDomain(uri);
          const external = dest !== null && isExternal(domain, dest);
          if (!external) return { uri, domain: dest, external, authorised: true };
          const a = await readTxt(dns, `${domain}._report._dmarc.${dest}`, 'DMARC1');
          return { uri, domain: dest, external, authorised: a.status === 'unknown' ? null : a.status === 'found' };
        }),
    );
  };
  [state.rua, state.ruf] = await Promise.all([destinations('rua'), destinations('ruf')]);
  return state;
}
