// The scheduler: puts the scheduled tasks on their cron schedules and holds the IMAP IDLE connections (a
// mailbox's fetch is queued as soon as IDLE announces new mail).
//
// Embedded mode (in-process queue, one process): a timer per task queues each time slot's runs, with a job id
// made of the task and the slot.
// Distributed mode (BullMQ): the schedules are BullMQ job schedulers in Redis, one per scheduled run (per mailbox
// for fetch-imap), created, updated or removed by every `dmarc scheduler` at start and again every minute, to
// match its configuration. BullMQ makes one job per slot (its id is the scheduler's id and the slot's time)
// however many schedulers run, and the workers keep making the next ones even while no scheduler runs. What
// BullMQ cannot do is hold one IDLE connection per mailbox: schedulers compete for a lease in Redis that the
// holder renews, and only the holder watches; another one stands by and takes over when the holder dies.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ImapMailboxConfig, JobsConfig, MaildirMailboxConfig, OtherMailboxConfig } from '../config/jobs.js';
import { errorText } from './history.js';
import { workerIdentity, type JobQueue, type JobSchedulerStore, type RecurringJob } from './queue.js';
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

// ---- the IMAP IDLE lease ----

export interface LeaderLock {
  tryAcquire(): Promise<boolean>;
  /** Extends the lease; false when it was lost (another holder, or it expired). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * The key of the IMAP IDLE lease. (Its name is from when the lease also decided who ran the cron loop: kept, so
 * that an upgraded scheduler and one of the version before still exclude each other's IDLE connections.)
 */
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

/**
 * Whether this process holds the IMAP IDLE connections: `standing by` when another scheduler holds the lease,
 * `no lease` when the lease could not be checked (Redis unreachable; tried again every few seconds).
 */
export type IdleState = 'none' | 'active' | 'standing by' | 'no lease';

export interface SchedulerOptions {
  queue: JobQueue;
  config: { jobs: JobsConfig; imap: ImapMailboxConfig[]; mailboxes?: OtherMailboxConfig[] };
  /** The id of an organisation by its slug (the runs of a mailbox carry its organisation). */
  orgIdOf?: (slug: string) => Promise<number | undefined>;
  /** Distributed mode: the queue's own job schedulers run the schedules; absent: timers in this process. */
  jobSchedulers?: JobSchedulerStore;
  /** How often the job schedulers are brought in line with the configuration again (default a minute). */
  resyncMs?: number;
  /** Distributed mode: the lease on the IMAP IDLE connections; absent: this process holds them. */
  lock?: LeaderLock;
  /** How often the lease is renewed, or tried for when on standby. */
  leaseCheckMs?: number;
  /** Builds the IMAP IDLE watcher of a mailbox with `idle` set. */
  watcher?: (m: ImapMailboxConfig, onMail: () => void) => MailWatcher;
  /** Builds the watcher of a Maildir mailbox with `watch` set (every scheduler process watches: no lease). */
  folderWatcher?: (m: MaildirMailboxConfig, onMail: () => void) => MailWatcher;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export class Scheduler {
  private stopped = true;
  private readonly timers = new Map<ScheduledTaskName, NodeJS.Timeout>();
  private syncTimer: NodeJS.Timeout | undefined;
  private synced: number | null = null;
  private watching = false;
  /** The last lease check failed: nobody can say who holds the lease. */
  private leaseUnknown = false;
  private leaseTimer: NodeJS.Timeout | undefined;
  private watchers: MailWatcher[] = [];
  private folderWatchers: MailWatcher[] = [];
  private readonly items: ScheduleItem[];
  private readonly idleMailboxes: ImapMailboxConfig[];

  constructor(private readonly o: SchedulerOptions) {
    this.items = listSchedules(o.config);
    this.idleMailboxes = o.watcher ? o.config.imap.filter((m) => m.idle) : [];
  }

  /** Where the schedules run: this process's timers, or the queue's job schedulers. */
  get mode(): 'timers' | 'job schedulers' {
    return this.o.jobSchedulers ? 'job schedulers' : 'timers';
  }

  /** Job schedulers in the queue after the last sync (null: not synced yet); timers: the active schedules. */
  get activeSchedules(): number | null {
    return this.o.jobSchedulers ? this.synced : this.timers.size;
  }

  /** Whether this process holds the IMAP IDLE connections. */
  get idle(): IdleState {
    if (this.idleMailboxes.length === 0) return 'none';
    if (this.watching) return 'active';
    return this.leaseUnknown ? 'no lease' : 'standing by';
  }

  private get env(): ScheduleEnv {
    return {
      imap: this.o.config.imap,
      mailboxes: this.o.config.mailboxes,
      orgIdOf: this.o.orgIdOf ?? (() => Promise.resolve(undefined)),
    };
  }

  async start(): Promise<void> {
    this.stopped = false;
    const active = this.items.filter((i) => i.cron !== null);
    this.o.log?.info(
      {
        schedules: Object.fromEntries(active.map((i) => [i.task, i.cron])),
        timezone: this.o.config.jobs.timezone,
        runBy: this.mode,
      },
      'scheduler active',
    );
    if (this.o.jobSchedulers) await this.sync();
    else for (const item of active) this.arm(item, new Date());
    if (this.idleMailboxes.length > 0) {
      if (this.o.lock) await this.checkLease();
      else this.watch();
    }
    this.watchFolders();
  }

  // ---- distributed: the queue's job schedulers ----

  /** The recurring jobs the configuration asks for: every run of every active schedule. */
  async recurringJobs(): Promise<RecurringJob[]> {
    const out: RecurringJob[] = [];
    for (const item of this.items) {
      if (item.cron === null) continue;
      for (const r of await runsOfSlot(item.task, this.env)) {
        out.push({
          id: r.key,
          name: r.name,
          payload: r.payload,
          cron: item.cron,
          timezone: this.o.config.jobs.timezone,
        });
      }
    }
    return out;
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    try {
      const r = await this.o.jobSchedulers!.syncJobSchedulers(await this.recurringJobs());
      const first = this.synced === null;
      this.synced = r.upserted.length + r.unchanged.length;
      if (first || r.upserted.length > 0 || r.removed.length > 0) {
        this.o.log?.info(
          { upserted: r.upserted, removed: r.removed, unchanged: r.unchanged.length },
          'job schedulers in line with the configuration',
        );
      }
    } catch (err) {
      // Redis unreachable: BullMQ goes on with the schedulers it has; they are synced at the next try.
      this.o.log?.warn({ err: errorText(err) }, 'job schedulers not synced');
    }
    if (!this.stopped) {
      this.syncTimer = setTimeout(() => void this.sync(), this.synced === null ? 5000 : (this.o.resyncMs ?? 60_000));
    }
  }

  // ---- embedded: timers ----

  private arm(item: ScheduleItem, after: Date): void {
    if (this.stopped || item.cron === null) return;
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

  private fire(task: ScheduledTaskName, slot: Date): void {
    queueSlot(this.o.queue, task, this.env, slot).catch((err: unknown) =>
      this.o.log?.warn({ task, err: errorText(err) }, 'could not queue a scheduled task'),
    );
  }

  // ---- IMAP IDLE: one process holds the connections ----

  private async checkLease(): Promise<void> {
    if (this.stopped) return;
    const lock = this.o.lock!;
    try {
      if (this.watching) {
        if (!(await lock.renew())) {
          this.o.log?.warn({}, 'IMAP IDLE lease lost: standing by');
          await this.unwatch();
        }
      } else if (await lock.tryAcquire()) {
        this.watch();
      }
      this.leaseUnknown = false;
    } catch (err) {
      this.leaseUnknown = true;
      // Redis unreachable: the holder cannot know whether it still holds the lease, so it lets go.
      this.o.log?.warn({ err: errorText(err) }, 'IMAP IDLE lease check failed');
      if (this.watching) await this.unwatch();
    }
    if (!this.stopped) {
      this.leaseTimer = setTimeout(() => void this.checkLease(), this.o.leaseCheckMs ?? 5000);
    }
  }

  private watch(): void {
    if (this.watching || this.stopped) return;
    this.watching = true;
    this.o.log?.info({ mailboxes: this.idleMailboxes.map((m) => m.name) }, 'watching the IMAP mailboxes (IDLE)');
    for (const m of this.idleMailboxes) {
      const w = this.o.watcher!(m, () => {
        queueImapFetches(this.o.queue, [m], (x) => this.env.orgIdOf(x.org)).catch((err: unknown) =>
          this.o.log?.warn({ mailbox: m.name, err: errorText(err) }, 'could not queue an IMAP fetch'),
        );
      });
      w.start();
      this.watchers.push(w);
    }
  }

  /** Maildir mailboxes: a new file queues a fetch of its mailbox (a fetch queued already is not queued twice). */
  private watchFolders(): void {
    const make = this.o.folderWatcher;
    if (!make) return;
    for (const m of this.o.config.mailboxes ?? []) {
      if (m.type !== 'maildir' || !m.watch) continue;
      const w = make(m, () => {
        queueImapFetches(this.o.queue, [m], (x) => this.env.orgIdOf(x.org)).catch((err: unknown) =>
          this.o.log?.warn({ mailbox: m.name, err: errorText(err) }, 'could not queue a mailbox fetch'),
        );
      });
      w.start();
      this.folderWatchers.push(w);
    }
  }

  private async unwatch(): Promise<void> {
    this.watching = false;
    const w = this.watchers;
    this.watchers = [];
    await Promise.all(w.map((x) => x.stop()));
  }

  /** Stops the timers, the syncs and the watchers. BullMQ's job schedulers stay: the schedules go on. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.leaseTimer);
    clearTimeout(this.syncTimer);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    const held = this.watching;
    await this.unwatch();
    const folders = this.folderWatchers;
    this.folderWatchers = [];
    await Promise.all(folders.map((w) => w.stop()));
    if (held && this.o.lock) await this.o.lock.release().catch(() => undefined);
  }
}
