// A complete API app on a test database, with a controllable clock and one user per role.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { MemoryCache } from '../../src/analytics/cache.js';
import { buildApp } from '../../src/api/app.js';
import type { Clock } from '../../src/auth/clock.js';
import { createAuthService } from '../../src/auth/create.js';
import type { UserRole } from '../../src/auth/roles.js';
import type { AuthService } from '../../src/auth/service.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { taskHandlers } from '../../src/jobs/tasks.js';
import { openEngine, type Engine, type TestDatabase } from './db.js';
import { DEFAULT_ORG_ID, cacheSink } from './org.js';

export class TestClock implements Clock {
  private t: number;
  constructor(start = Date.parse('2026-01-15T12:00:00Z')) {
    this.t = start;
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
}

export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestApp {
  app: FastifyInstance;
  t: TestDatabase;
  auth: AuthService;
  clock: TestClock;
  config: Config;
  queue: InProcessQueue;
  users: Record<UserRole, { id: number; email: string }>;
  /** A fresh access token of the role's user, valid at the clock's current time. */
  token(role: UserRole): Promise<string>;
  close(): Promise<void>;
}

export async function createTestApp(
  engine: Engine,
  env: Record<string, string> = {},
  extra: { redis?: Redis; logger?: object } = {},
): Promise<TestApp> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-app-'));
  const t = await openEngine(engine);
  const config = loadConfig({
    DMARC_DATA_DIR: dataDir,
    JWT_SECRET: crypto.randomBytes(48).toString('base64url'),
    ...env,
  });
  const clock = new TestClock();
  const auth = await createAuthService(config, t.db, extra.redis, { clock, bcryptCost: 4 });
  const cache = new MemoryCache(300);
  const queue = new InProcessQueue();
  queue.start(taskHandlers({ db: t.db, queue, cache, limits: config.limits, sink: cacheSink(cache) }));
  const app = await buildApp(
    { config, db: t.db, queue, cache, auth, ...(extra.redis ? { redis: extra.redis } : {}) },
    extra.logger ? { logger: extra.logger } : {},
  );
  await app.ready();
  const users = {} as TestApp['users'];
  for (const role of ['admin', 'analyst', 'viewer'] as const) {
    const email = `${role}@example.com`;
    // the admin is also a platform administrator, as the first admin of an installation is
    const { user } = await auth.createUser({
      email,
      name: role,
      password: TEST_PASSWORD,
      platformAdmin: role === 'admin',
      member: { orgId: DEFAULT_ORG_ID, role },
    });
    users[role] = { id: user.id, email };
  }
  return {
    app,
    t,
    auth,
    clock,
    config,
    queue,
    users,
    token: (role) => auth.access.sign(users[role].id),
    close: async () => {
      await app.close();
      await queue.close(5000);
      await t.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
