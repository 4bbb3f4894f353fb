// What of the original message a failure report may keep (DMARC_FAILURE_KEEP_HEADERS, DMARC_FAILURE_HEADERS):
// never its body; every header only when asked; by default From, To, Subject and Message-ID.
import type { OriginalHeader } from '../../model/failure.js';

export interface FailurePrivacy {
  /** Keep every header of the original message (DMARC_FAILURE_KEEP_HEADERS=true). */
  keepAllHeaders: boolean;
  /** Otherwise only these (compared case-insensitively). */
  headers: readonly string[];
}

/** The privacy settings and the retention of failure reports (config.failures). */
export interface FailureSettings extends FailurePrivacy {
  /** DMARC_FAILURE_RETENTION_DAYS. */
  retentionDays: number;
}

export const DEFAULT_FAILURE_HEADERS = ['From', 'To', 'Subject', 'Message-ID'] as const;

export const DEFAULT_FAILURE_PRIVACY: FailurePrivacy = { keepAllHeaders: false, headers: DEFAULT_FAILURE_HEADERS };

export const DEFAULT_FAILURE_RETENTION_DAYS = 30;

export function keepsHeader(privacy: FailurePrivacy, name: string): boolean {
  if (privacy.keepAllHeaders) return true;
  const lower = name.toLowerCase();
  return privacy.headers.some((h) => h.toLowerCase() === lower);
}

export function keptHeaders(headers: readonly OriginalHeader[], privacy: FailurePrivacy): OriginalHeader[] {
  return headers.filter((h) => keepsHeader(privacy, h.name)).map((h) => ({ name: h.name, value: h.value }));
}

/**
 * Feedback fields that may carry the message itself: DKIM-Canonicalized-Body is the (base64) canonicalized body,
 * never kept; DKIM-Canonicalized-Header holds every signed header, kept only when every header is.
 */
export function keepsFeedbackField(privacy: FailurePrivacy, name: string): boolean {
  const lower = name.toLowerCase();
  if (lower === 'dkim-canonicalized-body') return false;
  if (lower === 'dkim-canonicalized-header') return privacy.keepAllHeaders;
  return true;
}
