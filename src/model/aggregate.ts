// The normalised DMARC aggregate report, whatever the reporter's quirks (RFC 7489 App. C and DMARCbis).
// Plain data only: no I/O, no behaviour beyond tiny pure helpers.

export type Alignment = 'r' | 's';
export type PolicyAction = 'none' | 'quarantine' | 'reject';
/** `pass` is DMARCbis (the message passed DMARC, no policy applied). */
export type Disposition = 'none' | 'quarantine' | 'reject' | 'pass';
export const DISPOSITIONS: readonly Disposition[] = ['none', 'quarantine', 'reject', 'pass'];
/** Policy-evaluated (DMARC-aligned) DKIM / SPF result. */
export type AlignedResult = 'pass' | 'fail';
export type DkimResult = 'none' | 'pass' | 'fail' | 'policy' | 'neutral' | 'temperror' | 'permerror';
export type SpfResult = 'none' | 'neutral' | 'pass' | 'fail' | 'softfail' | 'temperror' | 'permerror';
export type SpfScope = 'helo' | 'mfrom';
export type SchemaFlavour = 'rfc7489' | 'dmarcbis';

export interface PolicyPublished {
  adkim: Alignment | null;
  aspf: Alignment | null;
  p: PolicyAction | null;
  sp: PolicyAction | null;
  /** DMARCbis (Google also sends it in 1.0 reports). */
  np: PolicyAction | null;
  /** RFC 7489 only; absent in DMARCbis. */
  pct: number | null;
  fo: string | null;
  /** DMARCbis `t=` tag. */
  testing: 'y' | 'n' | null;
  discoveryMethod: 'psl' | 'treewalk' | null;
}

/**
 * Policy-override reason types: RFC 7489's, and RFC 9990's `policy_test_mode` (the policy was not applied
 * because the record says t=y). RFC 9990 drops forwarded and sampled_out; reports still carry them.
 * Reporters may send others: the type is kept as written (lower-cased), this list is what is known.
 */
export const OVERRIDE_REASONS = [
  'forwarded',
  'sampled_out',
  'trusted_forwarder',
  'mailing_list',
  'local_policy',
  'other',
  'policy_test_mode',
] as const;

export interface PolicyOverrideReason {
  /** Lower-cased override type, e.g. forwarded, local_policy, policy_test_mode (see OVERRIDE_REASONS). */
  type: string;
  comment: string | null;
  /** RFC 9990 `lang` attribute of `<comment>`; absent when the reporter gave none. */
  commentLang?: string;
}

export interface DkimAuthResult {
  domain: string;
  selector: string | null;
  result: DkimResult;
  humanResult: string | null;
  /** RFC 9990 `lang` attribute of `<human_result>`; absent when the reporter gave none. */
  humanResultLang?: string;
}

export interface SpfAuthResult {
  domain: string;
  scope: SpfScope | null;
  result: SpfResult;
  humanResult: string | null;
  /** RFC 9990 `lang` attribute of `<human_result>`; absent when the reporter gave none. */
  humanResultLang?: string;
}

export interface ReportRecord {
  /** Canonical textual IP (IPv6 compressed, lower-case); null when missing or unparseable. */
  sourceIp: string | null;
  /** Messages represented by this row; 0 when unreadable (a warning names the record). */
  count: number;
  disposition: Disposition | null;
  dkim: AlignedResult | null;
  spf: AlignedResult | null;
  reasons: PolicyOverrideReason[];
  headerFrom: string | null;
  envelopeFrom: string | null;
  envelopeTo: string | null;
  dkimResults: DkimAuthResult[];
  spfResults: SpfAuthResult[];
}

/** Everything about a report except its records (which may be streamed in batches). */
export interface AggregateReportHeader {
  /** `<version>` as written, e.g. "1.0", "0.1", "2.0". */
  version: string | null;
  schema: SchemaFlavour;
  /** XML namespace of `<feedback>`, if any. */
  namespace: string | null;
  /** Reporting organisation (`<org_name>`); empty string when the reporter sent none. */
  reporterOrg: string;
  email: string | null;
  extraContactInfo: string | null;
  /** RFC 9990 `lang` attribute of `<extra_contact_info>`; absent when the reporter gave none. */
  extraContactInfoLang?: string;
  reportId: string;
  /** Period, integer Unix seconds UTC; null when missing or unreadable (a warning says so). */
  begin: number | null;
  end: number | null;
  /** Reporter-supplied `<error>` strings. */
  errors: string[];
  /**
   * RFC 9990 `lang` attributes of the `<error>`s, parallel to `errors` (null where one has none); absent when
   * no error has one.
   */
  errorLangs?: (string | null)[];
  /** DMARCbis `<generator>`. */
  generator: string | null;
  /** Policy domain (`policy_published/domain`), lower-cased. */
  domain: string;
  policy: PolicyPublished;
}

/**
 * An extension element (RFC 9990 section 5): a child of `<extension>`, or any element in a namespace other than
 * DMARC's, kept as XML text since what it means is up to its extension. `record` is the 0-based position of
 * the record it sits in; null for report level.
 */
export interface ExtensionElement {
  record: number | null;
  xml: string;
}

export interface AggregateReport extends AggregateReportHeader {
  records: ReportRecord[];
  /** Extension elements in document order (bounded: see the parser). */
  extensions: ExtensionElement[];
  /** Problems that did not sink the report (bad record, unreadable date, ...), each naming what it is about. */
  warnings: string[];
  /** True when the XML was not well-formed and was recovered leniently. */
  recovered: boolean;
}

/** DMARC pass: the policy-evaluated DKIM or SPF result is pass (authenticated and aligned). */
export function recordPassesDmarc(r: Pick<ReportRecord, 'dkim' | 'spf'>): boolean {
  return r.dkim === 'pass' || r.spf === 'pass';
}
