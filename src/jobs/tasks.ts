// The task handlers of a process, the same whichever queue adapter runs them: each task's handler (tasks/, one
// file per task) bound to the process's shared context.
import { loadJobsConfig } from '../config/jobs.js';
import type { TaskHandlers } from './queue.js';
import type { RunContext, TaskContext } from './tasks/define.js';
import { TASKS } from './tasks/index.js';

export type { TaskContext, TaskLog } from './tasks/define.js';
export { compactFetchSummary } from './tasks/fetch-imap.js';

export function taskHandlers(ctx: TaskContext): TaskHandlers {
  const defaults = ctx.jobs && ctx.alerts ? undefined : loadJobsConfig({});
  const run: RunContext = {
    ...ctx,
    jobs: ctx.jobs ?? defaults!.jobs,
    imap: ctx.imap ?? [],
    mailboxes: ctx.mailboxes ?? [],
    alerts: ctx.alerts ?? defaults!.alerts,
    now: ctx.now ?? (() => new Date()),
  };
  return Object.fromEntries(
    TASKS.map((t) => [
      t.name,
      (payload: never) => (t.handler as (c: RunContext, p: unknown) => Promise<unknown>)(run, payload),
    ]),
  ) as TaskHandlers;
}
