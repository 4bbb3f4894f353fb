// The job queue port. Two adapters implement it: in-process (embedded default) and BullMQ (REDIS_URL, a later
// issue). Task handlers are the same on both; a job's payload is plain JSON.

export interface TaskPayloads {
  /** Run one ingested file through the pipeline. */
  'process-file': { fileId: number };
  /** Queue again the files left pending (e.g. after a crash). */
  'sweep-pending': Record<string, never>;
}

export type TaskName = keyof TaskPayloads;

export interface EnqueueOptions {
  /** Jobs with the same id are queued once until they finish. */
  jobId?: string;
}

export type TaskHandler<N extends TaskName> = (payload: TaskPayloads[N]) => Promise<unknown>;
export type TaskHandlers = { [N in TaskName]: TaskHandler<N> };

export interface JobQueue {
  enqueue<N extends TaskName>(name: N, payload: TaskPayloads[N], options?: EnqueueOptions): Promise<string>;
  /** Starts running queued jobs with the given handlers (the worker role). */
  start(handlers: TaskHandlers): void;
  /** Stops taking jobs and waits for the running ones (at most timeoutMs); queued jobs stay for the next start. */
  close(timeoutMs?: number): Promise<void>;
  /** Resolves when nothing is queued or running (tests, CLI). */
  drain(): Promise<void>;
}
