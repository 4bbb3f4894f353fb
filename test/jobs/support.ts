// Shared by the job-queue suites: Redis availability (skip with a message, or fail under REQUIRE_SERVICES=1), a
// key prefix of their own per suite, queues of either adapter on a test database, and long-running `dmarc`
// child processes (worker, scheduler, api).
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { BullMqQueue } from '../../src/jobs/bullmq-queue.js';
import { TaskHistory } from '../../src/jobs/history.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import type { JobEvent, JobQueue } from '../../src/jobs/queue.js';
import type { Database } from '../../src/store/database.js';
import { ROOT } from '../support/cli.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';

/** true when the BullMQ suites can run; throws under REQUIRE_SERVICES=1 when they cannot. */
export function bullmqAvailable(suite: string): Promise<boolean> {
  return redisAvailable(`${suite} (BullMQ needs Redis)`);
}

/** A key prefix no other run or suite uses. */
export function testPrefix(name: string): string {
  return `dmarc_test_${inject('runId')}_${name}_${crypto.randomBytes(3).toString('hex')}`;
}

/** Deletes every key of a prefix. */
export async function dropPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

export type Adapter = 'in-process' | 'bullmq';

export interface TestQueue {
  queue: JobQueue;
  history: TaskHistory;
  events: JobEvent[];
  prefix: string | undefined;
  close(): Promise<void>;
}

export function makeQueue(
  adapter: Adapter,
  db: Database,
  o: { maxAttempts?: number; backoffMs?: number; prefix?: string; lockDurationMs?: number } = {},
): TestQueue {
  const history = new TaskHistory(db);
  const events: JobEvent[] = [];
  const common = {
    history,
    maxAttempts: o.maxAttempts ?? 3,
    backoffMs: o.backoffMs ?? 20,
    onEvent: (e: JobEvent) => events.push(e),
  };
  if (adapter === 'in-process') {
    const queue = new InProcessQueue(common);
    return { queue, history, events, prefix: undefined, close: () => queue.close(5000) };
  }
  const prefix = o.prefix ?? testPrefix('q');
  const queue = new BullMqQueue({
    ...common,
    redisUrl: REDIS_URL,
    prefix,
    lockDurationMs: o.lockDurationMs ?? 5000,
    stalledIntervalMs: 2000,
  });
  return {
    queue,
    history,
    events,
    prefix,
    close: async () => {
      await queue.close(5000);
      await dropPrefix(prefix);
    },
  };
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// ---- `dmarc` child processes ----

export interface Child {
  proc: ChildProcess;
  output(): string;
  /** Resolves when the output (stdout + stderr) matches. */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<string>;
  exited(): Promise<number | null>;
  /** SIGTERM, then wait (SIGKILL after the timeout). */
  stop(timeoutMs?: number): Promise<number | null>;
  kill(): Promise<void>;
}

export function startDmarc(args: string[], env: Record<string, string | undefined>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DMARC_LOG_LEVEL: 'info', PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    output: () => out,
    waitForOutput: (re, timeoutMs = 60_000) =>
      waitFor(
        `${args[0]} output ${re}`,
        () => {
          if (proc.exitCode !== null && !re.test(out)) throw new Error(`dmarc ${args[0]} exited: ${out}`);
          return re.exec(out)?.[0];
        },
        timeoutMs,
      ),
    exited: () => exit,
    stop: async (timeoutMs = 40_000) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const code = await exit;
      clearTimeout(t);
      return code;
    },
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exit;
    },
  };
}
