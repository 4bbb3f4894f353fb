// Who is this sending IP? One answer from all of its evidence together — reverse DNS, the DKIM signing domains
// and selectors and the SPF domains seen in its records, its autonomous system — scored against the catalogue,
// with a confidence and the reason in words. Senders the catalogue does not know are grouped (by PTR base
// domain, else by AS), so that a list of sources is never hundreds of loose addresses. Pure: no DNS, no clock.
//
// Scoring (per candidate service, the best item of each kind counts once):
//   PTR forward-confirmed 6 · PTR not checked (fcrdns unknown) 4 · PTR NOT forward-confirmed 1
//   DKIM d= a catalogue domain 4 · DKIM selector characteristic of a service 2
//   SPF domain 4 · AS number 2
// The highest score wins. Ties: the candidate named by the PTR (the IP's operator), then the one with more
// kinds of evidence, then the owner of a shared pattern (Google over Google Groups on a bare google.com PTR),
// then catalogue order. Every losing candidate is kept in `alternatives` and its evidence in `evidence`.
//
// Confidence (kinds of evidence that agree with the winner; strong = PTR confirmed or not checked, DKIM d=,
// SPF; weak = PTR not forward-confirmed, DKIM selector, ASN):
//   high   two kinds or more, one of them strong      medium  one strong kind, or two weak kinds
//   low    one weak kind (an ASN, an unconfirmed PTR or a selector alone)
// then one step lower (high → medium → low) when evidence about the IP itself contradicts the winner: a
// forward-confirmed or unchecked PTR, or an SPF domain, that names another service — or a forward-confirmed
// PTR outside the catalogue (mail forwarded by someone else's server keeps its DKIM signature). A DKIM d= that
// names another service never lowers it: gateways, forwarders and ESPs relay mail signed by others.
//
// The evidence is expected to be trustworthy as given: the caller passes DKIM domains whose signature verified
// and SPF domains whose check passed (a failed one says nothing about who sent), and the PTR's base domain as
// the enrichment computed it (public-suffix aware).
import type { SenderType } from './catalogue.js';
import { CATALOGUE_INDEX, type CatalogueIndex, type IndexedService, type PatternMatch } from './catalogue-index.js';
import { normaliseName } from './domain-name.js';

export type EvidenceKind = 'ptr' | 'dkim' | 'spf' | 'asn' | 'rule';
export type Confidence = 'high' | 'medium' | 'low';
export type IdentifiedType = SenderType | 'unknown' | 'own';

/** What is known of one source IP. */
export interface SenderEvidence {
  ip: string;
  /** Reverse DNS name. */
  ptr?: string | null;
  /** Does the PTR name resolve back to the IP? null/undefined: not checked. */
  fcrdns?: boolean | null;
  /** The PTR's registrable domain (public-suffix aware), as the enrichment computed it. */
  ptrBaseDomain?: string | null;
  asn?: number | null;
  asOrg?: string | null;
  /** DKIM d= domains that verified in this IP's records. */
  dkimDomains: readonly string[];
  /** DKIM s= selectors of those signatures. */
  dkimSelectors?: readonly string[];
  /** SPF (envelope-from / HELO) domains that passed in this IP's records. */
  spfDomains: readonly string[];
}

/** One piece of evidence and what it said. */
export interface EvidenceItem {
  kind: EvidenceKind;
  /** As given (normalised): the PTR name, the d= domain, the selector, the SPF domain, the AS number. */
  value: string;
  /** In words: `PTR o1.sendgrid.net (forward-confirmed)`, `DKIM d=sendgrid.net`, `AS11377 (SendGrid)`. */
  label: string;
  /** Did it match a catalogue pattern? */
  matched: boolean;
  /** The catalogue pattern it matched (`sendgrid.net` for `o1.sendgrid.net`), or null. */
  pattern: string | null;
  /** Catalogue ids of the services that pattern names. */
  services: string[];
  /** Points it gives each of those services. */
  points: number;
  /** Strong evidence (see the confidence rules above). */
  strong: boolean;
  /** Does it count for the identified sender? */
  supports: boolean;
  /** PTR items only: the forward confirmation as given. */
  fcrdns?: boolean | null;
}

export interface Alternative {
  id: string;
  name: string;
  score: number;
}

export interface SenderIdentification {
  /** Stable: a catalogue id; `ptr:<base domain>`, `asn:<number>` or `unknown` for groups; `own:<name>` by rule. */
  key: string;
  /** The service's name, or the group's (the PTR base domain, the AS organisation). */
  sender: string;
  type: IdentifiedType;
  /** A catalogue service (or a user's own server), not a group. */
  known: boolean;
  /** null for unknown groups. */
  confidence: Confidence | null;
  /** The winner's score (0 for groups). */
  score: number;
  evidence: EvidenceItem[];
  /** The other candidate services, best first. */
  alternatives: Alternative[];
  /** The reason in plain English. */
  reason: string;
}

export const POINTS = {
  ptrConfirmed: 6,
  ptrUnchecked: 4,
  ptrUnconfirmed: 1,
  dkimDomain: 4,
  dkimSelector: 2,
  spf: 4,
  asn: 2,
} as const;

type ScoredKind = 'ptr' | 'dkim' | 'spf' | 'asn';

interface Slot {
  points: number;
  strong: boolean;
  owned: boolean;
}

interface Candidate {
  service: IndexedService;
  slots: Map<ScoredKind, Slot>;
  score: number;
  borrowed: number;
}

export function identifySender(
  evidence: SenderEvidence,
  index: CatalogueIndex = CATALOGUE_INDEX,
): SenderIdentification {
  const items: EvidenceItem[] = [];
  const claimsOf = new Map<EvidenceItem, PatternMatch>();
  const candidates = new Map<IndexedService, Candidate>();

  const add = (item: EvidenceItem, match: PatternMatch | null) => {
    items.push(item);
    if (!match) return;
    item.matched = true;
    item.pattern = match.pattern;
    claimsOf.set(item, match);
    const kind = item.kind as ScoredKind;
    for (const claim of match.claims) {
      item.services.push(claim.service.id);
      let c = candidates.get(claim.service);
      if (!c) {
        c = { service: claim.service, slots: new Map(), score: 0, borrowed: 0 };
        candidates.set(claim.service, c);
      }
      const slot = c.slots.get(kind);
      if (!slot || item.points > slot.points || (item.points === slot.points && claim.owned && !slot.owned)) {
        c.slots.set(kind, { points: item.points, strong: item.strong, owned: claim.owned });
      }
    }
  };

  // PTR: the full name when known (its suffixes include the base domain), else the base domain alone.
  const ptr = normaliseName(evidence.ptr);
  const ptrBase = normaliseName(evidence.ptrBaseDomain);
  const ptrName = ptr ?? ptrBase;
  const fcrdns = evidence.fcrdns ?? null;
  if (ptrName !== null) {
    const points =
      fcrdns === true ? POINTS.ptrConfirmed : fcrdns === false ? POINTS.ptrUnconfirmed : POINTS.ptrUnchecked;
    const how = fcrdns === true ? 'forward-confirmed' : fcrdns === false ? 'not forward-confirmed' : 'not checked';
    add(
      item(
        'ptr',
        ptrName,
        `${ptr === null ? 'PTR base domain' : 'PTR'} ${ptrName} (${how})`,
        points,
        fcrdns !== false,
        {
          fcrdns,
        },
      ),
      index.matchName('ptr', ptrName),
    );
  }
  for (const d of uniqueNames(evidence.dkimDomains)) {
    add(item('dkim', d, `DKIM d=${d}`, POINTS.dkimDomain, true), index.matchName('dkim', d));
  }
  for (const s of uniqueNames(evidence.dkimSelectors ?? [])) {
    add(item('dkim', s, `DKIM selector s=${s}`, POINTS.dkimSelector, false), index.matchExact('selector', s));
  }
  for (const d of uniqueNames(evidence.spfDomains)) {
    add(item('spf', d, `SPF domain ${d}`, POINTS.spf, true), index.matchName('spf', d));
  }
  const asn = validAsn(evidence.asn);
  const asOrg = evidence.asOrg?.trim() || null;
  if (asn !== null) {
    const label = asOrg ? `AS${asn} (${asOrg})` : `AS${asn}`;
    add(item('asn', String(asn), label, POINTS.asn, false), index.matchExact('asn', String(asn)));
  }

  const ranked = [...candidates.values()];
  for (const c of ranked) {
    for (const slot of c.slots.values()) {
      c.score += slot.points;
      if (!slot.owned) c.borrowed++;
    }
  }
  ranked.sort(compareCandidates);

  const winner = ranked[0];
  if (!winner) return group(items, ptrBase, fcrdns, asn, asOrg);

  for (const it of items) it.supports = it.services.includes(winner.service.id);
  const alternatives = ranked.slice(1).map((c) => ({ id: c.service.id, name: c.service.name, score: c.score }));
  const contradicting = items.filter((it) => contradicts(it));
  const confidence = lower(baseConfidence(winner), contradicting.length > 0);
  return {
    key: winner.service.id,
    sender: winner.service.name,
    type: winner.service.type,
    known: true,
    confidence,
    score: winner.score,
    evidence: items,
    alternatives,
    reason: knownReason(winner, items, index, contradicting),
  };
}

function item(
  kind: EvidenceKind,
  value: string,
  label: string,
  points: number,
  strong: boolean,
  extra: { fcrdns?: boolean | null } = {},
): EvidenceItem {
  return { kind, value, label, matched: false, pattern: null, services: [], points, strong, supports: false, ...extra };
}

function uniqueNames(values: readonly string[]): string[] {
  const out = new Set<string>();
  for (const v of values) {
    const n = normaliseName(v);
    if (n !== null) out.add(n);
  }
  return [...out];
}

function validAsn(asn: number | null | undefined): number | null {
  return typeof asn === 'number' && Number.isInteger(asn) && asn > 0 && asn <= 4_294_967_295 ? asn : null;
}

function compareCandidates(a: Candidate, b: Candidate): number {
  return (
    b.score - a.score ||
    Number(b.slots.has('ptr')) - Number(a.slots.has('ptr')) ||
    b.slots.size - a.slots.size ||
    a.borrowed - b.borrowed ||
    a.service.order - b.service.order
  );
}

function baseConfidence(c: Candidate): Confidence {
  let strong = 0;
  for (const slot of c.slots.values()) if (slot.strong) strong++;
  const kinds = c.slots.size;
  if (kinds >= 2) return strong >= 1 ? 'high' : 'medium';
  return strong === 1 ? 'medium' : 'low';
}

function lower(c: Confidence, contradicted: boolean): Confidence {
  if (!contradicted) return c;
  return c === 'high' ? 'medium' : 'low';
}

/** Strong evidence about the IP itself (PTR, SPF) that does not back the winner. */
function contradicts(it: EvidenceItem): boolean {
  if (it.supports || !it.strong) return false;
  if (it.kind === 'spf') return it.matched;
  if (it.kind === 'ptr') return it.matched || it.fcrdns === true;
  return false;
}

function knownReason(
  winner: Candidate,
  items: EvidenceItem[],
  index: CatalogueIndex,
  contradicting: EvidenceItem[],
): string {
  const supporting = items.filter((it) => it.supports).map((it) => it.label);
  let reason = `${joinWords(supporting)} ${supporting.length === 1 ? 'matches' : 'match'} ${winner.service.name}`;
  const outweighed = items.filter((it) => it.matched && !it.supports);
  if (outweighed.length > 0) {
    const parts = outweighed.map((it) => {
      const names = it.services.map((id) => index.service(id)?.name ?? id);
      return `${it.label} points to ${joinWords(names, 'or')}`;
    });
    reason += `; outweighed: ${parts.join('; ')}`;
  }
  const unknownPtr = contradicting.find((it) => it.kind === 'ptr' && !it.matched);
  if (unknownPtr) reason += `; ${unknownPtr.label} is not a catalogue domain`;
  if (contradicting.length > 0) reason += '; confidence lowered: evidence about the IP disagrees';
  return reason;
}

/** No catalogue service: the group the source belongs to. */
function group(
  items: EvidenceItem[],
  ptrBase: string | null,
  fcrdns: boolean | null,
  asn: number | null,
  asOrg: string | null,
): SenderIdentification {
  const base = {
    type: 'unknown' as const,
    known: false,
    confidence: null,
    score: 0,
    evidence: items,
    alternatives: [],
  };
  const none = 'No catalogue service matches';
  // An unconfirmed PTR name is whatever the address's owner chose to write: group by the network instead when
  // there is one.
  if (ptrBase !== null && !(fcrdns === false && asn !== null)) {
    return {
      ...base,
      key: `ptr:${ptrBase}`,
      sender: ptrBase,
      reason: `${none}; grouped by PTR base domain ${ptrBase}`,
    };
  }
  if (asn !== null) {
    const sender = asOrg ? `${asOrg} (AS${asn})` : `AS${asn}`;
    const why = ptrBase !== null ? ` (the PTR ${ptrBase} is not forward-confirmed)` : '';
    return { ...base, key: `asn:${asn}`, sender, reason: `${none}; grouped by ${sender}${why}` };
  }
  return { ...base, key: 'unknown', sender: 'Unknown', reason: `${none}, and there is no PTR or AS to group by` };
}

function joinWords(words: string[], conj = 'and'): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} ${conj} ${words[words.length - 1]}`;
}
