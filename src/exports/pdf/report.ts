// The PDF report of one organisation for a filter (a domain or all, a period): gathered from the analytics
// functions (data.ts), laid out section by section, with "page N of M" on every page. The API route and the CLI
// both call renderReport, so that they give the same document.
import { domainToASCII } from 'node:url';
import type { ScopedFilter } from '../../analytics/filters.js';
import type { Queryable } from '../../store/database.js';
import { isEmpty, reportData, type ReportData } from './data.js';
import { ReportDocument } from './document.js';
import { domainText, periodText } from './format.js';
import { drawCover, drawHeadline, scopeText } from './sections/cover.js';
import { drawNoData } from './sections/empty.js';
import { drawFailures } from './sections/failures.js';
import { drawOverview, drawTimelineTable } from './sections/overview.js';
import { drawPolicy } from './sections/policy.js';
import { drawSenders } from './sections/senders.js';

export type ReportStage = 'querying' | 'drawing' | 'writing';

export interface RenderOptions {
  orgName: string;
  filter: ScopedFilter;
  /** The generation time shown on the cover (default: now). */
  now?: Date;
  /** Told when each stage starts (the CLI's progress on a terminal). */
  onStage?: (stage: ReportStage) => void;
}

export interface RenderedReport {
  pdf: Buffer;
  data: ReportData;
  /** A file name saying what and when: dmarc-report_<domain|all-domains>_<from>_<to>.pdf (ASCII). */
  fileName: string;
  empty: boolean;
  /** Milliseconds spent querying and drawing (the bench prints them). */
  timings: { queryMs: number; drawMs: number };
}

/** Draws the document from the gathered data. */
export async function drawReport(d: ReportData, onStage?: (stage: ReportStage) => void): Promise<Buffer> {
  onStage?.('drawing');
  const r = new ReportDocument({
    title: `DMARC report · ${d.orgName}`,
    subject: `${scopeText(d)}, ${periodText(d.period)}`,
    footer: `${d.orgName} · ${d.domain ?? 'all domains'} · ${periodText(d.period)}`,
    header: `${d.domain === undefined ? 'All domains' : domainText(d.domain)} · ${periodText(d.period)}`,
    createdAt: d.generatedAt,
  });
  drawCover(r, d);
  if (isEmpty(d)) {
    drawNoData(r, d);
  } else {
    drawHeadline(r, d);
    drawOverview(r, d);
    drawSenders(r, d);
    drawFailures(r, d);
    drawPolicy(r, d);
    drawTimelineTable(r, d);
  }
  onStage?.('writing');
  return r.finish();
}

export async function renderReport(db: Queryable, o: RenderOptions): Promise<RenderedReport> {
  const t0 = performance.now();
  o.onStage?.('querying');
  const data = await reportData(db, { orgName: o.orgName, filter: o.filter, now: o.now ?? new Date() });
  const t1 = performance.now();
  const pdf = await drawReport(data, o.onStage);
  const t2 = performance.now();
  return {
    pdf,
    data,
    fileName: reportFileName(data),
    empty: isEmpty(data),
    timings: { queryMs: t1 - t0, drawMs: t2 - t1 },
  };
}

/** ASCII only (an IDN in its xn-- form); anything else that is not a name character becomes '-'. */
export function reportFileName(d: { domain: string | undefined; period: { from: string; to: string } | null }): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'domain';
  const domain = d.domain === undefined ? 'all-domains' : safe(asciiDomain(d.domain));
  const period = d.period ? `${d.period.from}_${d.period.to}` : 'no-period';
  return `dmarc-report_${domain}_${period}.pdf`;
}

function asciiDomain(d: string): string {
  // node:url's domainToASCII returns '' for what is not a domain name
  return /^[\x20-\x7e]*$/.test(d) ? d : domainToASCII(d) || d;
}
