import { Command } from 'commander';
import type { FetchSummary } from '../../ingest/imap/fetch.js';
import { configFrom, withDatabase, withReportSink } from '../context.js';
import { CliError, EXIT } from '../errors.js';

function printHuman(s: FetchSummary): void {
  for (const m of s.mailboxes) {
    if (m.error) {
      console.log(`mailbox ${m.name} (${m.folder}): NOT READ: ${m.error}`);
      continue;
    }
    const moved = [
      m.movedToProcessed ? `${m.movedToProcessed} moved to processed` : '',
      m.markedSeen ? `${m.markedSeen} marked seen` : '',
      m.movedToInvalid ? `${m.movedToInvalid} moved to invalid` : '',
      m.leftForLater ? `${m.leftForLater} left for the next run` : '',
    ].filter(Boolean);
    console.log(
      `mailbox ${m.name} (${m.folder}): ${m.messages} new messages${moved.length ? `; ${moved.join(', ')}` : ''}`,
    );
  }
  console.log(
    [
      `messages:     ${s.files}`,
      `imported:     ${s.imported}`,
      `duplicates:   ${s.duplicates}`,
      `unsupported:  ${s.unsupported}`,
      `failed:       ${s.failed}`,
      `new reports:  ${s.reports}`,
      `new records:  ${s.records}`,
    ].join('\n'),
  );
  if (s.failures.length > 0) {
    console.log('\nfailures:');
    for (const f of s.failures) console.log(`  ${f.file}: ${f.error}`);
  }
}

export function fetchCommand(): Command {
  return new Command('fetch')
    .description(
      'fetch new DMARC reports from the configured mailboxes (IMAP, Graph, Gmail, Maildir) now, and store them',
    )
    .option('--mailbox <name>', 'only this mailbox (see DMARC_CONFIG); default: all of them')
    .option(
      '--json',
      'print the summary as JSON: {files, imported, duplicates, unsupported, failed, reports, records, failures, mailboxes}',
    )
    .addHelpText(
      'after',
      '\nMailboxes come from DMARC_IMAP_* or the DMARC_CONFIG file (imap, graph, gmail, maildir). Messages with reports\n' +
        'are moved to the processed folder (or marked seen/read, or relabelled), messages without a readable report to\n' +
        'the invalid folder.\n' +
        'Exit status 1 only when a mailbox could not be reached or read.',
    )
    .action(async (opts: { mailbox?: string; json?: boolean }, cmd: Command) => {
      const config = configFrom(cmd);
      const all = [...config.imap, ...config.mailboxes];
      if (all.length === 0) {
        throw new CliError(
          'no IMAP mailbox is configured, nor a Graph, Gmail or Maildir one: set DMARC_IMAP_HOST, DMARC_IMAP_USER, ... or DMARC_CONFIG',
        );
      }
      const pick = <M extends { name: string }>(list: M[]) =>
        opts.mailbox ? list.filter((m) => m.name === opts.mailbox) : list;
      const imap = pick(config.imap);
      const others = pick(config.mailboxes);
      if (imap.length + others.length === 0) {
        throw new CliError(`no mailbox named '${opts.mailbox}'; configured: ${all.map((m) => m.name).join(', ')}`);
      }
      const [{ fetchAllMailboxes }, { findOrgBySlug }] = await Promise.all([
        import('../../ingest/mailboxes/fetch.js'),
        import('../../store/organizations.js'),
      ]);
      const summary: FetchSummary = await withReportSink(config, (sink) =>
        withDatabase(config, (db) =>
          fetchAllMailboxes(db, imap, others, {
            limits: config.limits,
            failures: config.failures,
            staleAfterMs: config.jobs.staleAfterMs,
            orgOf: async (m) => (await findOrgBySlug(db, m.org))?.id,
            sink,
          }),
        ),
      );
      if (opts.json) console.log(JSON.stringify(summary));
      else printHuman(summary);
      process.exitCode = summary.mailboxes.some((m) => m.error !== null) ? EXIT.failure : EXIT.ok;
    });
}
