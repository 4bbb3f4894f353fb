// `dmarc import` of a folder holding a file whose name is not valid UTF-8 (hardening finding: "cannot read file:
// ENOENT", since the name was decoded before it was opened).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPaths } from '../../src/ingest/collect-paths.js';
import { importFiles } from '../../src/ingest/import-files.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { openEngine, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, NO_SINK } from '../support/org.js';
import { syntheticReport } from '../api/helpers.js';

describe('file names that are not valid UTF-8', () => {
  let dir: string;
  let t: TestDatabase;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-names-'));
    // "r\xe9port.xml": Latin-1 é, an invalid UTF-8 byte
    const name = Buffer.concat([Buffer.from(dir + path.sep), Buffer.from([0x72, 0xe9]), Buffer.from('port.xml')]);
    await fs.writeFile(name, syntheticReport(1));
    await fs.writeFile(path.join(dir, 'plain.xml'), syntheticReport(2));
    t = await openEngine('pglite');
  });
  afterAll(async () => {
    await t?.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('are found, opened and imported; the stored name shows the bad byte as U+FFFD', async () => {
    const { files, missing } = await collectPaths([dir]);
    expect(missing).toEqual([]);
    expect(files.map((f) => path.basename(f.display))).toEqual(['plain.xml', 'r\uFFFDport.xml']);
    const s = await importFiles(t.db, [dir], { orgId: DEFAULT_ORG_ID, sink: NO_SINK, limits: DEFAULT_UNPACK_LIMITS });
    expect(s).toMatchObject({ files: 2, imported: 2, failed: 0, reports: 2 });
    const names = await t.db.query<{ name: string }>('SELECT name FROM ingested_files ORDER BY name');
    expect(names.rows.map((r) => r.name)).toEqual(['plain.xml', 'r\uFFFDport.xml']);
  });
});
