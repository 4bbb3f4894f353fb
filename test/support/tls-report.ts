// Synthetic SMTP TLS reports (RFC 8460) for the tests: one policy, optionally with failure details.
export interface TlsReportSpec {
  org?: string;
  reportId?: string;
  domain?: string;
  /** Unix seconds of the period's start (a day long). */
  start?: number;
  ok?: number;
  /** Failed sessions by result type (one failure detail each). */
  failures?: Record<string, number>;
}

export function tlsReportJson(s: TlsReportSpec = {}): string {
  const start = s.start ?? 1_700_006_400;
  const iso = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
  const failures = Object.entries(s.failures ?? {});
  return JSON.stringify({
    'organization-name': s.org ?? 'Google Inc.',
    'date-range': { 'start-datetime': iso(start), 'end-datetime': iso(start + 86_399) },
    'contact-info': 'smtp-tls-reporting@google.com',
    'report-id': s.reportId ?? `${iso(start)}_${s.domain ?? 'tls.example'}`,
    policies: [
      {
        policy: {
          'policy-type': 'sts',
          'policy-string': ['version: STSv1', 'mode: enforce', 'mx: mx.tls.example', 'max_age: 86400'],
          'policy-domain': s.domain ?? 'tls.example',
          'mx-host': ['mx.tls.example'],
        },
        summary: {
          'total-successful-session-count': s.ok ?? 10,
          'total-failure-session-count': failures.reduce((a, [, n]) => a + n, 0),
        },
        'failure-details': failures.map(([type, n], i) => ({
          'result-type': type,
          'sending-mta-ip': `192.0.2.${i + 1}`,
          'receiving-mx-hostname': 'mx.tls.example',
          'receiving-ip': '198.51.100.7',
          'failed-session-count': n,
          'additional-information': 'https://tls.example/why',
        })),
      },
    ],
  });
}
