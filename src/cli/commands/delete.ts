// `dmarc delete file|report <id...>`: removes what was imported by mistake (a file with the reports stored from
// it, or single reports), with the rollups rebuilt and the organisation's cached answers dropped, as
// DELETE /api/files/:id and /api/reports/:id do. Asks first on a terminal; --yes for scripts.
import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import type { DeletedTotals } from '../../store/delete-reports.js';
import { configFrom, orgFrom, withDatabase } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { parsePositiveIntOption } from '../options.js';
import { canPrompt } from '../prompt-password.js';

type What = 'file' | 'report';

interface Row extends DeletedTotals {
  id: number;
  deleted: boolean;
  error: string | null;
}

const collectIds = (v: string, prev: number[] = []): number[] => [...prev, parsePositiveIntOption(v)];

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function deleteKind(what: What): Command {
  return new Command(what)
    .description(
      what === 'file'
        ? 'delete files, their kept bytes and the reports stored from them'
        : 'delete reports and their records (their files stay)',
    )
    .argument('<id...>', `ids of the ${what}s (as the dashboard and the API show them)`, collectIds)
    .option('-y, --yes', 'do not ask first (needed when not on a terminal)')
    .option('--json', 'print one JSON object: {deleted, reports, records, messages, results:[...]}')
    .action(async (ids: number[], opts: { yes?: boolean; json?: boolean }, cmd: Command) => {
      if (!opts.yes) {
        if (!canPrompt()) throw new CliError(`not on a terminal: add --yes to delete without being asked`);
        if (!(await confirm(`Delete ${plural(ids.length, what)} (${ids.join(', ')}) and what was stored from them?`))) {
          throw new CliError('nothing deleted', EXIT.failure);
        }
      }
      const config = configFrom(cmd);
      const [{ deleteFile, deleteReport }, { createCache }] = await Promise.all([
        import('../../store/delete-reports.js'),
        import('../../runtime/cache.js'),
      ]);
      const { cache, close } = createCache(config);
      const results = await withDatabase(config, async (db) => {
        const orgId = (await orgFrom(cmd, db)).id;
        const out: Row[] = [];
        const none = { reports: 0, records: 0, messages: 0 };
        for (const id of [...new Set(ids)]) {
          if (what === 'report') {
            const t = await deleteReport(db, orgId, id);
            out.push(
              t ? { id, deleted: true, error: null, ...t } : { id, deleted: false, error: 'no such report', ...none },
            );
          } else {
            const r = await deleteFile(db, orgId, id);
            out.push(
              r.deleted
                ? { id, deleted: true, error: null, ...r.totals }
                : {
                    id,
                    deleted: false,
                    error: r.reason === 'processing' ? 'being processed: try again once it is done' : 'no such file',
                    ...none,
                  },
            );
          }
        }
        // the API processes' cached answers (shared in Redis when configured) no longer count them
        if (out.some((r) => r.deleted)) await cache.invalidate(orgId);
        return out;
      }).finally(close);
      const sum = (k: keyof DeletedTotals): number => results.reduce((a, r) => a + r[k], 0);
      const deleted = results.filter((r) => r.deleted).length;
      if (opts.json) {
        console.log(
          JSON.stringify({
            deleted,
            reports: sum('reports'),
            records: sum('records'),
            messages: sum('messages'),
            results,
          }),
        );
      } else {
        for (const r of results) {
          console.log(
            r.deleted
              ? `${what} ${r.id}: deleted (${plural(r.reports, 'report')}, ${plural(r.messages, 'message')})`
              : `${what} ${r.id}: not deleted: ${r.error}`,
          );
        }
        console.log(
          `total: ${plural(deleted, what)} deleted, ${plural(sum('reports'), 'report')} and ` +
            `${plural(sum('messages'), 'message')} removed from every figure`,
        );
      }
      process.exitCode = deleted === results.length ? EXIT.ok : EXIT.failure;
    });
}

export function deleteCommand(): Command {
  return new Command('delete')
    .description('delete files or reports imported by mistake (figures follow at once)')
    .addCommand(deleteKind('file'))
    .addCommand(deleteKind('report'));
}
