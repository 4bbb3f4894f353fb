// The schedules: each scheduled task's cron expression is the configuration's (DMARC_SCHEDULE_<TASK>, the
// DMARC_CONFIG file's schedules; config/ parses and validates those) or else the task's own default (its file in
// tasks/). What `dmarc schedule list` prints, and what the schedulers run.
import { CronExpressionParser } from 'cron-parser';
import type { ImapMailboxConfig, JobsConfig, OtherMailboxConfig } from '../config/jobs.js';
import { scheduleVariable } from '../config/jobs.js';
import type { ScheduleEnv, ScheduledRun } from './tasks/define.js';
import { SCHEDULED_TASK_DEFINITIONS, type ScheduledTaskName, type TaskPayloads } from './tasks/index.js';

export interface ScheduleItem {
  task: ScheduledTaskName;
  /** null: not scheduled. */
  cron: string | null;
  /** Why it is not scheduled. */
  disabledBecause: string | null;
  description: string;
}

/** The cron expression of every scheduled task (null: off): the configuration's, else the task's default. */
export function resolveSchedules(
  jobs: Pick<JobsConfig, 'scheduleOverrides'>,
): Record<ScheduledTaskName, string | null> {
  return Object.fromEntries(
    SCHEDULED_TASK_DEFINITIONS.map((t) => {
      const override = jobs.scheduleOverrides[t.name];
      return [t.name, override !== undefined ? override : t.defaultSchedule];
    }),
  ) as Record<ScheduledTaskName, string | null>;
}

export function listSchedules(config: {
  jobs: JobsConfig;
  imap: ImapMailboxConfig[];
  mailboxes?: OtherMailboxConfig[];
}): ScheduleItem[] {
  const crons = resolveSchedules(config.jobs);
  return SCHEDULED_TASK_DEFINITIONS.map((t) => {
    const cron = crons[t.name];
    const disabledBecause =
      cron === null
        ? 'disabled in the configuration'
        : (t.unavailableBecause?.({ imap: config.imap, mailboxes: config.mailboxes }) ?? null);
    return { task: t.name, cron: disabledBecause ? null : cron, disabledBecause, description: t.description };
  });
}

/** The help text's defaults of DMARC_SCHEDULE_<TASK> (config/ does not know them). */
export function scheduleVariableDefaults(): Record<string, string> {
  return Object.fromEntries(
    SCHEDULED_TASK_DEFINITIONS.map((t) => [
      scheduleVariable(t.name),
      `the DMARC_CONFIG file's schedules.${t.name}, else ${t.defaultSchedule}`,
    ]),
  );
}

/** The next times a cron expression fires after `after`. */
export function nextRuns(cron: string, timezone: string, after: Date, count = 1): Date[] {
  const e = CronExpressionParser.parse(cron, { currentDate: after, tz: timezone });
  return Array.from({ length: count }, () => e.next().toDate());
}

/** A scheduled task's run of one time slot, with its name. */
export type SlotRun = { [N in ScheduledTaskName]: ScheduledRun<TaskPayloads[N]> & { name: N } }[ScheduledTaskName];

/** The jobs one time slot of a scheduled task consists of (for fetch-imap: one per mailbox). */
export async function runsOfSlot(task: ScheduledTaskName, env: ScheduleEnv): Promise<SlotRun[]> {
  const t = SCHEDULED_TASK_DEFINITIONS.find((d) => d.name === task)!;
  const runs: ScheduledRun<object>[] = t.scheduledRuns ? await t.scheduledRuns(env) : [{ key: t.name, payload: {} }];
  return runs.map((r) => ({ ...r, name: task }) as SlotRun);
}
