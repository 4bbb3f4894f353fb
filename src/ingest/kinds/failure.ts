// DMARC failure reports (RFC 6591 ARF, RFC 9991): one e-mail, one report, stored in one transaction. The file's
// kept bytes are the report's copy without the original message's body (kept-bytes.ts) — made at intake, and
// made again here for files kept before that existed (e.g. stored as unsupported and now reprocessed).
import type { FailureReport } from '../../model/failure.js';
import { parseFailureReport } from '../../parse/failure/index.js';
import { failureIdentity } from '../../parse/failure/identity.js';
import { getFileBytes, replaceFileBytes } from '../../store/files.js';
import { insertFailureReport } from '../../store/failure-reports.js';
import { keptBytesOf } from '../kept-bytes.js';
import type { ReportKind } from './report-kind.js';

export const failureKind: ReportKind<Promise<FailureReport>> = {
  kind: 'failure',
  detect: (part) => part.type === 'arf',
  parse: (part, ctx) => {
    if (part.type !== 'arf') throw new TypeError(`failure reports are e-mails, not ${part.type} parts`);
    return parseFailureReport(part.raw, ctx.failures);
  },
  store: async (ctx, partName, parsed) => {
    const report = await parsed;
    const identity = failureIdentity(report);
    const label = `${report.reporter ?? report.userAgent ?? '(no reporter)'} ${report.reportedDomain ?? '?'}`;
    const r = await ctx.db.transaction(async (tx) => {
      const stored = await insertFailureReport(
        tx,
        { orgId: ctx.orgId, fileId: ctx.fileId, partName, identity },
        report,
      );
      const kept = await getFileBytes(tx, ctx.orgId, ctx.fileId);
      if (kept) {
        const reduced = await keptBytesOf(kept, partName, ctx.failures, ctx.limits);
        if (!Buffer.from(reduced).equals(Buffer.from(kept))) await replaceFileBytes(tx, ctx.orgId, ctx.fileId, reduced);
      }
      return stored;
    });
    if (r.outcome === 'duplicate') {
      if (r.fileId !== ctx.fileId) return { outcome: 'duplicate' };
      return {
        outcome: 'duplicate',
        ownReport: { label, records: 0, messages: 1, warnings: r.warnings, recovered: false },
      };
    }
    return {
      outcome: 'stored',
      reportId: r.id,
      domain: report.reportedDomain ?? '',
      begin: report.arrivalDate ? Math.floor(report.arrivalDate.getTime() / 1000) : null,
      label,
      // one message, and no aggregate records (a file's record count stays that of its aggregate reports)
      records: 0,
      messages: 1,
      warnings: report.warnings,
      recovered: false,
    };
  },
};
