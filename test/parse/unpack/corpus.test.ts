// Every file of the real-report corpus, checked against its independently computed ground truth (MANIFEST.tsv).
import { readFileSync } from 'node:fs';
import { describe as group, expect, it } from 'vitest';
import type { UnpackedPart } from '../../../src/parse/types.js';
import { CORPUS, describe, readPart, unpackAll } from './helpers.js';

interface Row {
  path: string;
  kind: string;
  container: string;
  expected: unknown;
}

const rows: Row[] = readFileSync(new URL('MANIFEST.tsv', CORPUS), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [path = '', kind = '', container = '', , , , expected = ''] = line.split('\t');
    return { path, kind, container, expected: expected.startsWith('{') ? JSON.parse(expected) : expected };
  });

type ReportTruth = { report_id?: string; zip_member?: string; lenient?: { report_id?: string } };

async function partsOf(row: Row): Promise<{ parts: UnpackedPart[]; fileName: string }> {
  const fileName = row.path.split('/').pop() ?? row.path;
  return { parts: await unpackAll(readFileSync(new URL(row.path, CORPUS)), fileName), fileName };
}

/** The XML part's bytes, read twice: open() must restart from the beginning every time. */
async function xmlText(part: UnpackedPart): Promise<string> {
  const first = await readPart(part);
  const second = await readPart(part);
  expect(second.equals(first)).toBe(true);
  return first.toString('latin1');
}

async function expectReport(part: UnpackedPart | undefined, truth: ReportTruth): Promise<void> {
  expect(part?.type).toBe('xml');
  if (part === undefined) return;
  if (truth.zip_member !== undefined) expect(part.name.endsWith(` > ${truth.zip_member}`)).toBe(true);
  const text = await xmlText(part);
  expect(text).toMatch(/<(\w+:)?feedback[\s>]/);
  const reportId = truth.report_id ?? truth.lenient?.report_id;
  if (reportId) expect(text).toContain(reportId);
}

group('corpus (MANIFEST.tsv ground truth)', () => {
  it('has the rows the README announces', () => {
    expect(rows.length).toBe(158);
  });

  it.each(rows.filter((r) => r.kind === 'forensic'))(
    '$path → one failure-report part for the whole e-mail',
    async (row) => {
      const { parts, fileName } = await partsOf(row);
      expect(parts, describe(parts)).toEqual([{ type: 'arf', name: fileName, raw: expect.any(Uint8Array) }]);
    },
  );

  it.each(rows.filter((r) => r.kind === 'smtp_tls'))('$path → an SMTP TLS report', async (row) => {
    const { parts } = await partsOf(row);
    expect(parts.length, describe(parts)).toBeGreaterThanOrEqual(1);
    for (const part of parts) expect(part.type).toBe('tlsrpt');
  });

  const reportRows = rows.filter(
    (r) => (r.kind === 'aggregate' || r.kind === 'other') && typeof r.expected === 'object',
  );
  it.each(reportRows.filter((r) => !('zip_members' in (r.expected as object))))(
    '$path → its report as XML',
    async (row) => {
      const { parts } = await partsOf(row);
      expect(parts.length, describe(parts)).toBe(1);
      await expectReport(parts[0], row.expected as ReportTruth);
    },
  );

  it.each(reportRows.filter((r) => 'zip_members' in (r.expected as object)))(
    '$path → one part per zip member, __MACOSX skipped',
    async (row) => {
      const { parts } = await partsOf(row);
      const truth = row.expected as { zip_members: number; reports: (ReportTruth | string)[] };
      const members = truth.reports.filter((r) => typeof r !== 'string' || !r.includes('__MACOSX'));
      expect(parts.length, describe(parts)).toBe(members.length);
      for (const member of members) {
        if (typeof member !== 'string') {
          await expectReport(
            parts.find((p) => p.name.endsWith(` > ${member.zip_member ?? ''}`)),
            member,
          );
          continue;
        }
        const memberName = /\[zip member (.+)\]$/.exec(member)?.[1] ?? '';
        const part = parts.find((p) => p.name.endsWith(` > ${memberName}`));
        if (member.includes('unrecognised content'))
          expect(part).toMatchObject({ type: 'error', error: { code: 'unrecognised' } });
        else expect(part?.type).toBe('xml'); // not well-formed: still XML, the parser's problem
      }
    },
  );

  const malformedRows = rows.filter((r) => typeof r.expected === 'string');
  it.each(malformedRows)('$path → $expected', async (row) => {
    const { parts } = await partsOf(row);
    const expected = row.expected as string;
    expect(parts.length, describe(parts)).toBeGreaterThanOrEqual(1);
    if (expected.includes('XML not well-formed')) {
      for (const part of parts) expect((await xmlText(part)).trimStart().startsWith('<')).toBe(true);
      return;
    }
    // XML with another root: said to be no report by the unpacker already, from its head
    const root = /root element (<[^>]+>) is not <feedback>/.exec(expected)?.[1];
    if (root) {
      for (const part of parts) {
        expect(part).toMatchObject({
          type: 'error',
          error: { code: 'not_aggregate', message: `not a DMARC report: root element ${root} is not <feedback>` },
        });
      }
      return;
    }
    const code = expected.includes('empty file')
      ? 'empty'
      : expected.includes('carries no DMARC')
        ? 'no_report'
        : 'unrecognised';
    for (const part of parts) expect(part).toMatchObject({ type: 'error', error: { code } });
  });

  it('covers every row with one of the checks above', () => {
    const checked = rows.filter(
      (r) => r.kind === 'forensic' || r.kind === 'smtp_tls' || typeof r.expected === 'string' || reportRows.includes(r),
    );
    expect(checked.length).toBe(rows.length);
  });
});
