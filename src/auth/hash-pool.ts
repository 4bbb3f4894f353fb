// bcrypt off the event loop: a few worker threads run bcryptjs (pure JavaScript, nothing compiled or downloaded
// at install), one hash at a time each; further requests wait in a queue. A burst of logins then costs
// login latency, not the latency of every other request: bcryptjs on the main thread at cost 12 takes a
// quarter of a second of event loop per check.
import { createRequire } from 'node:module';
import os from 'node:os';
import { Worker } from 'node:worker_threads';

type Job = { op: 'hash'; password: string; cost: number } | { op: 'compare'; password: string; hash: string };

interface Pending {
  job: Job;
  resolve: (v: string | boolean) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  current: Pending | undefined;
}

// The worker's whole program: CommonJS (an eval'd worker), loading the same bcryptjs the app depends on.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptjs);
parentPort.on('message', (job) => {
  try {
    const result = job.op === 'hash' ? bcrypt.hashSync(job.password, job.cost) : bcrypt.compareSync(job.password, job.hash);
    parentPort.postMessage({ result });
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
});
`;

export interface HashPoolStats {
  /** Most hashes that may run at once (worker threads). */
  size: number;
  /** Hashes computed and passwords checked so far, all in worker threads. */
  hashes: number;
  verifications: number;
  running: number;
  queued: number;
  /** Most hashes that ever ran at once. */
  peakRunning: number;
}

/** One fewer worker than CPUs (the event loop keeps one), at least one, at most four. */
export function defaultHashThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

export class HashPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly bcryptjs = createRequire(import.meta.url).resolve('bcryptjs');
  private closed = false;
  private counts = { hashes: 0, verifications: 0, peakRunning: 0 };

  constructor(readonly size: number = defaultHashThreads()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('a hash pool needs at least one thread');
  }

  hash(password: string, cost: number): Promise<string> {
    return this.submit({ op: 'hash', password, cost }) as Promise<string>;
  }

  compare(password: string, hash: string): Promise<boolean> {
    return this.submit({ op: 'compare', password, hash }) as Promise<boolean>;
  }

  stats(): HashPoolStats {
    return {
      size: this.size,
      ...this.counts,
      running: this.slots.filter((s) => s.current).length,
      queued: this.queue.length,
    };
  }

  /** Ends the threads; queued and running requests are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('the password hashing pool is closed'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private submit(job: Job): Promise<string | boolean> {
    if (this.closed) return Promise.reject(new Error('the password hashing pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.current);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const next = this.queue.shift()!;
      slot.current = next;
      slot.worker.ref(); // a pending hash keeps the process alive (a CLI awaiting it must not exit)
      if (next.job.op === 'hash') this.counts.hashes++;
      else this.counts.verifications++;
      const running = this.slots.filter((s) => s.current).length;
      this.counts.peakRunning = Math.max(this.counts.peakRunning, running);
      slot.worker.postMessage(next.job);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptjs: this.bcryptjs } });
    const slot: Slot = { worker, current: undefined };
    worker.unref();
    worker.on('message', (m: { result?: string | boolean; error?: string }) => {
      const p = slot.current;
      slot.current = undefined;
      worker.unref(); // idle threads never keep the process alive
      if (p) {
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.result!);
      }
      this.dispatch();
    });
    const gone = (err: Error): void => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      slot.current?.reject(err);
      slot.current = undefined;
      if (!this.closed) this.dispatch(); // a new thread takes over the queue
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`a password hashing thread stopped (exit code ${code})`)));
    this.slots.push(slot);
    return slot;
  }
}
