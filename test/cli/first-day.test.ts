// The usual first-day mistakes with the `dmarc` command, as a new user makes them: importing a folder that holds
// a README and a spreadsheet beside the reports, asking for a domain that has no reports, re-processing the files
// that failed. Each answer must say what is wrong in the user's words, once.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import { CORPUS_DIR } from '../support/manifest.js';

const SAMPLE = 'google.com!example.com!1764028800!1764115199.xml';

describe('dmarc on the first day', () => {
  let dir: string;
  let folder: string;
  const env = (): Record<string, string> => ({ DMARC_DATA_DIR: path.join(dir, 'data') });

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-first-day-'));
    folder = path.join(dir, 'reports');
    await fs.mkdir(folder);
    // the corpus's own README and MANIFEST.tsv mention <feedback> and report fields: plainly not reports
    await fs.copyFile(path.join(CORPUS_DIR, 'README.md'), path.join(folder, 'README.md'));
    await fs.copyFile(path.join(CORPUS_DIR, 'MANIFEST.tsv'), path.join(folder, 'MANIFEST.tsv'));
    await fs.copyFile(path.join(ROOT, 'package.json'), path.join(folder, 'package.json'));
    await fs.writeFile(path.join(folder, 'index.html'), '<!DOCTYPE html>\n<html><body>dmarc</body></html>\n');
    await fs.writeFile(
      path.join(folder, 'notes.zip'),
      zipSync({ 'todo.txt': Buffer.from('look at the <feedback> of google\n') }),
    );
    await fs.copyFile(path.join(ROOT, 'samples', SAMPLE), path.join(folder, SAMPLE));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('summary before any import says there is nothing yet', async () => {
    const r = await runCli(['summary'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no reports stored in this organisation yet (import some with: dmarc import PATH)\n');
  });

  it('import says "not a DMARC report" for what plainly is not one, naming each file once', async () => {
    const r = await runCli(['import', folder], env());
    expect(r.code).toBe(1);
    const failures = r.stdout
      .slice(r.stdout.indexOf('failures:\n') + 'failures:\n'.length)
      .trimEnd()
      .split('\n');
    expect(failures.sort()).toEqual(
      [
        `  ${path.join(folder, 'MANIFEST.tsv')}: not a DMARC report: neither XML, JSON, an e-mail, gzip nor zip`,
        `  ${path.join(folder, 'README.md')}: not a DMARC report: neither XML, JSON, an e-mail, gzip nor zip`,
        `  ${path.join(folder, 'index.html')}: not a DMARC report: root element <html> is not <feedback>`,
        `  ${path.join(folder, 'notes.zip')}: todo.txt: not a DMARC report: neither XML, JSON, an e-mail, gzip nor zip`,
        `  ${path.join(folder, 'package.json')}: not a DMARC report: a JSON document, but not an SMTP TLS report (RFC 8460) either`,
      ].sort(),
    );
    expect(r.stdout).toMatch(/^imported: +1$/m);
    expect(r.stdout).toMatch(/^failed: +5$/m);
  });

  it('parse says the same, without repeating the name', async () => {
    const r = await runCli(['parse', path.join(folder, 'README.md')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      `${path.join(folder, 'README.md')}: failed\n  error: not a DMARC report: neither XML, JSON, an e-mail, gzip nor zip\n`,
    );
  });

  it('summary --domain of a domain without reports says so and lists the domains that have some', async () => {
    const r = await runCli(['summary', '--domain', 'nosuch.example'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no reports for nosuch.example; the reports stored are for: example.com\n');
    // a period without reports is said as such
    const later = await runCli(['summary', '--domain', 'example.com', '--from', '2099-01-01'], env());
    expect(later.stdout).toBe('no reports for example.com began on or after 2099-01-01 (try other --from/--to)\n');
    const json = await runCli(['summary', '--json', '--domain', 'nosuch.example'], env());
    expect(JSON.parse(json.stdout)).toMatchObject({ domains: [], totals: { reports: 0, messages: 0 } });
  });

  it('reprocess --failed ends with a total', async () => {
    const r = await runCli(['reprocess', '--failed'], env());
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    for (const line of lines.slice(0, 5)) {
      // "file 3 README.md: failed, 0 new reports (not a DMARC report: ...)": the name once
      const name =
        /^file \d+ (\S+): failed, 0 new reports \(the same error as before: (?:todo\.txt: )?not a DMARC report: /.exec(
          line,
        )?.[1];
      expect(name, line).toBeTruthy();
      expect(line.split(name!).length - 1, line).toBe(1);
    }
    expect(lines[5]).toBe('total: 5 files re-processed (5 failed), 0 new reports');
  });

  it('a second reprocess --failed skips the files that failed again, and says how to run or delete them', async () => {
    const r = await runCli(['reprocess', '--failed'], env());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^no files to re-process\nskipped 5 files that failed again when re-processed before \(ids [\d, ]+\): --all-failed runs them too, dmarc delete file removes them\n$/,
    );
    const json = JSON.parse((await runCli(['reprocess', '--failed', '--json'], env())).stdout) as {
      files: number;
      skipped: number[];
    };
    expect(json.files).toBe(0);
    expect(json.skipped).toHaveLength(5);
    const all = await runCli(['reprocess', '--failed', '--all-failed', '--json'], env());
    expect(JSON.parse(all.stdout)).toMatchObject({ files: 5, failed: 5, skipped: [] });
  });

  it('delete file removes them (asking first, or --yes), and reprocess has nothing left to do', async () => {
    const list = JSON.parse((await runCli(['reprocess', '--failed', '--json'], env())).stdout) as { skipped: number[] };
    const ids = list.skipped.map(String);
    // no terminal here: it does not guess
    const asked = await runCli(['delete', 'file', ...ids], env());
    expect(asked.code).toBe(2);
    expect(asked.stderr).toContain('not on a terminal: add --yes to delete without being asked');
    const bad = await runCli(['delete', 'file', 'abc', '--yes'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("expected a positive integer, got 'abc'");

    const r = await runCli(['delete', 'file', ...ids, '999999', '--yes'], env());
    expect(r.code, r.stdout + r.stderr).toBe(1); // one of them does not exist
    expect(r.stdout).toContain('file 999999: not deleted: no such file');
    expect(r.stdout).toMatch(/^total: 5 files deleted, 0 reports and 0 messages removed from every figure$/m);
    expect((await runCli(['reprocess', '--failed'], env())).stdout).toBe('no files to re-process\n');

    // the one report: deleted with its messages, the summary has none left
    const before = JSON.parse((await runCli(['summary', '--json'], env())).stdout) as { totals: { messages: number } };
    expect(before.totals.messages).toBeGreaterThan(0);
    const report = await runCli(['delete', 'report', '1', '--yes', '--json'], env());
    expect(JSON.parse(report.stdout)).toMatchObject({ deleted: 1, reports: 1, messages: before.totals.messages });
    expect((await runCli(['summary'], env())).stdout).toMatch(/^no reports stored/);
    expect((await runCli(['delete', '--help'])).stdout).toMatch(/file \[options\] <id\.\.\.>/);
  });
});
