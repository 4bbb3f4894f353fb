// `dmarc reprocess` names --unsupported among what to give. A file kept as unsupported being run again and stored
// is covered by test/imap/fetch.test.ts (the same processFile the command calls for each file).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

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
});
