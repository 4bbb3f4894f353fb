// Builders for synthetic aggregate reports and small collectors used by the aggregate parser tests.
import { expect } from 'vitest';
import type { AggregateReport } from '../../../src/model/aggregate.js';
import {
  type AggregateParseOptions,
  bytesSource,
  parseAggregateReport,
  parseAggregateXml,
} from '../../../src/parse/aggregate/index.js';
import { type AggregateEvent, type ByteSource, ParseFailure } from '../../../src/parse/types.js';

export const METADATA =
  '<report_metadata><org_name>Example Org</org_name><email>dmarc@example.org</email>' +
  '<report_id>r-1</report_id><date_range><begin>1700000000</begin><end>1700086399</end></date_range>' +
  '</report_metadata>';

export const POLICY =
  '<policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp>' +
  '<pct>100</pct></policy_published>';

export interface RecordSpec {
  ip?: string;
  count?: string;
  disposition?: string;
  dkim?: string;
  spf?: string;
  /** Extra XML inside <policy_evaluated>, e.g. reasons. */
  evaluated?: string;
  identifiers?: string;
  authResults?: string;
}

export function record(spec: RecordSpec = {}): string {
  const {
    ip = '192.0.2.1',
    count = '1',
    disposition = 'none',
    dkim = 'pass',
    spf = 'pass',
    evaluated = '',
    identifiers = '<header_from>example.com</header_from>',
    authResults = '<dkim><domain>example.com</domain><result>pass</result></dkim><spf><domain>example.com</domain><result>pass</result></spf>',
  } = spec;
  return (
    `<record><row><source_ip>${ip}</source_ip><count>${count}</count><policy_evaluated>` +
    `<disposition>${disposition}</disposition><dkim>${dkim}</dkim><spf>${spf}</spf>${evaluated}</policy_evaluated></row>` +
    `<identifiers>${identifiers}</identifiers><auth_results>${authResults}</auth_results></record>`
  );
}

export interface ReportSpec {
  metadata?: string;
  policy?: string;
  records?: string[];
  /** Attributes of <feedback>, e.g. ` xmlns="…"`. */
  attrs?: string;
  /** Children placed before report_metadata (e.g. <version>). */
  head?: string;
  declaration?: string;
}

export function reportXml(spec: ReportSpec = {}): string {
  const {
    metadata = METADATA,
    policy = POLICY,
    records = [record()],
    attrs = '',
    head = '',
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n',
  } = spec;
  return `${declaration}<feedback${attrs}>\n${head}${metadata}\n${policy}\n${records.join('\n')}\n</feedback>\n`;
}

export function parseText(xml: string | Uint8Array, chunkSize?: number): Promise<AggregateReport> {
  return parseAggregateReport(bytesSource(xml, chunkSize));
}

export async function collect(source: ByteSource, options?: AggregateParseOptions): Promise<AggregateEvent[]> {
  const events: AggregateEvent[] = [];
  for await (const event of parseAggregateXml(source, options)) events.push(event);
  return events;
}

/** Asserts that parsing fails with a ParseFailure and returns it. */
export async function rejection(xml: string | Uint8Array, chunkSize?: number): Promise<ParseFailure> {
  const error: unknown = await parseText(xml, chunkSize).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ParseFailure);
  return error as ParseFailure;
}

export function concatBytes(...parts: (Uint8Array | string)[]): Uint8Array {
  const enc = new TextEncoder();
  const arrays = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
