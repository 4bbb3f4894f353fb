import { Command } from 'commander';
import { DistributedModeRequired } from '../../runtime/jobs.js';
import { startScheduler, untilSignal } from '../../runtime/processes.js';
import { configFrom } from '../context.js';
import { CliError } from '../errors.js';

export function schedulerCommand(): Command {
  return new Command('scheduler')
    .description('queue the scheduled tasks at their times (distributed mode; one is active at a time)')
    .addHelpText(
      'after',
      '\nNeeds DATABASE_URL (PostgreSQL) and REDIS_URL. Schedulers elect a leader in Redis: a second one started\n' +
        'by mistake stands by and takes over when the first stops. Also holds the IMAP IDLE connections.\n' +
        'See `dmarc schedule list` for the schedules. Answers GET /health on PORT when it is set.',
    )
    .action(async (_opts: object, cmd: Command) => {
      const config = configFrom(cmd);
      let scheduler;
      try {
        scheduler = await startScheduler(config);
      } catch (err) {
        if (err instanceof DistributedModeRequired) throw new CliError(err.message);
        throw err;
      }
      process.stdout.write(
        `dmarc: scheduler running (${scheduler.background.scheduler?.isLeader ? 'active' : 'standing by'})\n`,
      );
      await untilSignal();
      await scheduler.stop();
    });
}
