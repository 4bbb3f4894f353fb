// `dmarc export csv <what>`: reports, records, sources, senders or alerts as CSV (or NDJSON), written straight
// from the store with the same code as GET /api/export/*.csv (src/exports/csv) — keyset pages, constant memory.
// With -o FILE: the file is written beside its name and renamed when complete (an interrupted export leaves no
// half file), with a progress bar on a terminal and nothing else printed (--json: a summary line). Without -o, or
// with -o -: the export on stdout and nothing else.
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { configFrom, orgFrom, withDatabase } from '../context.js';
import { CliError } from '../errors.js';
import { parseDateOption, parseDomainOption, parsePositiveIntOption } from '../options.js';

const WHAT = ['reports', 'records', 'sources', 'senders', 'alerts'] as const;
type What = (typeof WHAT)[number];

interface ExportCsvOptions {
  output?: string;
  format: 'csv' | 'ndjson';
  bom?: boolean;
  json?: boolean;
  domain?: string;
  from?: string;
  to?: string;
  period?: 'all' | 'none';
  reporter?: string;
  sourceIp?: string;
  disposition?: 'none' | 'quarantine' | 'reject' | 'pass';
  dmarc?: 'pass' | 'fail';
  country?: string;
  asn?: number;
  sender?: string;
  state?: string;
  severity?: 'info' | 'warning' | 'critical';
  rule?: number;
}

function parseAsn(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 4_294_967_295) throw new CliError(`--asn: expected an AS number, got '${value}'`);
  return n;
}

export function exportCsvCommand(): Command {
  return new Command('csv')
    .description('export reports, records, sources, senders or alerts as CSV (RFC 4180, UTF-8) or NDJSON')
    .argument('<what>', `what to export: ${WHAT.join(', ')}`, (v: string) => {
      if (!(WHAT as readonly string[]).includes(v))
        throw new CliError(`expected one of ${WHAT.join(', ')}, got '${v}'`);
      return v as What;
    })
    .option('-o, --output <file>', 'file to write (- or none: stdout)')
    .addOption(
      new Option('--format <format>', 'csv or ndjson (one JSON object per line)')
        .choices(['csv', 'ndjson'])
        .default('csv'),
    )
    .option('--bom', 'CSV: start with a UTF-8 byte order mark (for Excel)')
    .option('--json', 'with -o FILE: print {"file","what","format","rows","bytes"} when written')
    .option('--domain <domain>', 'only this policy domain', parseDomainOption)
    .option('--from <date>', 'first day (YYYY-MM-DD, UTC, on the report period begin)', parseDateOption)
    .option('--to <date>', 'last day, inclusive (YYYY-MM-DD, UTC)', parseDateOption)
    .addOption(
      new Option('--period <period>', 'instead of --from/--to: all, or none (reports without a period)').choices([
        'all',
        'none',
      ]),
    )
    .option('--reporter <name>', 'only reports from this reporting organisation (exact name)')
    .option('--source-ip <address>', 'only records from this address or CIDR network')
    .addOption(
      new Option('--disposition <disposition>', 'only records with this disposition').choices([
        'none',
        'quarantine',
        'reject',
        'pass',
      ]),
    )
    .addOption(new Option('--dmarc <result>', 'only records that pass or fail DMARC').choices(['pass', 'fail']))
    .option('--country <code>', "only sources of this country (ISO 3166-1 alpha-2, from the sources' enrichment)")
    .option('--asn <number>', 'only sources of this autonomous system', parseAsn)
    .option('--sender <key or name>', 'only sources of this sender (e.g. sendgrid, ptr:example.net, asn:64500)')
    .option('--state <states>', 'alerts: comma-separated states (open, acknowledged, resolved) or unresolved')
    .addOption(
      new Option('--severity <severity>', 'alerts: only this severity').choices(['info', 'warning', 'critical']),
    )
    .option('--rule <id>', 'alerts: only this rule', parsePositiveIntOption)
    .addHelpText(
      'after',
      '\nThe organisation is --org (env DMARC_ORG, default: default). The columns are described in docs/exports.md.\n' +
        'Examples:\n' +
        '  dmarc export csv records --domain example.com --from 2024-06-01 --to 2024-06-30 -o june.csv\n' +
        '  dmarc export csv sources --dmarc fail --format ndjson | jq .source_ip',
    )
    .action(async (what: What, opts: ExportCsvOptions, cmd: Command) => {
      const toStdout = opts.output === undefined || opts.output === '-';
      if (opts.json && toStdout) throw new CliError('--json needs -o FILE (on stdout there is only the export)');
      if (what === 'alerts') {
        const bad = (
          ['from', 'to', 'period', 'reporter', 'sourceIp', 'disposition', 'dmarc', 'country', 'asn', 'sender'] as const
        ).filter((k) => opts[k] !== undefined);
        if (bad.length > 0)
          throw new CliError(`alerts take --state, --severity, --domain and --rule, not --${bad.join(', --')}`);
      } else if (opts.state !== undefined || opts.severity !== undefined || opts.rule !== undefined) {
        throw new CliError('--state, --severity and --rule are for alerts');
      }
      const config = configFrom(cmd);
      const [{ toAnalyticsFilter }, { statesOf }, { exportChunks, exportCount }] = await Promise.all([
        import('../../api/filters.js'),
        import('../../api/routes/alerts.js'),
        import('../../exports/csv/index.js'),
      ]);
      const filters = {
        domain: opts.domain,
        from: opts.from,
        to: opts.to,
        period: opts.period,
        org: opts.reporter,
        source_ip: opts.sourceIp,
        disposition: opts.disposition,
        dmarc: opts.dmarc,
        country: opts.country,
        asn: opts.asn,
        sender: opts.sender,
      };
      // the API's checks (a real date, from <= to, an address or CIDR, a country code...), before the database
      const analytics = what === 'alerts' ? undefined : toAnalyticsFilter(filters);
      const states = what === 'alerts' ? statesOf(opts.state) : undefined;
      const target = toStdout ? undefined : path.resolve(opts.output!);
      const partial = target ? `${target}.part-${process.pid}` : undefined;
      const summary = await withDatabase(config, async (db) => {
        const orgId = (await orgFrom(cmd, db)).id;
        const request =
          what === 'alerts'
            ? {
                name: what,
                filter: { orgId, states, severity: opts.severity, domain: opts.domain, ruleId: opts.rule },
              }
            : { name: what, filter: { ...analytics, orgId } };
        const showBar = !toStdout && process.stderr.isTTY;
        const total = showBar ? await exportCount(db, request) : undefined;
        const bar = showBar ? await progressBar(what, total) : undefined;
        let rows = 0;
        let bytes = 0;
        const chunks = exportChunks(db, request, {
          format: opts.format,
          bom: opts.bom === true,
          onRows: (n) => {
            rows = n;
            bar?.update(n);
          },
        });
        const counted = async function* () {
          for await (const c of chunks) {
            const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
            bytes += b.length;
            yield b;
          }
        };
        try {
          const out: Writable = partial ? fs.createWriteStream(partial, { flags: 'wx' }) : process.stdout;
          await pipeline(Readable.from(counted()), out, { end: partial !== undefined });
          if (partial && target) fs.renameSync(partial, target);
        } catch (err) {
          if (partial) fs.rmSync(partial, { force: true });
          throw err;
        } finally {
          bar?.stop();
        }
        return { file: target ?? '-', what, format: opts.format, rows, bytes };
      });
      if (opts.json) console.log(JSON.stringify(summary));
    });
}

async function progressBar(
  what: string,
  total: number | undefined,
): Promise<{ update(n: number): void; stop(): void }> {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format:
        total !== undefined ? `exporting ${what} |{bar}| {value}/{total} rows` : `exporting ${what}: {value} rows`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total ?? 0, 0);
  return {
    update: (n) => bar.update(total !== undefined ? Math.min(n, total) : n),
    stop: () => bar.stop(),
  };
}
