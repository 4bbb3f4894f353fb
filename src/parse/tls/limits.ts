// Bounds on one SMTP TLS report: a reporter's JSON must not make us hold or store without end.

export interface TlsLimits {
  /** Largest JSON document accepted (after decompression), in bytes. */
  maxBytes: number;
  /** Most policies in one report. */
  maxPolicies: number;
  /** Most failure-details entries in one report (all policies together). */
  maxFailureDetails: number;
  /** Longest accepted string field (organisation, report id, additional information, ...). */
  maxFieldLength: number;
}

export const DEFAULT_TLS_LIMITS: TlsLimits = {
  maxBytes: 16 * 1024 * 1024,
  maxPolicies: 1000,
  maxFailureDetails: 100_000,
  maxFieldLength: 2048,
};
