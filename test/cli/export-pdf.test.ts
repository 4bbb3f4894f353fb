// `dmarc export pdf` end to end, as a user runs it: the PDF from the store (the same code as the API's), its
// figures equal to `dmarc summary`'s, its names in every script; errors as one message and an exit code.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { PERIOD, REPORTERS, datasetFiles, flat, pdfInfo, pdfText } from '../exports/pdf-support.js';

describe('dmarc export pdf', () => {
  let dir: string;
  const env = (): Record<string, string> => ({ DMARC_DATA_DIR: path.join(dir, 'data') });

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-cli-pdf-'));
    await fs.mkdir(path.join(dir, 'in'));
    for (const f of datasetFiles('cli')) await fs.writeFile(path.join(dir, 'in', f.name), f.bytes);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it.each([['export'], ['export', 'pdf']])('--help works for: dmarc %s', async (...sub) => {
    const r = await runCli([...sub, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: dmarc export/);
  });

  it('an empty store: a one-page PDF that says there is no data', async () => {
    const out = path.join(dir, 'empty.pdf');
    const r = await runCli(['export', 'pdf', '-o', out], env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('no data');
    const pdf = await fs.readFile(out);
    expect((await pdfInfo(pdf)).pages).toBe(1);
    expect(flat(await pdfText(pdf))).toContain('No data for this report');
  });

  it('writes the report of the imported reports, with the figures of dmarc summary', async () => {
    const imp = await runCli(['import', '--json', '--no-enrich', path.join(dir, 'in')], env());
    expect(imp.code, imp.stderr).toBe(0);
    const out = path.join(dir, 'report.pdf');
    const r = await runCli(['export', 'pdf', '-o', out, '--from', PERIOD.from, '--to', PERIOD.to, '--json'], env());
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      file: string;
      bytes: number;
      fileName: string;
      messages: number;
      empty: boolean;
    };
    const s = await runCli(['summary', '--json', '--from', PERIOD.from, '--to', PERIOD.to], env());
    const totals = (JSON.parse(s.stdout) as { totals: { messages: number } }).totals;
    expect(j).toMatchObject({ file: out, messages: totals.messages, empty: false });
    expect(j.fileName).toBe('dmarc-report_all-domains_2026-01-08_2026-01-14.pdf');
    const pdf = await fs.readFile(out);
    expect(pdf.length).toBe(j.bytes);
    const text = flat(await pdfText(pdf));
    expect(text).toContain(`Messages ${new Intl.NumberFormat('en-US').format(totals.messages)}`);
    for (const name of REPORTERS) expect(text).toContain(name);
    // no stray temporary file
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('-o DIRECTORY: the report keeps its own file name; one domain (an IDN in Unicode)', async () => {
    const r = await runCli(
      ['export', 'pdf', '-o', dir, '--domain', 'xn--bcher-kva.example', '--to', '2026-01-14'],
      env(),
    );
    expect(r.code, r.stderr).toBe(0);
    const file = path.join(dir, 'dmarc-report_xn--bcher-kva.example_2025-12-16_2026-01-14.pdf');
    expect(r.stdout).toContain(file);
    const text = flat(await pdfText(await fs.readFile(file)));
    expect(text).toContain('bücher.example');
    expect(text).not.toContain('Mail.Ru');
  });

  it.each([
    [['--from', '2026-02-30'], 2, /expected a date YYYY-MM-DD, got '2026-02-30'/],
    [['--from', '2026-01-10', '--to', '2026-01-01'], 2, /--from 2026-01-10 is after --to 2026-01-01/],
    [['--domain', 'not a domain'], 2, /expected a domain name/],
    [['--domain', 'unknown.example'], 1, /no reports for unknown\.example in organisation 'default'; its domains: /],
  ])('bad input %j: exit %i with a message', async (args, code, message) => {
    const r = await runCli(['export', 'pdf', '-o', path.join(dir, 'x.pdf'), ...args], env());
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\bat .+\.ts:\d+/); // no stack trace
    await expect(fs.stat(path.join(dir, 'x.pdf'))).rejects.toThrow();
  });

  it('without -o: a usage error', async () => {
    const r = await runCli(['export', 'pdf'], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '-o, --output <file>' not specified/);
  });

  it('a file that cannot be written: exit 1 with a message', async () => {
    const r = await runCli(['export', 'pdf', '-o', path.join(dir, 'no', 'such', 'dir', 'r.pdf')], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot write .*r\.pdf \(ENOENT: no directory /);
  });
});
