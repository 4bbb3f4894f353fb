import fs from 'node:fs/promises';
import { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { formatBytes } from '../../config/parse-values.js';
import type { ParsedFile } from '../../parse/parse-file.js';
import { tlsReportRfcJson } from '../../parse/tls/rfc-json.js';
import { EXIT } from '../errors.js';

interface Line {
  file: string;
  status: ParsedFile['status'];
  error: string | null;
  recovered: boolean;
  kinds?: string[];
  reports: ParsedFile['reports'];
  tlsReports: ParsedFile['tlsReports'];
  failureReports?: ParsedFile['failureReports'];
}

/**
 * A parsed report as `parse --json` prints it: the model's fields in their order, with the reporter under
 * RFC 7489's own name `orgName` (scripts read it; inside the code it is `reporterOrg`).
 */
function reportJson(r: ParsedFile['reports'][number]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[k === 'reporterOrg' ? 'orgName' : k] = v;
  return out;
}

/** A TLS report as `parse --json` prints it: RFC 8460's field names, and where it sat in the file. */
function tlsJson(r: ParsedFile['tlsReports'][number]): Record<string, unknown> {
  const { part, ...report } = r;
  return { part, ...tlsReportRfcJson(report) };
}

function date(s: number | null): string {
  return s === null ? '?' : new Date(s * 1000).toISOString().replace('.000Z', 'Z');
}

function printHuman(l: Line): void {
  console.log(`${l.file}: ${l.status}${l.recovered ? ' (recovered from malformed XML)' : ''}`);
  if (l.error) console.log(`  error: ${l.error}`);
  for (const r of l.reports) {
    const messages = r.records.reduce((a, x) => a + x.count, 0);
    console.log(
      `  ${r.part}: ${r.reporterOrg || '(no org name)'} report ${r.reportId} for ${r.domain}, ${date(r.begin)} .. ${date(r.end)}, ` +
        `${r.records.length} records, ${messages} messages (${r.schema}${r.version ? ` v${r.version}` : ''})`,
    );
    for (const w of r.warnings) console.log(`    warning: ${w}`);
  }
  for (const r of l.tlsReports) {
    const ok = r.policies.reduce((a, p) => a + p.successfulSessions, 0);
    const failed = r.policies.reduce((a, p) => a + p.failedSessions, 0);
    console.log(
      `  ${r.part}: ${r.organizationName} SMTP TLS report ${r.reportId} for ${r.domain}, ${date(r.start)} .. ${date(r.end)}, ` +
        `${r.policies.length} policies, ${ok} successful and ${failed} failed sessions`,
    );
    for (const w of r.warnings) console.log(`    warning: ${w}`);
  }
  for (const r of l.failureReports ?? []) {
    console.log(
      `  ${r.part}: failure report (${r.feedbackType ?? '?'}${r.authFailure ? `, ${r.authFailure}` : ''}) for ` +
        `${r.reportedDomain ?? '?'} from ${r.sourceIp ?? '?'}, arrived ${r.arrivalDate?.toISOString() ?? r.arrivalDateRaw ?? '?'}`,
    );
    for (const w of r.warnings) console.log(`    warning: ${w}`);
  }
}

export function parseCommand(): Command {
  return new Command('parse')
    .description('parse report files without storing them (shows why a file fails)')
    .argument('<file...>', 'files to parse (xml, json, gz, zip, eml, mbox)')
    .option(
      '--json',
      'one JSON object per line per file: {file, status, error, recovered, reports:[...], tlsReports:[...]}',
    )
    .action(async (files: string[], opts: { json?: boolean }) => {
      const config = loadConfig();
      const { parseFile } = await import('../../parse/parse-file.js');
      let failed = 0;
      for (const file of files) {
        let line: Line;
        try {
          const st = await fs.stat(file);
          if (st.size > config.limits.maxInputBytes) {
            line = {
              file,
              status: 'failed',
              error: `file is larger than the limit of ${formatBytes(config.limits.maxInputBytes)} (DMARC_MAX_INPUT_BYTES)`,
              recovered: false,
              reports: [],
              tlsReports: [],
            };
          } else {
            const parsed = await parseFile(
              await fs.readFile(file),
              file.split(/[\\/]/).pop() ?? file,
              config.limits,
              config.failures,
            );
            line = {
              file,
              status: parsed.status,
              error: parsed.error,
              recovered: parsed.recovered,
              reports: parsed.reports,
              tlsReports: parsed.tlsReports,
            };
            if (parsed.failureReports.length > 0) line.failureReports = parsed.failureReports;
            if (parsed.unsupportedKinds.length > 0) line.kinds = parsed.unsupportedKinds;
          }
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (!code) throw err;
          line = {
            file,
            status: 'failed',
            error: code === 'ENOENT' ? 'no such file or directory' : `cannot read file: ${code}`,
            recovered: false,
            reports: [],
            tlsReports: [],
          };
        }
        if (line.status === 'failed') failed++;
        if (opts.json)
          console.log(
            JSON.stringify({
              ...line,
              reports: line.reports.map(reportJson),
              tlsReports: line.tlsReports.map(tlsJson),
            }),
          );
        else printHuman(line);
      }
      process.exitCode = failed > 0 ? EXIT.failure : EXIT.ok;
    });
}
