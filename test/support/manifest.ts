// Reads ../shared/corpus/MANIFEST.tsv (ground truth for every corpus file) so that tests cover new corpus
// files without code changes.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared corpus: DMARC_CORPUS_DIR when set, else ../shared/corpus beside the checkout (the workspace
 * layout), else the workspace's own copy (a clone elsewhere, e.g. CI's fresh clone).
 */
function findCorpus(): string {
  const candidates = [
    process.env.DMARC_CORPUS_DIR,
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus'),
    '/work/shared/corpus',
  ].filter((c): c is string => Boolean(c));
  const found = candidates.find((c) => fs.existsSync(path.join(c, 'MANIFEST.tsv')));
  if (!found) {
    throw new Error(`the report corpus (MANIFEST.tsv) is not in ${candidates.join(' or ')}; set DMARC_CORPUS_DIR`);
  }
  return path.resolve(found);
}

export const CORPUS_DIR = findCorpus();

export interface ExpectedReport {
  org_name: string | null;
  report_id: string;
  domain: string;
  begin: number | string | null;
  end: number | string | null;
  records: number;
  count_sum: number;
  version?: string;
  ns?: string;
  zip_member?: string;
  quirks?: string[];
  attachment_type?: string;
}

export interface ManifestRow {
  path: string;
  absPath: string;
  kind: 'aggregate' | 'forensic' | 'smtp_tls' | 'other';
  container: string;
  /** Raw `expected` value: JSON object, or a plain string such as "malformed: ...". */
  expected: unknown;
}

export function readManifest(): ManifestRow[] {
  const text = fs.readFileSync(path.join(CORPUS_DIR, 'MANIFEST.tsv'), 'utf8');
  const [header, ...lines] = text.split('\n').filter((l) => l.trim() !== '');
  const cols = header!.split('\t');
  const at = (name: string): number => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`MANIFEST.tsv has no column ${name}`);
    return i;
  };
  const [iPath, iKind, iContainer, iExpected] = [at('path'), at('kind'), at('container'), at('expected')];
  return lines.map((line) => {
    const f = line.split('\t');
    const raw = f[iExpected] ?? '';
    let expected: unknown = raw;
    if (raw.startsWith('{')) expected = JSON.parse(raw);
    return {
      path: f[iPath]!,
      absPath: path.join(CORPUS_DIR, f[iPath]!),
      kind: f[iKind] as ManifestRow['kind'],
      container: f[iContainer]!,
      expected,
    };
  });
}

/** What a row promises: the reports it must yield, and how many of its parts must be refused. */
export interface Expectation {
  reports: ExpectedReport[];
  /** Parts refused ("malformed: ..."), excluding macOS resource forks (__MACOSX/), which we skip silently. */
  refusals: string[];
  /** The row's file is recovered from malformed XML. */
  recovered: boolean;
}

function isResourceFork(s: string): boolean {
  return /\[zip member __MACOSX\//.test(s);
}

export function expectationOf(row: ManifestRow): Expectation | undefined {
  if (row.kind !== 'aggregate' && row.kind !== 'other') return undefined;
  const e = row.expected;
  if (typeof e === 'string') return { reports: [], refusals: [e], recovered: false };
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    if ('lenient' in o) return { reports: [o.lenient as ExpectedReport], refusals: [], recovered: true };
    if (Array.isArray(o.reports)) {
      const reports: ExpectedReport[] = [];
      const refusals: string[] = [];
      for (const r of o.reports as unknown[]) {
        if (typeof r === 'string') {
          if (!isResourceFork(r)) refusals.push(r);
        } else reports.push(r as ExpectedReport);
      }
      return { reports, refusals, recovered: false };
    }
    return { reports: [o as unknown as ExpectedReport], refusals: [], recovered: false };
  }
  return undefined;
}

/** Ground-truth begin/end as our model gives them: integers, else null. */
export function expectedTime(v: number | string | null): number | null {
  return typeof v === 'number' && Number.isInteger(v) ? v : null;
}
