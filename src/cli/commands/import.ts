import { Command } from 'commander';
import type { ImportSummary } from '../../ingest/import-files.js';
import { configFrom, orgFrom, withDatabase, withReportSink } from '../context.js';
import { EXIT } from '../errors.js';
import { parsePositiveIntOption } from '../options.js';

function printHuman(s: ImportSummary): void {
  const lines = [
    `files:        ${s.files}`,
    `imported:     ${s.imported}`,
    `duplicates:   ${s.duplicates}`,
    `unsupported:  ${s.unsupported}`,
    `failed:       ${s.failed}`,
    `new reports:  ${s.reports}`,
    `new records:  ${s.records}`,
  ];
  console.log(lines.join('\n'));
  if (s.failures.length > 0) {
    console.log('\nfailures:');
    for (const f of s.failures) console.log(`  ${f.file}: ${f.error}`);
  }
}

export function importCommand(): Command {
  return new Command('import')
    .description(
      'import DMARC reports from files and directories (xml, gz, zip, eml, mbox), recursively, into an organisation',
    )
    .argument('<path...>', 'files or directories to import (hidden entries inside directories are skipped)')
    .option(
      '--json',
      'print the summary as JSON: {files, imported, duplicates, unsupported, failed, reports, records, failures}',
    )
    .option(
      '--concurrency <n>',
      'files processed at once (default: 2 with PostgreSQL, 1 embedded)',
      parsePositiveIntOption,
    )
    .addHelpText(
      'after',
      '\nThe same bytes imported twice, or the same report in another container, are counted as duplicates.\nExit status 1 if any file failed.',
    )
    .action(async (paths: string[], opts: { json?: boolean; concurrency?: number }, cmd: Command) => {
      const config = configFrom(cmd);
      const showBar = !opts.json && process.stderr.isTTY === true;
      const [{ importFiles }, cliProgress] = await Promise.all([
        import('../../ingest/import-files.js'),
        showBar ? import('cli-progress').then((m) => m.default) : undefined,
      ]);
      const bar = cliProgress
        ? new cliProgress.SingleBar(
            {
              format: 'importing |{bar}| {value}/{total} files | {reports} reports | {failed} failed',
              stream: process.stderr,
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      let started = false;
      const summary = await withReportSink(config, (sink) =>
        withDatabase(config, async (db) =>
          importFiles(db, paths, {
            orgId: (await orgFrom(cmd, db)).id,
            sink,
            limits: config.limits,
            concurrency: opts.concurrency ?? (config.database.kind === 'postgres' ? 2 : 1),
            onProgress: (done, total, s) => {
              if (!bar) return;
              if (!started) {
                bar.start(total, done, { reports: s.reports, failed: s.failed });
                started = true;
              } else bar.update(done, { reports: s.reports, failed: s.failed });
            },
          }),
        ),
      );
      bar?.stop();
      if (opts.json) console.log(JSON.stringify(summary));
      else printHuman(summary);
      process.exitCode = summary.failed > 0 ? EXIT.failure : EXIT.ok;
    });
}
