// Processing a file again (dmarc reprocess, a retried or swept job) changes nothing: a processed file stays
// processed with its report and record counts, warnings and recovered flag, and no figure moves (hardening
// finding: reprocessing set every processed file to 'duplicate' with 0 reports).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarise } from '../../src/analytics/summary.js';
import { importFiles } from '../../src/ingest/import-files.js';
import { processFile } from '../../src/ingest/process-file.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { availableEngines, openEngine, type TestDatabase } from '../support/db.js';
import { CORPUS_DIR } from '../support/manifest.js';
import { DEFAULT_ORG_ID, NO_SINK, recordingSink } from '../support/org.js';

interface FileRow {
  id: number;
  status: string;
  report_count: number;
  record_count: number;
  recovered: boolean;
  warnings: string[];
  kind: string | null;
}

describe.each(availableEngines())('reprocessing on %s', (engine) => {
  let t: TestDatabase;
  const files = async () =>
    (
      await t.db.query<FileRow>(
        'SELECT id, status, report_count, record_count, recovered, warnings, kind FROM ingested_files ORDER BY id',
      )
    ).rows;

  beforeAll(async () => {
    t = await openEngine(engine);
    await importFiles(t.db, [CORPUS_DIR], { orgId: DEFAULT_ORG_ID, sink: NO_SINK, limits: DEFAULT_UNPACK_LIMITS });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('every processed file stays processed with the same counts, and no figure changes', async () => {
    const before = await files();
    const processed = before.filter((f) => f.status === 'processed');
    expect(processed.length).toBeGreaterThan(40);
    expect(processed.some((f) => f.recovered)).toBe(true);
    expect(processed.some((f) => f.warnings.length > 0)).toBe(true);
    const figures = await summarise(t.db, { orgId: DEFAULT_ORG_ID });
    const sink = recordingSink();
    for (const f of before) {
      const r = await processFile(
        t.db,
        { orgId: DEFAULT_ORG_ID, fileId: f.id },
        { limits: DEFAULT_UNPACK_LIMITS, sink },
      );
      expect(r.reportsStored, `file ${f.id}`).toBe(0);
    }
    expect(await files()).toEqual(before);
    expect(await summarise(t.db, { orgId: DEFAULT_ORG_ID })).toEqual(figures);
    // nothing new was stored, so nobody was told of anything
    expect(sink.events).toEqual([]);
  });
});
