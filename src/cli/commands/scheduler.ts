import { Command } from 'commander';
import { configFrom } from '../context.js';
import { CliError } from '../errors.js';

export function schedulerCommand(): Command {
  return new Command('scheduler')
    .description(
      'put the scheduled tasks on their schedules in Redis, hold the IMAP IDLE connections (distributed mode)',
    )
    .addHelpText(
      'after',
      '\nNeeds DATABASE_URL (PostgreSQL) and REDIS_URL. The schedules are BullMQ job schedulers: this command\n' +
        'creates, updates and removes them to match the configuration, at start and every minute; BullMQ makes one\n' +
        'job per time slot however many schedulers run. Mailboxes with IDLE on are watched by one scheduler at a\n' +
        'time (a lease in Redis); another one stands by and takes over when it stops.\n' +
        'See `dmarc schedule list` for the schedules. Answers GET /health on PORT when it is set.',
    )
    .action(async (_opts: object, cmd: Command) => {
      const config = configFrom(cmd);
      const [{ DistributedModeRequired }, { startScheduler, stopOnSignal }] = await Promise.all([
        import('../../runtime/jobs.js'),
        import('../../runtime/processes.js'),
      ]);
      let scheduler;
      try {
        scheduler = await startScheduler(config);
      } catch (err) {
        if (err instanceof DistributedModeRequired) throw new CliError(err.message);
        throw err;
      }
      const s = scheduler.background.scheduler;
      const count = s?.activeSchedules;
      process.stdout.write(
        `dmarc: scheduler running (${count === null || count === undefined ? 'job schedulers not synced yet' : `${count} job schedulers`}; ` +
          `IMAP IDLE: ${s?.idle ?? 'none'})\n`,
      );
      await stopOnSignal(() => scheduler.stop());
    });
}
