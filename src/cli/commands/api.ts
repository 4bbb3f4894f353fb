import { Command } from 'commander';
import { configFrom } from '../context.js';
import { CliError } from '../errors.js';
import { parsePositiveIntOption } from '../options.js';

export function apiCommand(): Command {
  return new Command('api')
    .description('run the HTTP API and dashboard only (distributed mode: jobs go to dmarc worker processes)')
    .option('--port <port>', 'TCP port (env PORT, default 8080)', parsePositiveIntOption)
    .option('--host <host>', 'address to listen on (env HOST, default 0.0.0.0)')
    .addHelpText(
      'after',
      '\nNeeds DATABASE_URL (PostgreSQL) and REDIS_URL: uploads are queued in Redis for dmarc worker; run as many\n' +
        'API processes as you like behind a load balancer. Stops gracefully on SIGTERM/SIGINT.',
    )
    .action(async (opts: { port?: number; host?: string }, cmd: Command) => {
      const config = configFrom(cmd);
      if (opts.port !== undefined) config.server.port = opts.port;
      if (opts.host !== undefined) config.server.host = opts.host;
      // loaded here, not with the program: the server's modules take seconds to load
      const [{ DistributedModeRequired, requireDistributed }, { stopOnSignal }, { startServer }] = await Promise.all([
        import('../../runtime/jobs.js'),
        import('../../runtime/processes.js'),
        import('../../runtime/serve.js'),
      ]);
      try {
        requireDistributed(config, 'api');
      } catch (err) {
        if (err instanceof DistributedModeRequired) throw new CliError(err.message);
        throw err;
      }
      const server = await startServer(config, { worker: false, scheduler: false });
      process.stdout.write(`dmarc: API serving on ${server.url} (API docs at ${server.url}/docs)\n`);
      await stopOnSignal(() => server.stop());
    });
}
