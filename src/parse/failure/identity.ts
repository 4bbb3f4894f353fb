// The identity of a failure report: one failing message as one reporter saw it. Reporters send one report per
// message, and the same report may come again (a re-sent mail, the same mail in an mbox): those are duplicates.
import { createHash } from 'node:crypto';
import type { FailureReport } from '../../model/failure.js';

/**
 * sha256 over the reporter, the message's identifiers (Original-Envelope-Id and the hash of its Message-ID), the
 * arrival date, the source IP, the reported domain and what failed. Hashed, so that the identity holds no header
 * the privacy settings do not keep.
 */
export function failureIdentity(r: FailureReport): string {
  const parts = [
    r.reporter ?? r.userAgent ?? '',
    r.originalEnvelopeId ?? '',
    r.messageIdHash ?? '',
    r.arrivalDate ? r.arrivalDate.toISOString() : (r.arrivalDateRaw ?? ''),
    r.sourceIp ?? '',
    r.reportedDomain ?? '',
    r.feedbackType ?? '',
    r.authFailure ?? '',
    r.originalMailFrom ?? '',
    r.originalRcptTo.join(','),
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
