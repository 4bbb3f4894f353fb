import { Command } from 'commander';
import type { ImportSummary } from '../../ingest/import-files.js';
import { configFrom, orgFrom, withDatabase, withReportSink } from '../context.js';
import { enrichFromCli } from '../enrich-progress.js';
import { EXIT } from '../errors.js';
import { parsePositiveIntOption } from '../options.js';

type Summary = ImportSummary & { enriched: number | null };

function printHuman(s: Summary): void {
  const lines = [
    `files:        ${s.files}`,
    `imported:     ${s.imported}`,
    `duplicates:   ${s.duplicates}`,
    `unsupported:  ${s.unsupported}`,
    `failed:       ${s.failed}`,
    `new reports:  ${s.reports}`,
    `new records:  ${s.records}`,
    ...(s.enriched !== null ? [`enriched:     ${s.enriched} source IPs`] : []),
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
      'print the summary as JSON: {files, imported, duplicates, unsupported, failed, reports, records, failures, enriched}',
    )
    .option('--no-enrich', 'leave the source IPs of the new reports to the worker or `dmarc enrich`')
    .option(
      '--concurrency <n>',
      'files processed at once (default: 2 with PostgreSQL, 1 embedded)',
      parsePositiveIntOption,
    )
    .addHelpText(
      'after',
      '\nThe same bytes imported twice, or the same report in another container, are counted as duplicates.\n' +
        'Then the source IPs of the new reports are enriched (country, AS, reverse DNS: see dmarc enrich --help),\n' +
        'in this process, after the files: importing never waits for DNS. Exit status 1 if any file failed.',
    )
    .action(async (paths: string[], opts: { json?: boolean; concurrency?: number; enrich: boolean }, cmd: Command) => {
      const config = configFrom(cmd);
      // opened first: a city database that is not one stops the command before it imports anything
      const enricher = opts.enrich
        ? await (await import('../../enrich/enricher.js')).SourceEnricher.open(config.enrich)
        : undefined;
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
      const summary: Summary = await withReportSink(config, (sink) =>
        withDatabase(config, async (db) => {
          const orgId = (await orgFrom(cmd, db)).id;
          const s = await importFiles(db, paths, {
            orgId,
            sink,
            limits: config.limits,
            failures: config.failures,
            concurrency: opts.concurrency ?? (config.database.kind === 'postgres' ? 2 : 1),
            onProgress: (done, total, s) => {
              if (!bar) return;
              if (!started) {
                bar.start(total, done, { reports: s.reports, failed: s.failed });
                started = true;
              } else bar.update(done, { reports: s.reports, failed: s.failed });
            },
          });
          bar?.stop();
          if (!enricher || s.reports === 0) return { ...s, enriched: enricher ? 0 : null };
          const e = await enrichFromCli(config, db, { orgId, scope: 'new' }, { showBar, enricher });
          return { ...s, enriched: e.enriched };
        }),
      );
      if (opts.json) console.log(JSON.stringify(summary));
      else printHuman(summary);
      process.exitCode = summary.failed > 0 ? EXIT.failure : EXIT.ok;
    });
}
