// SMTP TLS reports (RFC 8460): JSON parts, parsed whole (they are small) and stored with their policies and
// failure details in one transaction. Duplicates are decided like aggregate reports' (same identity).
import type { TlsReport } from '../../model/tls-report.js';
import { parseTlsReport } from '../../parse/tls/index.js';
import { findTlsReportByIdentity, insertTlsPolicies, insertTlsReportIfNew } from '../../store/tls-reports.js';
import type { ReportKind } from './report-kind.js';

export const tlsKind: ReportKind<Promise<TlsReport>> = {
  kind: 'smtp_tls',
  detect: (part) => part.type === 'tlsrpt',
  parse: (part) => {
    if (part.type !== 'tlsrpt') throw new TypeError(`SMTP TLS reports are JSON, not ${part.type} parts`);
    return parseTlsReport(part.open);
  },
  store: async (ctx, partName, parsed) => {
    const report = await parsed;
    const label = `${report.organizationName} ${report.reportId}`;
    const sessions = report.policies.reduce((a, p) => a + p.successfulSessions + p.failedSessions, 0);
    return ctx.db.transaction(async (tx) => {
      const id = await insertTlsReportIfNew(tx, ctx, partName, report);
      if (id === undefined) {
        const existing = await findTlsReportByIdentity(tx, ctx.orgId, report);
        if (existing?.fileId !== ctx.fileId) return { outcome: 'duplicate' as const };
        return {
          outcome: 'duplicate' as const,
          ownReport: {
            label,
            records: existing.policies,
            messages: existing.sessions,
            warnings: existing.warnings,
            recovered: false,
          },
        };
      }
      await insertTlsPolicies(tx, ctx.orgId, id, report);
      return {
        outcome: 'stored' as const,
        reportId: id,
        domain: report.domain,
        begin: report.start,
        label,
        // a TLS report's "records" are its policies, its "messages" the sessions it counts
        records: report.policies.length,
        messages: sessions,
        warnings: report.warnings,
        recovered: false,
      };
    });
  },
};
