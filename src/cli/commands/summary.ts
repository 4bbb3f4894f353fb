import { Command } from 'commander';
import type { DomainSummary, SummaryFigures } from '../../analytics/summary.js';
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

const MAX_LISTED = 20;

/** Why a summary is empty: nothing stored, a domain without reports (and the ones with), or the period. */
function nothingMatched(opts: { domain?: string; from?: string; to?: string }, stored: DomainSummary[]): string {
  if (stored.length === 0) return 'no reports stored in this organisation yet (import some with: dmarc import PATH)';
  const period = opts.from || opts.to ? periodWords(opts.from, opts.to) : '';
  if (opts.domain && !stored.some((d) => d.domain === opts.domain)) {
    const names = stored.map((d) => d.domain);
    const listed = names.slice(0, MAX_LISTED).join(', ');
    const more = names.length > MAX_LISTED ? `, and ${names.length - MAX_LISTED} more` : '';
    return `no reports for ${opts.domain}; the reports stored are for: ${listed}${more}`;
  }
  return `no reports ${opts.domain ? `for ${opts.domain} ` : ''}began ${period} (try other --from/--to)`;
}

function periodWords(from: string | undefined, to: string | undefined): string {
  if (from && to) return from === to ? `on ${from}` : `between ${from} and ${to}`;
  return from ? `on or after ${from}` : `on or before ${to ?? ''}`;
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
      const { summarise } = await import('../../analytics/summary.js');
      const { s, stored } = await withDatabase(config, async (db) => {
        const orgId = (await orgFrom(cmd, db)).id;
        const s = await summarise(db, { orgId, domain: opts.domain, from: opts.from, to: opts.to });
        // nothing matched: say why, from what is stored
        const stored = s.domains.length === 0 && !opts.json ? (await summarise(db, { orgId })).domains : [];
        return { s, stored };
      });
      if (opts.json) {
        console.log(JSON.stringify(s));
        return;
      }
      if (s.domains.length === 0) {
        console.log(nothingMatched(opts, stored));
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
