// `dmarc serve`: the whole product in one process on the embedded defaults — API, in-process queue and
// worker — with a graceful shutdown on SIGTERM/SIGINT.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import { describeDatabase, type Config } from '../config/index.js';
import { InProcessQueue } from '../jobs/in-process-queue.js';
import { taskHandlers } from '../jobs/tasks.js';
import { openDatabase } from '../store/connect.js';
import { createCache } from './cache.js';
import { REDACT_PATHS, createLogger } from './logger.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const log = createLogger(config);
  const db = await openDatabase(config);
  const { cache, close: closeCache } = createCache(config);
  const queue = new InProcessQueue({
    onError: (job, err, final) =>
      log.error(
        { job: job.id, attempts: job.attempts, final, err: err instanceof Error ? err.message : String(err) },
        'task failed',
      ),
  });
  queue.start(taskHandlers({ db, queue, cache, limits: config.limits, log }));
  // Files left pending or half-processed by a previous run are picked up again.
  await queue.enqueue('sweep-pending', {}, { jobId: 'sweep-pending' });

  const app = await buildApp(
    { config, db, queue, cache },
    { logger: { level: config.logLevel, redact: { paths: REDACT_PATHS, censor: '[redacted]' } } },
  );
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    await queue.close(1000);
    await closeCache();
    await db.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? 'localhost' : config.server.host;
  const url = `http://${host}:${port}`;
  log.info({ url, database: describeDatabase(config) }, 'dmarc server listening');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      log.info('shutting down: no new requests, finishing running work');
      await app.close(); // stops accepting, waits for requests in flight
      await queue.close(30_000); // waits for the running job; queued files stay pending for the next start
      await closeCache();
      await db.close();
      log.info('stopped');
    })());
  return { app, url, stop };
}
