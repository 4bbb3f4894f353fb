// The one interface every non-IMAP mailbox type implements (graph.ts, gmail.ts, maildir.ts), so that one loop
// (fetch.ts) lists, imports and moves for all of them with IMAP's decisions (import-message.ts).
import type { OtherMailboxConfig } from '../../config/jobs.js';
import type { HttpPolicy } from './http.js';

export interface MailMessage {
  /** The service's message id, or the file's name. */
  id: string;
  /** Bytes, when known before downloading. */
  size?: number;
}

export interface MailSource {
  /** The folder or label read, for summaries. */
  readonly folder: string;
  /** The new messages, oldest first as far as the service says. */
  list(): Promise<MailMessage[]>;
  /** The raw message (RFC 822); null when it went away meanwhile. */
  fetch(m: MailMessage): Promise<Uint8Array | null>;
  /** Moves (or marks) messages: `processed` ones to the processed folder, `invalid` ones to the invalid one. */
  settle(messages: MailMessage[], to: 'processed' | 'invalid'): Promise<{ moved: number; marked: number }>;
  /**
   * Every message listed was handled (none left for later): a source that lists changes only (Graph's delta
   * query) keeps its new position now, never before — a run that stops earlier lists them again next time.
   */
  complete?(): Promise<void>;
}

/** Where a source keeps its listing position between runs (one per organisation and mailbox). */
export interface ListCursor {
  /** The position kept for this scope (what the position lists), or null: none, or another scope's. */
  load(scope: string): Promise<string | null>;
  save(scope: string, position: string): Promise<void>;
  /** Forgets the position: the next listing is a full one. */
  drop(): Promise<void>;
}

export interface SourceOptions {
  http: HttpPolicy;
  /** null: no position is kept (every run lists everything). */
  cursor: ListCursor | null;
}

export type SourceFactory<M extends OtherMailboxConfig = OtherMailboxConfig> = (m: M, o: SourceOptions) => MailSource;
