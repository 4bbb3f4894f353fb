// A DMARC failure report (RFC 6591 on ARF, RFC 5965; RFC 9991): one message that failed authentication, as the
// receiver described it in its feedback report, with the original message's headers (never its body).

/** One header of the original message, as it appeared (name as written, value unfolded). */
export interface OriginalHeader {
  name: string;
  value: string;
}

export interface FailureReport {
  /** 'arf': a message/feedback-report part; 'prose': fields only in the human-readable text (Exim and others). */
  format: 'arf' | 'prose';
  /** The report mail's sender (From address, lower-case): whose report it is. */
  reporter: string | null;
  /** Feedback-Type: auth-failure for DMARC; abuse, fraud, ... for other ARF reports. */
  feedbackType: string | null;
  userAgent: string | null;
  version: string | null;
  /** Auth-Failure: adsp | bodyhash | revoked | signature | spf | dmarc (RFC 6591, RFC 7489). */
  authFailure: string | null;
  /** Source-IP as an address (a trailing "(host name)" comment removed); null when absent or not an address. */
  sourceIp: string | null;
  reportedDomain: string | null;
  reportedUri: string[];
  originalEnvelopeId: string | null;
  /** Original-Mail-From as written ("" when the reporter sent it empty). */
  originalMailFrom: string | null;
  originalRcptTo: string[];
  /** Arrival-Date as written, and as a UTC instant when it could be read. */
  arrivalDateRaw: string | null;
  arrivalDate: Date | null;
  /** delivered | spam | policy | reject | other, or a reporter's own value (smg-policy-action). */
  deliveryResult: string | null;
  authenticationResults: string[];
  dkimDomain: string | null;
  dkimIdentity: string | null;
  dkimSelector: string | null;
  /** DKIM-Canonicalized-Header: the signed headers; kept only when every header is kept. */
  dkimCanonicalizedHeader: string | null;
  spfDns: string[];
  /** Identity-Alignment: none, or a list such as "dkim,spf". */
  identityAlignment: string | null;
  incidents: number | null;
  /** Every feedback field as written (lower-case names), except those that may hold the message itself. */
  fields: Record<string, string[]>;
  /** What the reporter attached of the original message: all of it, its headers, or nothing. */
  original: 'message' | 'headers' | 'none';
  /** The original message's headers that privacy settings allow to keep. */
  headers: OriginalHeader[];
  /** Hash of the original's Message-ID (the header may not be kept; its hash identifies the report). */
  messageIdHash: string | null;
  warnings: string[];
}
