// Every XML file of the shared corpus against its independently derived ground truth (MANIFEST.tsv).
// New manifest rows are picked up automatically.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAggregateReport, bytesSource } from '../../../src/parse/aggregate/index.js';
import { ParseFailure } from '../../../src/parse/types.js';
import { CORPUS_DIR } from '../../support/manifest.js';

const CORPUS = `${CORPUS_DIR}/`;

interface Truth {
  org_name: string | null;
  report_id: string;
  domain: string;
  begin: number | string | null;
  end: number | string | null;
  records: number;
  count_sum: number;
  version?: string;
  ns?: string;
  quirks?: string[];
}
type Expected = string | Truth | { malformed: string; lenient: Truth };

interface Row {
  path: string;
  kind: string;
  expected: Expected;
}

function manifest(): Row[] {
  const lines = readFileSync(`${CORPUS}MANIFEST.tsv`, 'utf8').trimEnd().split('\n');
  const header = (lines.shift() ?? '').split('\t');
  const col = (name: string): number => header.indexOf(name);
  return lines
    .map((line) => line.split('\t'))
    .filter((cells) => cells[col('container')] === 'xml' && ['aggregate', 'other'].includes(cells[col('kind')] ?? ''))
    .map((cells) => {
      const raw = cells[col('expected')] ?? '';
      return {
        path: cells[col('path')] ?? '',
        kind: cells[col('kind')] ?? '',
        expected: raw.startsWith('{') ? (JSON.parse(raw) as Expected) : raw,
      };
    });
}

const rows = manifest();
const BIS_QUIRKS = ['has_testing', 'has_discovery_method', 'has_generator'];

async function parseFile(path: string) {
  const bytes = readFileSync(CORPUS + path);
  // Small chunks, so that every file also exercises chunk boundaries.
  return parseAggregateReport(bytesSource(bytes, 97));
}

function expectTimestamp(actual: number | null, truth: number | string | null): void {
  expect(actual).toBe(typeof truth === 'number' && Number.isInteger(truth) ? truth : null);
}

function expectMatches(report: Awaited<ReturnType<typeof parseFile>>, truth: Truth): void {
  expect(report.reporterOrg).toBe(truth.org_name ?? '');
  expect(report.reportId).toBe(truth.report_id);
  expect(report.domain).toBe(truth.domain.toLowerCase().replace(/\.$/, ''));
  expectTimestamp(report.begin, truth.begin);
  expectTimestamp(report.end, truth.end);
  // Every <record> is kept, even an empty one (as a 0-message row with a warning): the manifest counts them.
  expect(report.records.length).toBe(truth.records);
  expect(report.records.reduce((sum, r) => sum + r.count, 0)).toBe(truth.count_sum);
  expect(report.version).toBe(truth.version ?? null);
  expect(report.namespace).toBe(truth.ns ?? null);
  const quirks = truth.quirks ?? [];
  const bis = truth.ns === 'urn:ietf:params:xml:ns:dmarc-2.0' || quirks.some((q) => BIS_QUIRKS.includes(q));
  expect(report.schema).toBe(bis ? 'dmarcbis' : 'rfc7489');
  if (quirks.includes('has_error')) expect(report.errors.length).toBeGreaterThan(0);
  if (quirks.includes('missing_or_empty_begin'))
    expect(report.warnings.some((w) => w.includes('date_range/begin'))).toBe(true);
  if (quirks.includes('missing_or_empty_end'))
    expect(report.warnings.some((w) => w.includes('date_range/end'))).toBe(true);
  if (quirks.includes('non_integer_count')) expect(report.warnings.some((w) => / count '/.test(w))).toBe(true);
  if (quirks.includes('record_without_source_ip')) {
    const noIp = report.records.some((r) => r.sourceIp === null);
    expect(noIp).toBe(true);
  }
}

describe('corpus: XML files from MANIFEST.tsv', () => {
  it('has rows to check', () => {
    expect(rows.length).toBeGreaterThan(50);
  });

  for (const row of rows) {
    const { expected } = row;
    if (typeof expected === 'string') {
      it(`rejects ${row.path} (${expected})`, async () => {
        expect(expected.startsWith('malformed: ')).toBe(true);
        const error: unknown = await parseFile(row.path).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ParseFailure);
        const failure = error as ParseFailure;
        const reason = expected.slice('malformed: '.length);
        if (reason.startsWith('root element')) {
          expect(failure.code).toBe('not_aggregate');
          // plainly not a report: said so first
          expect(failure.message).toBe(`not a DMARC report: ${reason}`);
        } else if (reason.startsWith('XML not well-formed')) {
          expect(failure.code).toBe('not_well_formed');
          expect(failure.message).toMatch(/^XML not well-formed: ./);
        } else if (reason === 'empty file') {
          expect(failure.code).toBe('empty');
        }
      });
    } else if ('malformed' in expected) {
      it(`recovers ${row.path} leniently`, async () => {
        const report = await parseFile(row.path);
        expect(report.recovered).toBe(true);
        expect(report.warnings[0]).toMatch(/^XML not well-formed: .*; recovered leniently: /);
        expectMatches(report, expected.lenient);
      });
    } else {
      it(`parses ${row.path}`, async () => {
        const report = await parseFile(row.path);
        expect(report.recovered).toBe(false);
        expectMatches(report, expected);
      });
    }
  }
});
