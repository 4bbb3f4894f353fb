import { Command } from 'commander';
import { configFrom, orgFrom, withDatabase, withReportSink } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { parsePositiveIntOption } from '../options.js';
import type { IngestedFile } from '../../store/files.js';

/** Files re-processed in one batch (one transaction; a large file makes its batch no larger in memory). */
const REPROCESS_BATCH = 50;

interface Row {
  id: number;
  name: string;
  status: string;
  reports: number;
  records: number;
  error: string | null;
  /** It failed before with this very error. */
  sameError: boolean;
}

/** Failed for its own content after being tried at least twice (its first import and a re-run). */
function failedAgain(f: { status: string; attempts: number; error: string | null }): boolean {
  return f.status === 'failed' && f.attempts >= 2 && !(f.error ?? '').startsWith('storage error');
}

/** The last line: how many files, by outcome, and what was newly stored. */
function totalLine(results: Row[]): string {
  const by = new Map<string, number>();
  for (const r of results) by.set(r.status, (by.get(r.status) ?? 0) + 1);
  const outcomes = ['processed', 'duplicate', 'unsupported', 'failed']
    .filter((s) => by.has(s))
    .map((s) => `${by.get(s)} ${s}`)
    .join(', ');
  const reports = results.reduce((a, r) => a + r.reports, 0);
  const files = results.length === 1 ? '1 file' : `${results.length} files`;
  return `total: ${files} re-processed (${outcomes}), ${reports} new reports`;
}

export function reprocessCommand(): Command {
  return new Command('reprocess')
    .description('run stored files through the pipeline again, from their kept original bytes')
    .argument('[fileId...]', 'ids of files to re-process', (v: string, prev: number[] = []) => [
      ...prev,
      parsePositiveIntOption(v),
    ])
    .option('--failed', 're-process every file whose status is failed (but those that failed again before)')
    .option('--all-failed', 'with --failed: also the files that failed again when re-processed before')
    .option('--pending', 're-process files left pending or processing (e.g. after a crash)')
    .option(
      '--unsupported',
      'run the files kept as unsupported through the current report kinds (kinds supported now are stored)',
    )
    .option(
      '--json',
      'print one JSON object: {files, processed, duplicates, unsupported, failed, reports, records, results:[...], skipped}',
    )
    .action(
      async (
        ids: number[] | undefined,
        opts: { failed?: boolean; allFailed?: boolean; pending?: boolean; unsupported?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        if (!opts.failed && !opts.pending && !opts.unsupported && (!ids || ids.length === 0)) {
          throw new CliError('nothing to re-process: give file ids, --failed, --pending or --unsupported');
        }
        const config = configFrom(cmd);
        const [{ processFiles }, { getFile, listFilesByStatus }] = await Promise.all([
          import('../../ingest/process-batch.js'),
          import('../../store/files.js'),
        ]);
        const { out: results, skipped } = await withReportSink(config, (sink) =>
          withDatabase(config, async (db) => {
            const orgId = (await orgFrom(cmd, db)).id;
            const todo = new Set<number>(ids ?? []);
            const skipped: number[] = [];
            if (opts.failed) {
              for (const { fileId } of await listFilesByStatus(db, ['failed'], orgId)) {
                if (todo.has(fileId)) continue;
                const f = await getFile(db, orgId, fileId);
                // Tried twice or more and failed for its own content (not the database's): a README or a broken
                // report fails the same way every time, and would be tried again by every --failed forever.
                if (!opts.allFailed && f && failedAgain(f)) skipped.push(fileId);
                else todo.add(fileId);
              }
            }
            if (opts.pending) {
              for (const f of await listFilesByStatus(db, ['pending', 'processing'], orgId)) todo.add(f.fileId);
            }
            if (opts.unsupported) {
              // generic: whatever the registry knows now is stored; the rest stays unsupported
              for (const f of await listFilesByStatus(db, ['unsupported'], orgId)) todo.add(f.fileId);
            }
            const out: Row[] = [];
            const order = [...todo].sort((a, b) => a - b);
            // in batches: many small files in one transaction (process-batch.ts), outcomes as one by one
            for (let i = 0; i < order.length; i += REPROCESS_BATCH) {
              const chunk: { id: number; before: IngestedFile }[] = [];
              for (const id of order.slice(i, i + REPROCESS_BATCH)) {
                const f = await getFile(db, orgId, id);
                if (!f) throw new CliError(`file ${id} does not exist in this organisation`, EXIT.failure);
                chunk.push({ id, before: f });
              }
              const results = await processFiles(
                db,
                chunk.map(({ id }) => ({ ref: { orgId, fileId: id } })),
                { limits: config.limits, sink, failures: config.failures },
              );
              for (const [j, r] of results.entries()) {
                const { id, before: f } = chunk[j]!;
                out.push({
                  id,
                  name: f.name,
                  status: r.status,
                  reports: r.reportsStored,
                  records: r.recordCount,
                  error: r.error,
                  sameError: r.status === 'failed' && f.status === 'failed' && r.error === f.error,
                });
              }
            }
            return { out, skipped };
          }),
        );
        const failed = results.filter((r) => r.status === 'failed').length;
        if (opts.json) {
          console.log(
            JSON.stringify({
              files: results.length,
              processed: results.filter((r) => r.status === 'processed').length,
              duplicates: results.filter((r) => r.status === 'duplicate').length,
              unsupported: results.filter((r) => r.status === 'unsupported').length,
              failed,
              reports: results.reduce((a, r) => a + r.reports, 0),
              records: results.reduce((a, r) => a + r.records, 0),
              results,
              skipped,
            }),
          );
        } else {
          if (results.length === 0) console.log('no files to re-process');
          for (const r of results) {
            const why = r.error ? ` (${r.sameError ? 'the same error as before: ' : ''}${r.error})` : '';
            console.log(`file ${r.id} ${r.name}: ${r.status}, ${r.reports} new reports${why}`);
          }
          if (results.length > 0) console.log(totalLine(results));
          if (skipped.length > 0) {
            console.log(
              `skipped ${skipped.length === 1 ? '1 file' : `${skipped.length} files`} that failed again when ` +
                `re-processed before (ids ${skipped.join(', ')}): --all-failed runs them too, ` +
                `dmarc delete file removes them`,
            );
          }
        }
        process.exitCode = failed > 0 ? EXIT.failure : EXIT.ok;
      },
    );
}
