// `dmarc export csv`: the file written from the store (the same rows as the API's export), stdout mode with nothing
// else on it, --json, --format ndjson, the filters, and the errors with their exit codes (bad option values, an
// unknown kind, filters that do not apply, an unknown organisation, a file that exists or cannot be written).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { syntheticReport } from '../api/helpers.js';

describe('dmarc export csv', () => {
  let dir: string;
  const env = (): Record<string, string> => ({ DMARC_DATA_DIR: path.join(dir, 'data') });

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-cli-export-'));
    await fs.mkdir(path.join(dir, 'in'));
    await fs.writeFile(
      path.join(dir, 'in', 'a.xml'),
      syntheticReport(1, { domain: 'a.example', count: 5, org: '=Evil()' }),
    );
    await fs.writeFile(
      path.join(dir, 'in', 'b.xml'),
      syntheticReport(2, { domain: 'b.example', count: 7, pass: false }),
    );
    const r = await runCli(['import', '--no-enrich', '--json', path.join(dir, 'in')], env());
    expect(r.code, r.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes the file and prints nothing without a terminal; --json prints a summary', async () => {
    const file = path.join(dir, 'records.csv');
    const r = await runCli(['export', 'csv', 'records', '-o', file], env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
    const rows = parse<Record<string, string>>(await fs.readFile(file, 'utf8'), { columns: true });
    expect(rows.map((x) => [x.domain, x.count, x.reporter]).sort()).toEqual([
      ['a.example', '5', "'=Evil()"],
      ['b.example', '7', 'synthetic.test'],
    ]);
    const file2 = path.join(dir, 'b.ndjson');
    const j = await runCli(
      [
        'export',
        'csv',
        'records',
        '--domain',
        'b.example',
        '--dmarc',
        'fail',
        '--format',
        'ndjson',
        '--json',
        '-o',
        file2,
      ],
      env(),
    );
    expect(j.code, j.stderr).toBe(0);
    const summary = JSON.parse(j.stdout) as Record<string, unknown>;
    const text = await fs.readFile(file2, 'utf8');
    expect(summary).toEqual({
      file: file2,
      what: 'records',
      format: 'ndjson',
      rows: 1,
      bytes: Buffer.byteLength(text),
    });
    expect(JSON.parse(text.trim())).toMatchObject({ domain: 'b.example', count: 7, dmarc: 'fail' });
    // no partial file left beside it
    expect((await fs.readdir(dir)).filter((n) => n.includes('.part-'))).toEqual([]);
  }, 120_000);

  it('writes to stdout without -o or with -o -, and nothing else', async () => {
    for (const args of [[], ['-o', '-']]) {
      const r = await runCli(
        ['export', 'csv', 'reports', '--from', '2020-09-14', '--to', '2020-09-14', ...args],
        env(),
      );
      expect(r.code, r.stderr).toBe(0);
      const rows = parse<Record<string, string>>(r.stdout, { columns: true });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ domain: 'a.example', messages: '5', date: '2020-09-14' });
    }
    const s = await runCli(['export', 'csv', 'senders'], env());
    expect(s.code).toBe(0);
    expect(parse<Record<string, string>>(s.stdout, { columns: true })[0]).toMatchObject({
      key: 'unknown',
      messages: '12',
    });
    const a = await runCli(['export', 'csv', 'alerts', '--state', 'unresolved'], env());
    expect(a.code).toBe(0);
    expect(a.stdout.split('\r\n')[0]).toMatch(/^id,severity,state,/);
    const src = await runCli(['export', 'csv', 'sources', '--source-ip', '198.51.100.0/24'], env());
    expect(parse<Record<string, string>>(src.stdout, { columns: true })).toMatchObject([
      { source_ip: '198.51.100.7', messages: '12' },
    ]);
  }, 120_000);

  it('answers bad usage with a message and exit code 2, failures with 1', async () => {
    const usage: string[][] = [
      ['export', 'csv', 'everything'],
      ['export', 'csv', 'records', '--from', '2024-02-30'],
      ['export', 'csv', 'records', '--from', '2024-06-02', '--to', '2024-06-01'],
      ['export', 'csv', 'records', '--source-ip', 'nope'],
      ['export', 'csv', 'records', '--country', 'XX'],
      ['export', 'csv', 'records', '--format', 'xlsx'],
      ['export', 'csv', 'records', '--json'],
      ['export', 'csv', 'alerts', '--dmarc', 'fail'],
      ['export', 'csv', 'records', '--state', 'open'],
      ['export', 'csv', 'alerts', '--state', 'sleeping'],
      ['export', 'csv', 'records', '--asn', 'x'],
    ];
    for (const args of usage) {
      const r = await runCli(args, env());
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/\S/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const org = await runCli(['--org', 'nobody', 'export', 'csv', 'records'], env());
    expect(org.code).toBe(1);
    expect(org.stderr).toContain("no organisation 'nobody'");
    // an existing file is not overwritten by a half export; a directory that does not exist fails cleanly
    const missing = await runCli(['export', 'csv', 'records', '-o', path.join(dir, 'no', 'such', 'dir.csv')], env());
    expect(missing.code).toBe(1);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  }, 240_000);

  it('documents itself in --help', async () => {
    const r = await runCli(['export', 'csv', '--help'], env());
    expect(r.code).toBe(0);
    for (const o of [
      '--domain',
      '--from',
      '--to',
      '--format',
      '-o, --output',
      '--dmarc',
      '--country',
      '--sender',
      '--state',
    ]) {
      expect(r.stdout).toContain(o);
    }
  });
});
