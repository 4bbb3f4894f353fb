// The report kinds the pipeline stores, first match wins. TLS-RPT and failure reports join as new entries.
import { aggregateKind } from './aggregate.js';
import { failureKind } from './failure.js';
import type { ReportKind } from './report-kind.js';
import { tlsKind } from './tls.js';

export const REPORT_KINDS: readonly ReportKind[] = [aggregateKind as ReportKind, tlsKind, failureKind];

export function kindOf(part: Parameters<ReportKind['detect']>[0]): ReportKind | undefined {
  return REPORT_KINDS.find((k) => k.detect(part));
}
