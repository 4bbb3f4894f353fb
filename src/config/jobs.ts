// The background-work part of the configuration (retries, worker locks, schedules, retention) and the IMAP
// mailboxes: their types, inferred from the one schema (schema.ts), and the value parsers other code uses.
import { loadConfig } from './index.js';
import type { Config } from './schema.js';

export { IMAP_TLS_MODES, SCHEDULED_TASKS, scheduleVariable, type ScheduledTask } from './schema.js';
export { isLoopbackHost, parseDuration, parseSchedule } from './parse-values.js';

export type JobsConfig = Config['jobs'];
export type ImapMailboxConfig = Config['imap'][number];
export type AlertsConfig = Config['alerts'];
export type ImapTls = ImapMailboxConfig['tls'];
export type ImapAuth = ImapMailboxConfig['auth'];

/** The background-work part of the configuration, from env vars (empty ones already removed) and DMARC_CONFIG. */
export function loadJobsConfig(env: Record<string, string>): {
  jobs: JobsConfig;
  imap: ImapMailboxConfig[];
  alerts: AlertsConfig;
} {
  const { jobs, imap, alerts } = loadConfig(env);
  return { jobs, imap, alerts };
}

/** A Microsoft Graph, Gmail API or Maildir mailbox (DMARC_CONFIG's graph, gmail, maildir). */
export type OtherMailboxConfig = Config['mailboxes'][number];
export type GraphMailboxConfig = Extract<OtherMailboxConfig, { type: 'graph' }>;
export type GmailMailboxConfig = Extract<OtherMailboxConfig, { type: 'gmail' }>;
export type MaildirMailboxConfig = Extract<OtherMailboxConfig, { type: 'maildir' }>;
/** What every mailbox has: its name (unique) and its organisation's slug. */
export interface MailboxRef {
  name: string;
  org: string;
}
