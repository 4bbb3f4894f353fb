// The mailbox types besides IMAP: one file each, one line here.
import type { OtherMailboxConfig } from '../../config/jobs.js';
import { gmailSource } from './gmail.js';
import { graphSource } from './graph.js';
import { maildirSource } from './maildir.js';
import type { SourceFactory } from './source.js';

export const MAILBOX_SOURCES: {
  [T in OtherMailboxConfig['type']]: SourceFactory<Extract<OtherMailboxConfig, { type: T }>>;
} = {
  graph: graphSource,
  gmail: gmailSource,
  maildir: maildirSource,
};
