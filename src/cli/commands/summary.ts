import { Command } from 'commander';
import { summarise, type SummaryFigures } from '../../analytics/summary.js';
import { configFrom, orgFrom, withDatabase } from '../context.js';
import { CliError } from '../errors.js';
import { parseDateOption, parseDomainOption } from '../options.js';

function pct(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}

function row(label: string, f: SummaryFigures): string[] {
  return [
    label,
    String(f.reports),
    String(f.records),
    String(f.messages),
    String(f.dmarcPass),
    pct(f.dmarcPass, f.messages),
    String(f.dkimAlignedPass),
    String(f.spfAlignedPass),
    `${f.disposition.none}/${f.disposition.quarantine}/${f.disposition.reject}/${f.disposition.pass}`,
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

export function summaryCommand(): Command {
  return new Command('summary')
    .description('message totals per policy domain and overall (from the stored reports)')
    .option('--domain <domain>', 'only this policy domain', parseDomainOption)
    .option('--from <date>', 'first day (YYYY-MM-DD, UTC, on the report period begin)', parseDateOption)
    .option('--to <date>', 'last day, inclusive (YYYY-MM-DD, UTC)', parseDateOption)
    .option('--json', 'print {"domains":[{domain, reports, records, messages, dmarcPass, ...}], "totals":{...}}')
    .action(async (opts: { domain?: string; from?: string; to?: string; json?: boolean }, cmd: Command) => {
      if (opts.from && opts.to && opts.from > opts.to)
        throw new CliError(`--from ${opts.from} is after --to ${opts.to}`);
      const config = configFrom(cmd);
      const s = await withDatabase(config, async (db) =>
        summarise(db, { orgId: (await orgFrom(cmd, db)).id, domain: opts.domain, from: opts.from, to: opts.to }),
      );
      if (opts.json) {
        console.log(JSON.stringify(s));
        return;
      }
      if (s.domains.length === 0) {
        console.log('no reports match (import some with: dmarc import PATH)');
        return;
      }
      const header = [
        'domain',
        'reports',
        'records',
        'messages',
        'dmarc pass',
        'compliance',
        'dkim aligned',
        'spf aligned',
        'none/quar/rej/pass',
      ];
      console.log(table([header, ...s.domains.map((d) => row(d.domain, d)), row('TOTAL', s.totals)]));
    });
}
