// `dmarc reprocess --unsupported`: files an older version kept as `unsupported` (before SMTP TLS reports were
// a report kind) are stored now, with their reports, and the JSON counts say so. The older version's state is
// made for real: a TLS report imported, then its file put back as the old version left it (unsupported, no
// report). Without anything named, the command says what to give.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/store/connect.js';
import { runCli } from '../support/cli.js';
import { CORPUS_DIR } from '../support/manifest.js';

const TLS_REPORT = path.join(CORPUS_DIR, 'dmarc-report-viewer/full-example.json');

describe('dmarc reprocess --unsupported', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-reprocess-'));
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });
  const env = (): Record<string, string> => ({ DMARC_DATA_DIR: dataDir });

  it('says what to give when nothing is named', async () => {
    const r = await runCli(['reprocess'], env());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--unsupported/);
  });

  it('stores the SMTP TLS report of a file an older version kept as unsupported', async () => {
    const imported = await runCli(['import', TLS_REPORT], env());
    expect(imported.code, imported.stderr).toBe(0);
    // what the older version left: the file unsupported, no report stored from it
    const db = await openDatabase(loadConfig({ DMARC_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' }));
    try {
      await db.query('DELETE FROM tls_reports');
      await db.query(
        "UPDATE ingested_files SET status = 'unsupported', kind = NULL, report_count = 0, record_count = 0",
      );
    } finally {
      await db.close();
    }
    const r = await runCli(['reprocess', '--unsupported', '--json'], env());
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      files: number;
      processed: number;
      unsupported: number;
      reports: number;
      results: { status: string; reports: number }[];
    };
    expect(out).toMatchObject({ files: 1, processed: 1, unsupported: 0, reports: 1 });
    expect(out.results).toEqual([expect.objectContaining({ status: 'processed', reports: 1 })]);
    const again = await openDatabase(loadConfig({ DMARC_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' }));
    try {
      const tls = await again.query<{ domain: string; failed_sessions: number; successful_sessions: number }>(
        'SELECT domain, failed_sessions, successful_sessions FROM tls_reports',
      );
      // the manifest's ground truth for this file
      expect(tls.rows).toEqual([{ domain: 'company-y.example', failed_sessions: 303, successful_sessions: 5326 }]);
      const file = await again.query<{ status: string; kind: string }>('SELECT status, kind FROM ingested_files');
      expect(file.rows).toEqual([{ status: 'processed', kind: 'smtp_tls' }]);
    } finally {
      await again.close();
    }
    // nothing is left to do
    const none = JSON.parse((await runCli(['reprocess', '--unsupported', '--json'], env())).stdout) as {
      files: number;
    };
    expect(none.files).toBe(0);
  }, 240_000); // four CLI runs, each opening the embedded database: minutes on a loaded machine
});
