import { Command } from 'commander';
import { configFrom } from '../context.js';
import { parsePositiveIntOption } from '../options.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description(
      'run the API, the dashboard, the background worker and the scheduler in one process (what npm start runs)',
    )
    .option('--port <port>', 'TCP port (env PORT, default 8080)', parsePositiveIntOption)
    .option('--host <host>', 'address to listen on (env HOST, default 0.0.0.0)')
    .addHelpText(
      'after',
      '\nJobs run on the in-process queue, or on BullMQ when REDIS_URL is set (then more dmarc worker processes can\n' +
        'help). Stops gracefully on SIGTERM/SIGINT: running work finishes, queued files are picked up at the next start.',
    )
    .action(async (opts: { port?: number; host?: string }, cmd: Command) => {
      const config = configFrom(cmd);
      if (opts.port !== undefined) config.server.port = opts.port;
      if (opts.host !== undefined) config.server.host = opts.host;
      // loaded here, not with the program: the server's modules take seconds to load
      const [{ startServer }, { stopOnSignal }] = await Promise.all([
        import('../../runtime/serve.js'),
        import('../../runtime/processes.js'),
      ]);
      const server = await startServer(config);
      process.stdout.write(`dmarc: serving on ${server.url} (API docs at ${server.url}/docs)\n`);
      await stopOnSignal(() => server.stop());
    });
}
