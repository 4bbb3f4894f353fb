import { Command } from 'commander';
import { configFrom } from '../context.js';
import { CliError } from '../errors.js';
import { parsePositiveIntOption } from '../options.js';

export function workerCommand(): Command {
  return new Command('worker')
    .description('run background jobs from the Redis queue (distributed mode; start as many as you need)')
    .option(
      '--concurrency <n>',
      'jobs run at once by this process (env DMARC_WORKER_CONCURRENCY, default 2)',
      parsePositiveIntOption,
    )
    .addHelpText(
      'after',
      '\nNeeds DATABASE_URL (PostgreSQL) and REDIS_URL. Answers GET /health on PORT when it is set.\n' +
        'SIGTERM/SIGINT: stops taking jobs and finishes the running ones (after 30 s they are released to other\n' +
        'workers). Jobs of a worker that dies run again elsewhere within a minute.',
    )
    .action(async (opts: { concurrency?: number }, cmd: Command) => {
      const config = configFrom(cmd);
      const [{ DistributedModeRequired }, { startWorker, stopOnSignal }] = await Promise.all([
        import('../../runtime/jobs.js'),
        import('../../runtime/processes.js'),
      ]);
      let worker;
      try {
        worker = await startWorker(config, { concurrency: opts.concurrency });
      } catch (err) {
        if (err instanceof DistributedModeRequired) throw new CliError(err.message);
        throw err;
      }
      process.stdout.write(`dmarc: worker running${worker.health ? ` (health on port ${worker.health.port})` : ''}\n`);
      await stopOnSignal(() => worker.stop());
    });
}
