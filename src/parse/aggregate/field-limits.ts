// How long a report's text fields may be. A report's identity (reporter, report id, policy domain) is indexed
// in the database, whose index entries hold at most ~2.7 kB: those fields are capped well below that and a report
// beyond a cap is refused (no real reporter sends a 256-character report id). Free text (comments, human
// results, contact info) is cut at a generous length with a warning, since the report is still worth keeping.
// The policy domain must also be a domain name: it is shown and filtered on everywhere.

/** Most characters of org_name and report_id. */
export const MAX_IDENTITY_CHARS = 256;
/** Most characters of a domain name (RFC 1035: 253 in text form). */
export const MAX_DOMAIN_CHARS = 253;
/** Most characters kept of any other text field. */
export const MAX_TEXT_CHARS = 1024;

/** Labels of letters (any script, for IDNs), digits, '_' and inner '-', 1-63 characters each. */
const LABEL = /^[\p{L}\p{N}_](?:[\p{L}\p{N}_-]{0,61}[\p{L}\p{N}_])?$/u;

/** Whether a (lower-cased, trailing-dot-less) name is a domain name. */
export function isDomainName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_DOMAIN_CHARS) return false;
  return name.split('.').every((label) => LABEL.test(label));
}

export const formatCount = (n: number): string => n.toLocaleString('en-US');
