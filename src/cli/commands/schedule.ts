import { Command } from 'commander';
import { configFrom } from '../context.js';

export function scheduleCommand(): Command {
  const schedule = new Command('schedule').description('the scheduled background tasks');
  schedule
    .command('list')
    .description('list the scheduled tasks, their cron expressions and next runs')
    .option('--json', 'print [{task, cron, timezone, enabled, disabledBecause, nextRuns, description}]')
    .option('--next <n>', 'next runs shown per task', (v: string) => Math.min(20, Math.max(1, Number(v) || 1)), 1)
    .addHelpText(
      'after',
      '\nSet a schedule with DMARC_SCHEDULE_<TASK> (e.g. DMARC_SCHEDULE_FETCH_IMAP="*/10 * * * *", or "off"), or in\n' +
        'the DMARC_CONFIG file under `schedules:`. Cron expressions are read in DMARC_SCHEDULE_TIMEZONE (default UTC).',
    )
    .action(async (opts: { json?: boolean; next: number }, cmd: Command) => {
      const config = configFrom(cmd);
      const { listSchedules, nextRuns } = await import('../../jobs/schedules.js');
      const tz = config.jobs.timezone;
      const now = new Date();
      const rows = listSchedules(config).map((s) => ({
        task: s.task,
        cron: s.cron,
        timezone: tz,
        enabled: s.cron !== null,
        disabledBecause: s.disabledBecause,
        nextRuns: s.cron ? nextRuns(s.cron, tz, now, opts.next).map((d) => d.toISOString()) : [],
        description: s.description,
      }));
      if (opts.json) {
        console.log(JSON.stringify(rows));
        return;
      }
      const width = Math.max(...rows.map((r) => (r.cron ?? 'off').length), 4);
      console.log(`${'task'.padEnd(16)} ${'cron'.padEnd(width)}  next run (UTC)             description`);
      for (const r of rows) {
        const next = r.enabled ? r.nextRuns.join(', ') : `off: ${r.disabledBecause}`;
        console.log(`${r.task.padEnd(16)} ${(r.cron ?? 'off').padEnd(width)}  ${next.padEnd(26)} ${r.description}`);
      }
      if (tz !== 'UTC') console.log(`\ncron expressions are read in ${tz}`);
    });
  return schedule;
}
