import type { Redis } from 'ioredis';
import type { AnalyticsCache } from '../analytics/cache.js';
import type { AuthService } from '../auth/service.js';
import type { Config } from '../config/index.js';
import type { ReportStoredSink } from '../events/report-stored.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Database } from '../store/database.js';

/** What the HTTP app needs from the rest of the system (built by the `serve`/`api` commands, or by tests). */
export interface AppDeps {
  config: Config;
  db: Database;
  queue: JobQueue;
  cache: AnalyticsCache;
  /** Built from config + db when not given (see createAuthService). */
  auth?: AuthService;
  /** Shared state of several API processes (rate limits, login failures) when REDIS_URL is set. */
  redis?: Redis;
  /** Told of reports stored while answering a request (the process's sink; default: invalidate the cache). */
  sink?: ReportStoredSink;
}
