// Fetching every configured mailbox: IMAP ones through imap/fetch.ts, the others (Graph, Gmail, Maildir) through
// their MailSource with the same decisions — each new message imported, then moved to the processed folder (or
// marked read), or to the invalid one; left where it is when it cannot be decided now. A crash between import and
// move imports nothing twice: the next run finds the bytes known (same SHA-256) and only moves the message. A source
// that lists changes only (Graph's delta query) keeps its position once the run's messages are all handled.
import type { ImapMailboxConfig, OtherMailboxConfig } from '../../config/jobs.js';
import type { Database } from '../../store/database.js';
import { emptyImportSummary } from '../import-files.js';
import { fetchMailboxes, type FetchOptions, type FetchSummary } from '../imap/fetch.js';
import { describeMailboxError } from './errors.js';
import { DEFAULT_HTTP_POLICY, type HttpPolicy } from './http.js';
import {
  addToSummary,
  countFetch,
  emptyMailboxSummary,
  importMessages,
  type Decision,
  type Tally,
} from './import-message.js';
import { MAILBOX_SOURCES } from './index.js';
import { storedCursor } from './list-cursor.js';
import type { MailMessage, MailSource } from './source.js';

export interface AllFetchOptions extends FetchOptions {
  http?: Partial<HttpPolicy>;
}

function messageName(m: OtherMailboxConfig, folder: string, id: string): string {
  return `${m.type} ${m.name} ${folder} ${id}`.replace(/[\r\n\t]+/g, ' ').slice(0, 240) + '.eml';
}

async function fetchOne(
  db: Database,
  m: OtherMailboxConfig,
  source: MailSource,
  orgId: number,
  o: AllFetchOptions,
  t: Tally,
) {
  const messages = await source.list();
  for (let i = 0; i < messages.length; i += m.batchSize) {
    const decided: Record<Exclude<Decision, 'leave'>, MailMessage[]> = { processed: [], invalid: [] };
    const fetched: { msg: MailMessage; bytes: Uint8Array; name: string }[] = [];
    for (const msg of messages.slice(i, i + m.batchSize)) {
      const name = messageName(m, source.folder, msg.id);
      const tooLarge = `the message is larger than the limit of ${o.limits.maxInputBytes} bytes (DMARC_MAX_INPUT_BYTES)`;
      if ((msg.size ?? 0) > o.limits.maxInputBytes) {
        t.s.messages++;
        t.s.failed++;
        t.failures.push({ file: name, error: tooLarge });
        decided.invalid.push(msg);
        continue;
      }
      const bytes = await source.fetch(msg);
      if (bytes === null) continue; // gone meanwhile (moved by someone else)
      t.s.messages++;
      if (bytes.length > o.limits.maxInputBytes) {
        t.s.failed++;
        t.failures.push({ file: name, error: tooLarge });
        decided.invalid.push(msg);
        continue;
      }
      fetched.push({ msg, bytes, name });
    }
    // the batch's messages in one intake commit and one processing batch
    const ds = await importMessages(db, orgId, fetched, m.type, o, t);
    for (const [j, d] of ds.entries()) if (d !== 'leave') decided[d].push(fetched[j]!.msg);
    if (decided.processed.length > 0) {
      const r = await source.settle(decided.processed, 'processed');
      t.s.movedToProcessed += r.moved;
      t.s.markedSeen += r.marked;
    }
    if (decided.invalid.length > 0) t.s.movedToInvalid += (await source.settle(decided.invalid, 'invalid')).moved;
  }
  // a message left for later must be listed again: the position stays where it was
  if (t.s.leftForLater === 0) await source.complete?.();
}

/** Fetches every given mailbox in turn. Never throws for a mailbox's failure: see each `error`. */
export async function fetchAllMailboxes(
  db: Database,
  imap: ImapMailboxConfig[],
  others: OtherMailboxConfig[],
  o: AllFetchOptions,
): Promise<FetchSummary> {
  const summary: FetchSummary =
    imap.length > 0 ? await fetchMailboxes(db, imap, o) : { ...emptyImportSummary(), mailboxes: [] };
  const http = { ...DEFAULT_HTTP_POLICY, ...o.http };
  for (const m of others) {
    const orgId = await o.orgOf(m);
    const cursor = orgId === undefined ? null : storedCursor(db, orgId, m.name);
    const source = MAILBOX_SOURCES[m.type](m as never, { http, cursor });
    const t: Tally = { s: emptyMailboxSummary(m.name, source.folder), failures: [] };
    if (orgId === undefined) t.s.error = `the organisation '${m.org}' of mailbox ${m.name} does not exist`;
    else {
      try {
        await fetchOne(db, m, source, orgId, o, t);
      } catch (err) {
        t.s.error = describeMailboxError(err);
      }
    }
    summary.mailboxes.push(t.s);
    addToSummary(summary, t);
    countFetch(t.s);
    o.log?.[t.s.error ? 'warn' : 'info'](
      { mailbox: m.name, type: m.type, ...t.s, failures: undefined },
      t.s.error ? 'mailbox could not be fetched' : 'mailbox fetched',
    );
  }
  return summary;
}
