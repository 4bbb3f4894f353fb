// `dmarc export pdf -o FILE [--domain D] [--from D] [--to D]`: the PDF report of the organisation, read from the
// store directly (the same src/exports code as GET /api/export/report.pdf), with its stages on a terminal.
import fs from 'node:fs/promises';
import path from 'node:path';
import { domainToASCII } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { configFrom, orgFrom, withDatabase } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { parseDateOption, parseDomainOption } from '../options.js';

/** A policy domain as reports carry it: ASCII (checked like everywhere) or an IDN in Unicode. */
export function parseReportDomain(value: string): string {
  const d = value.trim().toLowerCase().replace(/\.$/, '');
  if (/^[\x20-\x7e]*$/.test(d)) return parseDomainOption(value);
  if (domainToASCII(d) === '') throw new InvalidArgumentError(`expected a domain name, got '${value}'`);
  return d;
}

interface Options {
  output: string;
  domain?: string;
  from?: string;
  to?: string;
  json?: boolean;
}

const STAGES = { querying: 'reading the figures', drawing: 'drawing the pages', writing: 'writing the PDF' };

/** Where to write: FILE, or the report's own file name inside FILE when it is a directory. */
async function target(output: string, fileName: string): Promise<string> {
  const stat = await fs.stat(output).catch(() => undefined);
  return stat?.isDirectory() || output.endsWith('/') ? path.join(output, fileName) : output;
}

export function exportPdfCommand(): Command {
  return new Command('pdf')
    .description('the PDF report (figures, charts, what fails and why, the published policy) for a domain or all')
    .requiredOption('-o, --output <file>', 'where to write the PDF (a directory: with its own file name)')
    .option('--domain <domain>', 'only this policy domain (default: all domains)', parseReportDomain)
    .option('--from <date>', 'first day (YYYY-MM-DD, UTC; default: 30 days before --to)', parseDateOption)
    .option('--to <date>', 'last day, inclusive (default: the last day with data)', parseDateOption)
    .option('--json', 'print {"file", "bytes", "fileName", "period", "messages", "empty"} instead of a sentence')
    .action(async (opts: Options, cmd: Command) => {
      if (opts.from && opts.to && opts.from > opts.to) {
        throw new CliError(`--from ${opts.from} is after --to ${opts.to}`);
      }
      // a file that cannot be written says so before any work is done
      const outDir = (await fs.stat(opts.output).catch(() => undefined))?.isDirectory()
        ? opts.output
        : path.dirname(opts.output);
      if (!(await fs.stat(outDir).catch(() => undefined))?.isDirectory()) {
        throw new CliError(`cannot write ${opts.output} (ENOENT: no directory ${outDir})`, EXIT.failure);
      }
      const config = configFrom(cmd);
      const showProgress = !opts.json && process.stderr.isTTY === true;
      const [{ renderReport }, { listOrgDomains }, { default: cliProgress }] = await Promise.all([
        import('../../exports/pdf/report.js'),
        import('../../store/organizations.js'),
        import('cli-progress'),
      ]);
      const bar = showProgress
        ? new cliProgress.SingleBar(
            { format: 'PDF report |{bar}| {stage}', stream: process.stderr, hideCursor: true },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      const report = await withDatabase(config, async (db) => {
        const org = await orgFrom(cmd, db);
        if (opts.domain !== undefined) {
          const known = (await listOrgDomains(db, org.id)).map((d) => d.name);
          if (!known.includes(opts.domain)) {
            const listed = known.length ? `; its domains: ${known.slice(0, 20).join(', ')}` : '';
            throw new CliError(`no reports for ${opts.domain} in organisation '${org.slug}'${listed}`, EXIT.failure);
          }
        }
        bar?.start(3, 0, { stage: STAGES.querying });
        let step = 0;
        try {
          return await renderReport(db, {
            orgName: org.name,
            filter: { orgId: org.id, domain: opts.domain, from: opts.from, to: opts.to },
            onStage: (s) => bar?.update(step++, { stage: STAGES[s] }),
          });
        } finally {
          bar?.update(3, { stage: 'done' });
          bar?.stop();
        }
      });
      const file = await target(opts.output, report.fileName);
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        await fs.writeFile(tmp, report.pdf);
        await fs.rename(tmp, file);
      } catch (err) {
        await fs.rm(tmp, { force: true });
        const why = err instanceof Error && 'code' in err ? String(err.code) : 'error';
        throw new CliError(`cannot write ${file} (${why})`, EXIT.failure);
      }
      const period = report.data.period;
      if (opts.json) {
        console.log(
          JSON.stringify({
            file,
            bytes: report.pdf.length,
            fileName: report.fileName,
            period,
            messages: report.data.summary.messages,
            empty: report.empty,
          }),
        );
        return;
      }
      const what = report.empty
        ? 'no data for these filters (a one-page PDF says so)'
        : `${report.data.summary.messages} messages`;
      const span = period ? `${period.from} – ${period.to}` : 'reports without a period';
      console.log(`wrote ${file} (${Math.round(report.pdf.length / 1024)} KiB): ${what}, ${span}`);
    });
}
