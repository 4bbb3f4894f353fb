// What every mailbox type (IMAP, Microsoft Graph, Gmail, Maildir) shares: a raw message goes through intake (kept
// with its SHA-256) and the pipeline, and the outcome says where the message goes — the processed folder, the
// invalid one, or nowhere yet (left for the next run). Intake dedupes by content hash, so a message imported
// before a crash that kept it from being moved is only moved by the next run, never imported twice.
import type { ReportStoredSink } from '../../events/report-stored.js';
import type { UnpackLimits } from '../../parse/types.js';
import type { Database } from '../../store/database.js';
import { isRecentlyClaimed, type FileSource } from '../../store/files.js';
import type { ImportSummary } from '../import-files.js';
import type { FailurePrivacy } from '../../parse/failure/privacy.js';
import { intakeFiles } from '../intake.js';
import { processFiles, type BatchFile } from '../process-batch.js';
import type { ProcessResult } from '../process-file.js';
import { mailboxFetches, mailboxMessages } from '../../events/metrics.js';

export interface MailboxSummary {
  name: string;
  folder: string;
  /** New messages looked at. */
  messages: number;
  imported: number;
  duplicates: number;
  unsupported: number;
  failed: number;
  reports: number;
  records: number;
  movedToProcessed: number;
  /** Marked seen/read (IMAP markSeen, Graph markRead) instead of moved. */
  markedSeen: number;
  movedToInvalid: number;
  /** Left in the folder for the next run (being processed elsewhere, or the database failed). */
  leftForLater: number;
  /** The mailbox could not be reached or read; null when it was. */
  error: string | null;
}

export type Decision = 'processed' | 'invalid' | 'leave';

export interface Tally {
  s: MailboxSummary;
  failures: ImportSummary['failures'];
}

export interface ImportOptions {
  limits: UnpackLimits;
  /** A message whose file has been pending/processing for less than this is being handled elsewhere. */
  staleAfterMs: number;
  sink: ReportStoredSink;
  /** What failure reports keep of the original message (default: the privacy defaults). */
  failures?: FailurePrivacy;
}

export function emptyMailboxSummary(name: string, folder: string): MailboxSummary {
  return {
    name,
    folder,
    messages: 0,
    imported: 0,
    duplicates: 0,
    unsupported: 0,
    failed: 0,
    reports: 0,
    records: 0,
    movedToProcessed: 0,
    markedSeen: 0,
    movedToInvalid: 0,
    leftForLater: 0,
    error: null,
  };
}

/**
 * Imports a run's messages together (one durable intake commit, then one processing batch: process-batch.ts) and
 * decides where each goes, in order; the same as importing them one by one.
 */
export async function importMessages(
  db: Database,
  orgId: number,
  messages: readonly { bytes: Uint8Array; name: string }[],
  source: FileSource,
  o: ImportOptions,
  t: Tally,
): Promise<Decision[]> {
  const intakes = await intakeFiles(
    db,
    messages.map(({ bytes, name }) => ({
      orgId,
      bytes,
      name,
      source,
      contentType: 'message/rfc822',
      failures: o.failures,
      limits: o.limits,
    })),
  );
  const fresh = new Set(intakes.flatMap((x) => (x.duplicate ? [] : [x.fileId])));
  const decisions: (Decision | undefined)[] = [];
  /** The same bytes as a message earlier in this run: decided as that one's copy, once it is processed. */
  const copies = new Map<number, number>();
  const todo: { at: number; file: BatchFile }[] = [];
  for (const [i, intake] of intakes.entries()) {
    const ref = { orgId, fileId: intake.fileId };
    if (!intake.duplicate) {
      todo.push({ at: i, file: { ref, known: { name: messages[i]!.name, bytes: intake.kept } } });
      continue;
    }
    if (fresh.has(intake.fileId)) {
      copies.set(i, intake.fileId);
      continue;
    }
    const f = intake.existing;
    if (f.status === 'processed' || f.status === 'duplicate') {
      t.s.duplicates++;
      decisions[i] = 'processed';
      continue;
    }
    // 'unsupported' is not final: the kind may be supported since (a newer version): run it again below
    if (await isRecentlyClaimed(db, orgId, f.id, o.staleAfterMs)) {
      t.s.leftForLater++;
      decisions[i] = 'leave';
      continue;
    }
    // failed before, or left pending/processing by a crash: run it again (the pipeline is idempotent)
    todo.push({ at: i, file: { ref } });
  }
  const results = await processFiles(
    db,
    todo.map((x) => x.file),
    { limits: o.limits, sink: o.sink, failures: o.failures },
  );
  const byFile = new Map<number, ProcessResult>();
  for (const [j, r] of results.entries()) {
    const at = todo[j]!.at;
    byFile.set(r.fileId, r);
    decisions[at] = decide(r, messages[at]!.name, t);
  }
  for (const [i, fileId] of copies) {
    const first = byFile.get(fileId);
    // a copy of a message stored meanwhile is a duplicate; of one that was not, it ends as that one did
    if (!first || first.status === 'processed' || first.status === 'duplicate') {
      t.s.duplicates++;
      decisions[i] = 'processed';
    } else decisions[i] = decide({ ...first, reportsStored: 0 }, messages[i]!.name, t);
  }
  return decisions.map((d) => d ?? 'leave');
}

/** Where a processed message goes, counted in the tally. */
function decide(r: ProcessResult, name: string, t: Tally): Decision {
  t.s.reports += r.reportsStored;
  t.s.records += r.recordCount;
  if (r.storageFailed) {
    t.s.leftForLater++;
    t.failures.push({ file: name, error: `not stored, left in the mailbox for the next run: ${r.error}` });
    return 'leave';
  }
  switch (r.status) {
    case 'processed':
      t.s.imported++;
      return 'processed';
    case 'duplicate':
      t.s.duplicates++;
      return 'processed';
    case 'unsupported':
      t.s.unsupported++;
      return 'invalid';
    default:
      t.s.failed++;
      t.failures.push({ file: name, error: r.error ?? 'no report found in the message' });
      return 'invalid';
  }
}

/** Adds one mailbox's tally to the run's summary. */
export function addToSummary(summary: ImportSummary, t: Tally): void {
  summary.files += t.s.messages;
  summary.imported += t.s.imported;
  summary.duplicates += t.s.duplicates;
  summary.unsupported += t.s.unsupported;
  summary.failed += t.s.failed;
  summary.reports += t.s.reports;
  summary.records += t.s.records;
  summary.failures.push(...t.failures.map((f) => ({ file: `${t.s.name}: ${f.file}`, error: f.error })));
  if (t.s.error) summary.failures.push({ file: t.s.name, error: t.s.error });
}

/** The metrics of one mailbox's fetch (any type of mailbox). */
export function countFetch(s: MailboxSummary): void {
  mailboxFetches.inc({ result: s.error ? 'error' : 'ok' });
  for (const outcome of ['imported', 'duplicates', 'unsupported', 'failed'] as const)
    if (s[outcome] > 0) mailboxMessages.inc({ outcome }, s[outcome]);
}
