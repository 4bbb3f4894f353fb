// The normalised SMTP TLS report (RFC 8460), whatever the reporter's quirks. Plain data only.

/** RFC 8460 §4.3 policy types; anything else a reporter sends is kept as given (and warned about). */
export const TLS_POLICY_TYPES = ['sts', 'tlsa', 'no-policy-found'] as const;
export type TlsPolicyType = (typeof TLS_POLICY_TYPES)[number];

/** RFC 8460 §4.3 result types (IANA "STARTTLS Validation Result Types"); others are kept as given. */
export const TLS_RESULT_TYPES = [
  'starttls-not-supported',
  'certificate-host-mismatch',
  'certificate-expired',
  'certificate-not-trusted',
  'validation-failure',
  'tlsa-invalid',
  'dnssec-invalid',
  'dane-required',
  'sts-policy-fetch-error',
  'sts-policy-invalid',
  'sts-webpki-invalid',
] as const;

export interface TlsFailureDetail {
  resultType: string;
  sendingMtaIp: string | null;
  receivingMxHostname: string | null;
  receivingMxHelo: string | null;
  receivingIp: string | null;
  failedSessionCount: number;
  additionalInformation: string | null;
  failureReasonCode: string | null;
}

export interface TlsPolicy {
  /** As sent: one of TLS_POLICY_TYPES, or a reporter's own value. */
  policyType: string;
  /** The policy's lines (MTA-STS policy text, TLSA records); empty when not sent. */
  policyString: string[];
  /** Lower-cased; null when the reporter left it out. */
  policyDomain: string | null;
  mxHost: string[];
  successfulSessions: number;
  failedSessions: number;
  failureDetails: TlsFailureDetail[];
}

export interface TlsReport {
  organizationName: string;
  contactInfo: string | null;
  reportId: string;
  /** Unix seconds, UTC. */
  start: number;
  end: number;
  /** The policy domain the report is about: its policies' domain (the first one given). */
  domain: string;
  policies: TlsPolicy[];
  warnings: string[];
}
