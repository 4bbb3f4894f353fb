// JSON content: recognise SMTP TLS reports (RFC 8460); any other JSON is not a report we know.

/** Top-level members of an RFC 8460 report; real reports have all of them except, sometimes, contact-info. */
const TLS_RPT_KEYS = ['organization-name', 'date-range', 'report-id', 'policies'] as const;

export type JsonKind = 'smtp_tls' | 'other_json' | 'not_json';

/**
 * Classifies JSON from its head. A complete document is parsed; a longer one (reports with many failure details)
 * is judged by the top-level keys visible in the head.
 */
export function classifyJson(head: Uint8Array, complete: boolean): JsonKind {
  const text = new TextDecoder('utf-8').decode(head);
  if (complete) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return 'not_json';
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'other_json';
    const present = TLS_RPT_KEYS.filter((key) => key in value);
    return present.includes('policies') && present.length >= 2 ? 'smtp_tls' : 'other_json';
  }
  const present = TLS_RPT_KEYS.filter((key) => new RegExp(`"${key}"\\s*:`).test(text));
  return present.length >= 2 ? 'smtp_tls' : 'other_json';
}

/** Cheap check for TLS-RPT JSON pasted into an e-mail body. */
export function mentionsTlsRptKeys(text: string): boolean {
  return TLS_RPT_KEYS.filter((key) => text.includes(`"${key}"`)).length >= 3;
}
