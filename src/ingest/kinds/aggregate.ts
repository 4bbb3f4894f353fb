// DMARC aggregate reports (RFC 7489, DMARCbis): XML parts, parsed as a stream and stored record batch by record
// batch in one transaction with their rollups.
import { parseAggregateXml } from '../../parse/aggregate/index.js';
import type { AggregateEvent } from '../../parse/types.js';
import { storeAggregateReport } from '../store-report.js';
import type { ReportKind } from './report-kind.js';

export const aggregateKind: ReportKind<AsyncGenerator<AggregateEvent>> = {
  kind: 'aggregate',
  detect: (part) => part.type === 'xml',
  parse: (part, ctx) => {
    if (part.type !== 'xml') throw new TypeError(`aggregate reports are XML, not ${part.type} parts`);
    return parseAggregateXml(part.open, { batchSize: ctx.batchSize, maxRecords: ctx.maxRecords });
  },
  store: async (ctx, partName, events) => {
    const r = await storeAggregateReport(
      ctx.db,
      { orgId: ctx.orgId, fileId: ctx.fileId },
      partName,
      events,
      ctx.rollups,
    );
    if (r.outcome === 'empty') return r;
    const label = `${r.header.reporterOrg || '(no org)'} ${r.header.reportId}`;
    if (r.outcome === 'duplicate') {
      const own = r.existing?.fileId === ctx.fileId ? r.existing : undefined;
      if (!own) return { outcome: 'duplicate' };
      const { records, messages, warnings, recovered } = own;
      return { outcome: 'duplicate', ownReport: { label, records, messages, warnings, recovered } };
    }
    return {
      outcome: 'stored',
      reportId: r.reportId,
      domain: r.header.domain,
      begin: r.header.begin,
      label,
      records: r.records,
      messages: r.messages,
      warnings: r.warnings,
      recovered: r.recovered,
    };
  },
};
