// fetch-imap: fetches new reports from one mailbox (by name), or from all of them: IMAP, and the Graph, Gmail and
// Maildir mailboxes (the name stays for the schedule variable DMARC_SCHEDULE_FETCH_IMAP and existing jobs). Scheduled as one run per
// mailbox; also queued by POST /api/tasks/ingest and /api/ingest/trigger, and by IMAP IDLE or a Maildir watch when new mail arrives.
// A mailbox's reports go to the organisation of its `org` slug, and so does its run: the payload carries that
// organisation's id (resolved by whoever queues it: the route knows the caller's, the scheduler asks the database).
import type { MailboxRef } from '../../config/jobs.js';
import type { FetchSummary } from '../../ingest/imap/fetch.js';
import { fetchAllMailboxes } from '../../ingest/mailboxes/fetch.js';
import { findOrgBySlug } from '../../store/organizations.js';
import { PermanentTaskError, defineTask, enqueueTask, type ScheduledRun, type TaskQueue } from './define.js';

export interface FetchImapPayload {
  /** Only this mailbox (by name); absent: every configured one (of `orgId`, when given). */
  mailbox?: string;
  /** The organisation of the mailbox (the run is its): a mailbox of another organisation is not read. */
  orgId?: number;
}

/** A mailbox name as a job-id-safe token. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_.@-]+/g, '-')
    .slice(0, 80);
}

/**
 * The fetch of one mailbox, in its organisation (`orgId` undefined: the organisation does not exist, the run is
 * platform-wide and reads nothing). Its key is the dedupe key (one fetch of a mailbox at a time) and the
 * schedule's id.
 */
export function fetchImapRun(m: MailboxRef, orgId: number | undefined): ScheduledRun<FetchImapPayload> {
  return {
    key: `fetch-imap-${slug(m.name)}`,
    payload: orgId === undefined ? { mailbox: m.name } : { mailbox: m.name, orgId },
  };
}

/**
 * Queues a fetch of each mailbox now (the API, IMAP IDLE): a fetch of a mailbox already queued is not queued
 * twice, and one running gets one more run after it (the mail that just arrived may be after its search).
 */
export function queueImapFetches(
  queue: TaskQueue,
  mailboxes: MailboxRef[],
  orgIdOf: (m: MailboxRef) => number | undefined | Promise<number | undefined>,
): Promise<string[]> {
  return Promise.all(
    mailboxes.map(async (m) => {
      const run = fetchImapRun(m, await orgIdOf(m));
      return enqueueTask(queue, fetchImapTask, run.payload, { dedupeKey: run.key, rerunIfRunning: true });
    }),
  );
}

/** What a fetch run keeps in the task history: the counts and each mailbox's error, not every file name. */
export function compactFetchSummary(s: FetchSummary): object {
  const { failures, ...counts } = s;
  return { ...counts, failures: failures.slice(0, 20) };
}

export const fetchImapTask = defineTask<FetchImapPayload>()({
  name: 'fetch-imap',
  description: 'fetch new reports from the mailboxes (IMAP, Microsoft Graph, Gmail, Maildir)',
  defaultSchedule: '*/15 * * * *',
  unavailableBecause: ({ imap, mailboxes = [] }) =>
    imap.length + mailboxes.length === 0 ? 'no IMAP mailbox is configured, nor a Graph, Gmail or Maildir one' : null,
  orgOf: (p) => p.orgId ?? null,
  scheduledRuns: ({ imap, mailboxes = [], orgIdOf }) =>
    Promise.all([...imap, ...mailboxes].map(async (m) => fetchImapRun(m, await orgIdOf(m.org)))),
  handler: async (ctx, { mailbox, orgId }) => {
    const orgOf = async (m: MailboxRef) => (await findOrgBySlug(ctx.db, m.org))?.id;
    const pick = <M extends MailboxRef>(list: M[]) =>
      mailbox === undefined ? list : list.filter((m) => m.name === mailbox);
    let imap = pick(ctx.imap);
    let others = pick(ctx.mailboxes ?? []);
    if (imap.length + others.length === 0) {
      if (mailbox === undefined) return { mailboxes: 0 };
      throw new PermanentTaskError(`no mailbox named '${mailbox}' is configured`);
    }
    if (orgId !== undefined) {
      // a run of one organisation reads only that organisation's mailboxes
      const own = async <M extends MailboxRef>(list: M[]) => {
        const out: M[] = [];
        for (const m of list) if ((await orgOf(m)) === orgId) out.push(m);
        return out;
      };
      imap = await own(imap);
      others = await own(others);
      if (imap.length + others.length === 0) {
        if (mailbox === undefined) return { mailboxes: 0 };
        const what = ctx.imap.some((m) => m.name === mailbox) ? 'IMAP mailbox' : 'mailbox';
        throw new PermanentTaskError(`the ${what} '${mailbox}' is not organisation ${orgId}'s`);
      }
    }
    const summary = await fetchAllMailboxes(ctx.db, imap, others, {
      limits: ctx.limits,
      failures: ctx.failures,
      staleAfterMs: ctx.jobs.staleAfterMs,
      orgOf,
      sink: ctx.sink,
      log: ctx.log,
    });
    const unreachable = summary.mailboxes.filter((m) => m.error !== null);
    // Fail the run (retried with backoff, visible as failed at the end) when a mailbox could not be read;
    // what the other mailboxes gave is stored already.
    if (unreachable.length > 0) throw new Error(unreachable.map((m) => `${m.name}: ${m.error}`).join('; '));
    return compactFetchSummary(summary);
  },
});
