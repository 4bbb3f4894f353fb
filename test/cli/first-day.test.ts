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
      const name = /^file \d+ (\S+): failed, 0 new reports \((?:todo\.txt: )?not a DMARC report: /.exec(line)?.[1];
      expect(name, line).toBeTruthy();
      expect(line.split(name!).length - 1, line).toBe(1);
    }
    expect(lines[5]).toBe('total: 5 files re-processed (5 failed), 0 new reports');
  });
});
