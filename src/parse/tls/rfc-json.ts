// A TlsReport back in RFC 8460's own field names (for `dmarc parse --json`, where scripts expect the RFC's
// vocabulary), with what normalisation added: the report's domain and its warnings.
import type { TlsReport } from '../../model/tls-report.js';

const iso = (s: number): string => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

export function tlsReportRfcJson(r: TlsReport): Record<string, unknown> {
  return {
    'organization-name': r.organizationName,
    'date-range': { 'start-datetime': iso(r.start), 'end-datetime': iso(r.end) },
    'contact-info': r.contactInfo,
    'report-id': r.reportId,
    domain: r.domain,
    policies: r.policies.map((p) => ({
      policy: {
        'policy-type': p.policyType,
        'policy-string': p.policyString,
        'policy-domain': p.policyDomain,
        'mx-host': p.mxHost,
      },
      summary: {
        'total-successful-session-count': p.successfulSessions,
        'total-failure-session-count': p.failedSessions,
      },
      'failure-details': p.failureDetails.map((d) => ({
        'result-type': d.resultType,
        'sending-mta-ip': d.sendingMtaIp,
        'receiving-mx-hostname': d.receivingMxHostname,
        'receiving-mx-helo': d.receivingMxHelo,
        'receiving-ip': d.receivingIp,
        'failed-session-count': d.failedSessionCount,
        'additional-information': d.additionalInformation,
        'failure-reason-code': d.failureReasonCode,
      })),
    })),
    warnings: r.warnings,
  };
}
