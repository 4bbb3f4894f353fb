// The registry of tasks: one file per task in this folder (see define.ts for what it exports), listed here once.
// Everything else is derived from this list: the task names, the payload type of each, the handlers' type, the
// scheduled tasks and their default schedules. Adding a task is adding its file and its line below (a scheduled
// one also needs its name in SCHEDULED_TASKS of config/schema.ts, which reads DMARC_SCHEDULE_<TASK>: the type
// check below says so).
import { SCHEDULED_TASKS, type ScheduledTask } from '../../config/jobs.js';
import { checkAlertsTask } from './check-alerts.js';
import { checkDnsTask } from './check-dns.js';
import { detectAnomaliesTask } from './detect-anomalies.js';
import type { TaskDefinition } from './define.js';
import { enrichSourcesTask } from './enrich-sources.js';
import { fetchImapTask } from './fetch-imap.js';
import { forwardEventsTask } from './forward-events.js';
import { identifySendersTask } from './identify-senders.js';
import { notifyTask } from './notify.js';
import { processFileTask } from './process-file.js';
import { refreshRollupsTask } from './refresh-rollups.js';
import { retentionTask } from './retention.js';
import { sendDigestsTask } from './send-digests.js';
import { sweepPendingTask } from './sweep-pending.js';
import { trainModelTask } from './train-model.js';

/** Every task, in the order `dmarc schedule list` shows the scheduled ones. */
export const TASKS = [
  processFileTask,
  fetchImapTask,
  sweepPendingTask,
  refreshRollupsTask,
  retentionTask,
  enrichSourcesTask,
  identifySendersTask,
  checkAlertsTask,
  notifyTask,
  checkDnsTask,
  sendDigestsTask,
  trainModelTask,
  detectAnomaliesTask,
  forwardEventsTask,
] as const;

export type AnyTask = (typeof TASKS)[number];
export type TaskName = AnyTask['name'];
type PayloadOf<T> = T extends TaskDefinition<string, infer P, string | null> ? P : never;
/** Each task's payload (plain JSON), by name. */
export type TaskPayloads = { [T in AnyTask as T['name']]: PayloadOf<T> };
export type TaskOf<N extends TaskName> = Extract<AnyTask, { name: N }>;

export const TASK_NAMES: readonly TaskName[] = TASKS.map((t) => t.name);

/** The tasks with a default schedule (the configuration may turn them off or change their cron expression). */
export type ScheduledTaskName = Extract<AnyTask, { defaultSchedule: string }>['name'];
export type ScheduledTaskDefinition = TaskOf<ScheduledTaskName>;
export const SCHEDULED_TASK_DEFINITIONS: readonly ScheduledTaskDefinition[] = TASKS.filter(
  (t): t is ScheduledTaskDefinition => t.defaultSchedule !== null,
);

// The configuration validates DMARC_SCHEDULE_<TASK> and the file's schedules against its own list of names (it
// may not import jobs/): both lists are the same set, or this does not compile...
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameScheduledTasks: Same<ScheduledTaskName, ScheduledTask> = true;
void sameScheduledTasks;
// ... and in the same order (checked once at start-up; a mismatch is a programming error).
if (SCHEDULED_TASK_DEFINITIONS.map((t) => t.name).join() !== SCHEDULED_TASKS.join()) {
  throw new Error(
    `config SCHEDULED_TASKS (${SCHEDULED_TASKS.join(', ')}) and the task registry's scheduled tasks ` +
      `(${SCHEDULED_TASK_DEFINITIONS.map((t) => t.name).join(', ')}) differ`,
  );
}

export function isTaskName(name: string): name is TaskName {
  return (TASK_NAMES as readonly string[]).includes(name);
}

export function taskNamed<N extends TaskName>(name: N): TaskOf<N> {
  return TASKS.find((t) => t.name === name) as TaskOf<N>;
}

/** The organisation a run works on, from its task's orgOf (null: platform-wide, or an unknown task). */
export function orgOfRun(name: string, payload: unknown): number | null {
  if (!isTaskName(name) || payload === null || typeof payload !== 'object') return null;
  const orgOf = taskNamed(name).orgOf as ((p: unknown) => number | null) | undefined;
  const id = orgOf?.(payload);
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : null;
}
