// IMAP ingestion: for each configured mailbox, the unseen messages of its folder are fetched in batches, each
// raw message goes through intake (kept with its SHA-256) and the pipeline, and then the message is moved to the
// processed folder (or marked seen) — or, without a readable report, to the invalid folder. Destination folders
// are created when missing.
//
// Idempotent: a crash after a message was imported but before it was moved leaves it unseen in the folder; the
// next run finds its bytes already known (same SHA-256) and only moves it. A message whose file another process
// is processing right now is left for the next run.
import type { ImapFlow } from 'imapflow';
import type { ImapMailboxConfig, MailboxRef } from '../../config/jobs.js';
import type { ReportStoredSink } from '../../events/report-stored.js';
import type { FailurePrivacy } from '../../parse/failure/privacy.js';
import type { UnpackLimits } from '../../parse/types.js';
import type { Database } from '../../store/database.js';
import { emptyImportSummary, type ImportSummary } from '../import-files.js';
import {
  addToSummary,
  countFetch,
  emptyMailboxSummary,
  importMessages,
  type Decision,
  type MailboxSummary,
  type Tally,
} from '../mailboxes/import-message.js';
import { connectMailbox, describeImapError, folderPath, type ConnectOptions } from './connect.js';

export type { MailboxSummary };

/** `dmarc import`'s summary (every message counts as a file) plus one entry per mailbox. */
export interface FetchSummary extends ImportSummary {
  mailboxes: MailboxSummary[];
}

export interface FetchOptions {
  limits: UnpackLimits;
  /** What failure reports keep of the original message (default: the privacy defaults). */
  failures?: FailurePrivacy;
  /** A message whose file has been pending/processing for less than this is being handled elsewhere. */
  staleAfterMs: number;
  /** The organisation a mailbox's reports go to; a mailbox whose organisation does not exist is not read. */
  orgOf: (m: MailboxRef) => Promise<number | undefined>;
  sink: ReportStoredSink;
  connect?: ConnectOptions;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** Bytes of message sources fetched in one command at most. */
const FETCH_BUDGET_BYTES = 32 * 1024 * 1024;

function messageName(m: ImapMailboxConfig, uid: number, subject: string | undefined): string {
  const s = (subject ?? '').replace(/[\r\n\t]+/g, ' ').trim();
  return `imap ${m.name} ${m.folder} uid ${uid}${s ? ` - ${s}` : ''}`.slice(0, 240) + '.eml';
}

class FolderMaker {
  private readonly done = new Set<string>();
  constructor(private readonly client: ImapFlow) {}

  async ensure(folder: string): Promise<void> {
    if (this.done.has(folder)) return;
    const path = folderPath(folder);
    try {
      await this.client.mailboxCreate(path);
    } catch (err) {
      // it exists already: fine; anything else surfaces when moving into it
      const code = (err as { serverResponseCode?: string }).serverResponseCode;
      if (code !== 'ALREADYEXISTS') {
        const list = await this.client.list().catch(() => []);
        const wanted = Array.isArray(path) ? path[path.length - 1] : path;
        if (!list.some((e) => e.name === wanted)) throw err;
      }
    }
    await this.client.mailboxSubscribe(path).catch(() => false);
    this.done.add(folder);
  }
}

async function applyDecisions(
  client: ImapFlow,
  m: ImapMailboxConfig,
  folders: FolderMaker,
  decisions: Map<number, Decision>,
  s: MailboxSummary,
): Promise<void> {
  const processed = [...decisions].filter(([, d]) => d === 'processed').map(([uid]) => uid);
  const invalid = [...decisions].filter(([, d]) => d === 'invalid').map(([uid]) => uid);
  if (processed.length > 0) {
    if (m.markSeen) {
      await client.messageFlagsAdd(processed.join(','), ['\\Seen'], { uid: true });
      s.markedSeen += processed.length;
    } else {
      await folders.ensure(m.processedFolder);
      await client.messageMove(processed.join(','), folderPath(m.processedFolder), { uid: true });
      s.movedToProcessed += processed.length;
    }
  }
  if (invalid.length > 0) {
    await folders.ensure(m.invalidFolder);
    await client.messageMove(invalid.join(','), folderPath(m.invalidFolder), { uid: true });
    s.movedToInvalid += invalid.length;
  }
}

/** One mailbox: never throws; a mailbox that cannot be reached or read has `error` set. */
async function fetchMailbox(db: Database, m: ImapMailboxConfig, o: FetchOptions, t: Tally): Promise<void> {
  const orgId = await o.orgOf(m);
  if (orgId === undefined) {
    t.s.error = `the organisation '${m.org}' of mailbox ${m.name} does not exist`;
    return;
  }
  let client: ImapFlow;
  try {
    client = await connectMailbox(m, {
      ...o.connect,
      onRetry: (attempt, reason, delayMs) =>
        o.log?.warn({ mailbox: m.name, attempt, reason, retryInMs: delayMs }, 'IMAP connection failed; retrying'),
    });
  } catch (err) {
    t.s.error = describeImapError(err, m);
    return;
  }
  try {
    const lock = await client.getMailboxLock(folderPath(m.folder));
    try {
      const found = await client.search({ seen: false }, { uid: true });
      const uids = (Array.isArray(found) ? found : []).sort((a, b) => a - b);
      const folders = new FolderMaker(client);
      for (let i = 0; i < uids.length; i += m.batchSize) {
        const batch = uids.slice(i, i + m.batchSize);
        const meta = await client.fetchAll(batch.join(','), { uid: true, size: true, envelope: true }, { uid: true });
        meta.sort((a, b) => a.uid - b.uid);
        const decisions = new Map<number, Decision>();
        // sources in groups under a byte budget; too large a message is refused without being downloaded
        let group: typeof meta = [];
        let groupBytes = 0;
        const flush = async (): Promise<void> => {
          if (group.length === 0) return;
          const subjects = new Map(group.map((x) => [x.uid, x.envelope?.subject]));
          const sources = await client.fetchAll(
            group.map((x) => x.uid).join(','),
            { uid: true, source: true },
            { uid: true },
          );
          const got = new Set<number>();
          const fetched: { uid: number; bytes: Uint8Array; name: string }[] = [];
          for (const msg of sources.sort((a, b) => a.uid - b.uid)) {
            got.add(msg.uid);
            t.s.messages++;
            const name = messageName(m, msg.uid, subjects.get(msg.uid));
            if (!msg.source) {
              t.s.failed++;
              t.failures.push({ file: name, error: 'the server returned no content for the message' });
              decisions.set(msg.uid, 'invalid');
              continue;
            }
            fetched.push({ uid: msg.uid, bytes: msg.source, name });
          }
          // the group's messages in one intake commit and one processing batch
          const ds = await importMessages(db, orgId, fetched, 'imap', o, t);
          for (const [j, d] of ds.entries()) decisions.set(fetched[j]!.uid, d);
          // expunged meanwhile by someone else: nothing to do
          for (const x of group) if (!got.has(x.uid)) decisions.delete(x.uid);
          group = [];
          groupBytes = 0;
        };
        for (const x of meta) {
          if ((x.size ?? 0) > o.limits.maxInputBytes) {
            t.s.messages++;
            t.s.failed++;
            t.failures.push({
              file: messageName(m, x.uid, x.envelope?.subject),
              error: `the message is larger than the limit of ${o.limits.maxInputBytes} bytes (DMARC_MAX_INPUT_BYTES)`,
            });
            decisions.set(x.uid, 'invalid');
            continue;
          }
          if (group.length > 0 && groupBytes + (x.size ?? 0) > FETCH_BUDGET_BYTES) await flush();
          group.push(x);
          groupBytes += x.size ?? 0;
        }
        await flush();
        await applyDecisions(client, m, folders, decisions, t.s);
      }
    } finally {
      lock.release();
    }
    await client.logout();
  } catch (err) {
    t.s.error = describeImapError(err, m);
    client.close();
  }
}

/** Fetches every given mailbox in turn. Never throws for a mailbox's failure: see each `error`. */
export async function fetchMailboxes(
  db: Database,
  mailboxes: ImapMailboxConfig[],
  o: FetchOptions,
): Promise<FetchSummary> {
  const summary: FetchSummary = { ...emptyImportSummary(), mailboxes: [] };
  for (const m of mailboxes) {
    const t: Tally = { s: emptyMailboxSummary(m.name, m.folder), failures: [] };
    await fetchMailbox(db, m, o, t);
    countFetch(t.s);
    summary.mailboxes.push(t.s);
    addToSummary(summary, t);
    o.log?.[t.s.error ? 'warn' : 'info'](
      { mailbox: m.name, ...t.s, failures: undefined },
      t.s.error ? 'IMAP mailbox could not be fetched' : 'IMAP mailbox fetched',
    );
  }
  return summary;
}
