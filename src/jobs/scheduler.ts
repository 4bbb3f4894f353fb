// The scheduler: queues the scheduled tasks at their cron times (and a mailbox's fetch as soon as IMAP IDLE
// announces new mail). Exactly one is active: with Redis, schedulers compete for a leader key that the holder
// renews; a second `dmarc scheduler` started by mistake waits on standby and takes over if the first dies.
// Each scheduled run also has a job id made of its task and time slot, so that even two leaders for a moment
// (a paused process whose lease ran out) queue a slot once.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ImapMailboxConfig, JobsConfig } from '../config/jobs.js';
import { errorText } from './history.js';
import { workerIdentity, type JobQueue } from './queue.js';
import { listSchedules, nextRuns, runsOfSlot, type ScheduleItem } from './schedules.js';
import type { ScheduleEnv } from './tasks/define.js';
import { queueImapFetches } from './tasks/fetch-imap.js';
import type { ScheduledTaskName } from './tasks/index.js';

/** Queues the runs of one time slot of a scheduled task (for fetch-imap: one per mailbox); returns the job ids. */
export async function queueSlot(
  queue: JobQueue,
  task: ScheduledTaskName,
  env: ScheduleEnv,
  slot: Date,
): Promise<string[]> {
  const runs = await runsOfSlot(task, env);
  return Promise.all(
    runs.map((r) =>
      queue.enqueue(r.name, r.payload as never, { dedupeKey: r.key, jobId: `sched-${r.key}-${slot.getTime()}` }),
    ),
  );
}

// ---- leader election ----

export interface LeaderLock {
  tryAcquire(): Promise<boolean>;
  /** Extends the lease; false when it was lost (another holder, or it expired). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export function leaderKey(prefix: string): string {
  return `${prefix}:scheduler:leader`;
}

/** A lease in Redis: SET NX PX, renewed by its holder only. */
export class RedisLeaderLock implements LeaderLock {
  readonly id = `${workerIdentity()}:${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  async tryAcquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.id, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  async renew(): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, this.key, this.id, String(this.ttlMs))) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.id);
  }
}

// ---- the scheduler ----

export interface MailWatcher {
  start(): void;
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  queue: JobQueue;
  config: { jobs: JobsConfig; imap: ImapMailboxConfig[] };
  /** Absent: this is the only scheduler (embedded mode). */
  lock?: LeaderLock;
  /** How often the lease is renewed, or tried for when on standby. */
  leaseCheckMs?: number;
  /** The id of an organisation by its slug (the runs of a mailbox carry its organisation). */
  orgIdOf?: (slug: string) => Promise<number | undefined>;
  /** Builds the IMAP IDLE watcher of a mailbox with `idle` set. */
  watcher?: (m: ImapMailboxConfig, onMail: () => void) => MailWatcher;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export class Scheduler {
  private leading = false;
  private stopped = true;
  private readonly timers = new Map<ScheduledTaskName, NodeJS.Timeout>();
  private leaseTimer: NodeJS.Timeout | undefined;
  private watchers: MailWatcher[] = [];
  private readonly items: ScheduleItem[];

  constructor(private readonly o: SchedulerOptions) {
    this.items = listSchedules(o.config);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (!this.o.lock) {
      this.lead();
      return;
    }
    await this.checkLease();
  }

  private async checkLease(): Promise<void> {
    if (this.stopped) return;
    const lock = this.o.lock!;
    try {
      if (this.leading) {
        if (!(await lock.renew())) {
          this.o.log?.warn({}, 'scheduler lease lost: standing by');
          await this.standDown();
        }
      } else if (await lock.tryAcquire()) {
        this.lead();
      }
    } catch (err) {
      // Redis unreachable: a leader cannot know whether it still leads, so it stops scheduling.
      this.o.log?.warn({ err: errorText(err) }, 'scheduler lease check failed');
      if (this.leading) await this.standDown();
    }
    if (!this.stopped) {
      this.leaseTimer = setTimeout(() => void this.checkLease(), this.o.leaseCheckMs ?? 5000);
    }
  }

  private lead(): void {
    if (this.leading || this.stopped) return;
    this.leading = true;
    const active = this.items.filter((i) => i.cron !== null);
    this.o.log?.info(
      { schedules: Object.fromEntries(active.map((i) => [i.task, i.cron])), timezone: this.o.config.jobs.timezone },
      'scheduler active',
    );
    for (const item of active) this.arm(item, new Date());
    if (this.o.watcher) {
      for (const m of this.o.config.imap.filter((x) => x.idle)) {
        const w = this.o.watcher(m, () => {
          queueImapFetches(this.o.queue, [m], (x) => this.env.orgIdOf(x.org)).catch((err: unknown) =>
            this.o.log?.warn({ mailbox: m.name, err: errorText(err) }, 'could not queue an IMAP fetch'),
          );
        });
        w.start();
        this.watchers.push(w);
      }
    }
  }

  private arm(item: ScheduleItem, after: Date): void {
    if (!this.leading || item.cron === null) return;
    const [slot] = nextRuns(item.cron, this.o.config.jobs.timezone, after);
    const wait = Math.max(0, slot!.getTime() - Date.now());
    const t = setTimeout(
      () => {
        if (slot!.getTime() > Date.now() + 50) {
          this.arm(item, after); // a long wait was cut to the timer maximum: wait again
          return;
        }
        this.timers.delete(item.task);
        this.arm(item, slot!);
        this.fire(item.task, slot!);
      },
      Math.min(wait, 2 ** 31 - 1),
    );
    this.timers.set(item.task, t);
  }

  private get env(): ScheduleEnv {
    return { imap: this.o.config.imap, orgIdOf: this.o.orgIdOf ?? (() => Promise.resolve(undefined)) };
  }

  private fire(task: ScheduledTaskName, slot: Date): void {
    queueSlot(this.o.queue, task, this.env, slot).catch((err: unknown) =>
      this.o.log?.warn({ task, err: errorText(err) }, 'could not queue a scheduled task'),
    );
  }

  private async standDown(): Promise<void> {
    this.leading = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    const w = this.watchers;
    this.watchers = [];
    await Promise.all(w.map((x) => x.stop()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.leaseTimer);
    const wasLeading = this.leading;
    await this.standDown();
    if (wasLeading && this.o.lock) await this.o.lock.release().catch(() => undefined);
  }
}
