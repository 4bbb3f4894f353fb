// The kinds of report side by side on the Reports page: aggregate (RFC 7489), SMTP TLS (RFC 8460) and failure
// (RFC 6591). Only the aggregate tab keeps the dashboard's filters: the other lists take filters of their own.
import type { JSX } from 'preact';
import { Link } from '../router';

export type ReportKind = 'aggregate' | 'tls' | 'failure';

export const REPORT_KIND_HREFS: Record<ReportKind, string> = {
  aggregate: '/reports',
  tls: '/reports/tls',
  failure: '/reports/failures',
};

const TABS: { key: ReportKind; label: string }[] = [
  { key: 'aggregate', label: 'Aggregate' },
  { key: 'tls', label: 'SMTP TLS' },
  { key: 'failure', label: 'Failure' },
];

export function ReportTabs({ current, aggregateHref }: { current: ReportKind; aggregateHref?: string }): JSX.Element {
  return (
    <nav class="tabs" aria-label="Kinds of report" data-testid="report-tabs">
      {TABS.map((t) => (
        <Link
          key={t.key}
          href={t.key === 'aggregate' && aggregateHref ? aggregateHref : REPORT_KIND_HREFS[t.key]}
          aria-current={t.key === current ? 'page' : undefined}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
