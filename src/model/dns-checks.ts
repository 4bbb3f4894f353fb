// What a DNS check of one policy domain finds: the records as published (DMARC, SPF, the DKIM selectors seen in the
// reports, MTA-STS, TLS-RPT, BIMI), the findings about them (each with what to do), and what changed since the
// check before. Stored per check (dns_checks) and answered by the API as is.

export const FINDING_SEVERITIES = ['error', 'warning', 'info'] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

export const RECORD_KINDS = ['dmarc', 'spf', 'dkim', 'mta_sts', 'tls_rpt', 'bimi'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export interface Finding {
  /** Stable, machine-readable: dmarc_missing, spf_too_many_lookups, dkim_key_weak, ... */
  code: string;
  severity: FindingSeverity;
  /** Plain English: what is wrong and what to do. */
  text: string;
  /** The record kind it is about. */
  record?: RecordKind;
}

/** How the lookup of a record went: found, definitely absent, or not known (the DNS did not answer). */
export type LookupStatus = 'found' | 'missing' | 'unknown';

export interface TxtRecordState {
  /** The name asked for (_dmarc.example.com). */
  name: string;
  status: LookupStatus;
  /** The matching records as published (v=DMARC1...): more than one is itself a finding. */
  records: string[];
  /** Why the status is unknown (a DNS failure), in words. */
  failure?: string;
}

export interface RuaDestination {
  uri: string;
  /** The destination's domain (mailto: the address's domain; https: the host). */
  domain: string | null;
  /** RFC 7489 §7.1: its organisational domain differs from the policy domain's. */
  external: boolean;
  /** External destinations: whether <domain>._report._dmarc.<dest> authorises it (null: could not check). */
  authorised: boolean | null;
}

export interface DmarcState extends TxtRecordState {
  /** The tags of the (first) record, lower-case names. */
  tags: Record<string, string> | null;
  rua: RuaDestination[];
  ruf: RuaDestination[];
}

export interface SpfState extends TxtRecordState {
  /** DNS-querying terms counted towards the limit of 10 (RFC 7208 §4.6.4), recursively. */
  lookups: number | null;
  /** Lookups answering no records (limit 2). */
  voidLookups: number | null;
  /** The `all` term of the top record (+all, ~all, -all, ?all), or null. */
  all: string | null;
  /** Every domain whose SPF record was read (the tree's includes and redirects). */
  includes: string[];
  /** Includes/redirects that lead back to a record already being read ("a → b → a"). */
  loops: string[];
  /** Included or redirected-to domains with no SPF record (a permanent error for receivers). */
  missingIncludes: string[];
  /** Included domains whose record the DNS did not give (timeout, SERVFAIL). */
  uncheckedIncludes: string[];
  /** Syntax errors in included records ("domain: what"). */
  nestedErrors: string[];
  /** The ptr mechanism is used somewhere in the tree (deprecated: slow, unreliable). */
  usesPtr: boolean;
}

export interface DkimSelectorState {
  selector: string;
  /** The d= domain it signs for. */
  domain: string;
  name: string;
  status: LookupStatus;
  /** k= (rsa when absent), or null when there is no key. */
  keyType: string | null;
  /** Key size in bits (RSA), 256 for ed25519; null when unknown. */
  bits: number | null;
  /** p= empty: the key is revoked. */
  revoked: boolean;
  /** Messages seen signed with it in the period the selectors were read from. */
  messages: number;
  failure?: string;
}

export interface DnsRecords {
  dmarc: DmarcState;
  spf: SpfState;
  dkim: DkimSelectorState[];
  mtaSts: TxtRecordState;
  tlsRpt: TxtRecordState;
  bimi: TxtRecordState;
}

export const CHANGE_KINDS = [
  'policy_weakened',
  'policy_strengthened',
  'record_removed',
  'record_added',
  'spf_broken',
  'spf_fixed',
  'selector_gone',
  'record_changed',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** What changed against the check before (none for a first check). */
export interface DnsChange {
  kind: ChangeKind;
  severity: FindingSeverity;
  record: RecordKind;
  text: string;
}

/** A stored check. */
export interface DnsCheck {
  id: number;
  domain: string;
  checkedAt: string;
  records: DnsRecords;
  findings: Finding[];
  changes: DnsChange[];
  /** sha256 of the records as published: equal digests, nothing changed. */
  digest: string;
}
