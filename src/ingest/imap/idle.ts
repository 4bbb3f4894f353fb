// IMAP IDLE: keeps one connection per mailbox selected on its folder; when the server announces a new message,
// `onMail` is called (the scheduler then queues a fetch of that mailbox). A lost connection is re-opened with
// backoff (1 s doubling to 5 minutes) and never ends the process; after each reconnect `onMail` runs once to
// catch up with what arrived meanwhile.
import type { ImapFlow } from 'imapflow';
import type { ImapMailboxConfig } from '../../config/jobs.js';
import { connectMailbox, describeImapError, folderPath } from './connect.js';

export interface IdleLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export class IdleWatcher {
  private client: ImapFlow | undefined;
  private stopped = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly m: ImapMailboxConfig,
    private readonly onMail: () => void,
    private readonly log?: IdleLog,
    private readonly maxBackoffMs = 5 * 60_000,
  ) {}

  start(): void {
    void this.open();
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    let client: ImapFlow | undefined;
    try {
      client = await connectMailbox(this.m, {
        attempts: 1,
        // IDLE starts by itself one second after the last command, and is renewed every 10 minutes
        extra: { disableAutoIdle: false, autoIdleDelay: 1000, maxIdleTime: 10 * 60_000 },
      });
      if (this.stopped) {
        await client.logout().catch(() => client?.close());
        return;
      }
      this.client = client;
      client.on('exists', (d: { count: number; prevCount: number }) => {
        if (d.count > d.prevCount) this.onMail();
      });
      client.on('close', () => {
        if (this.client === client) this.client = undefined;
        if (!this.stopped) {
          this.log?.warn({ mailbox: this.m.name }, 'IMAP IDLE connection closed; reconnecting');
          this.retryLater();
        }
      });
      await client.mailboxOpen(folderPath(this.m.folder), { readOnly: true });
      if (this.failures > 0) this.log?.info({ mailbox: this.m.name }, 'IMAP IDLE connection restored');
      this.failures = 0;
      this.onMail();
    } catch (err) {
      if (this.client === client) this.client = undefined;
      client?.close();
      this.log?.warn({ mailbox: this.m.name, reason: describeImapError(err, this.m) }, 'IMAP IDLE connection failed');
      this.retryLater();
    }
  }

  private retryLater(): void {
    if (this.stopped || this.timer) return;
    const delay = Math.min(this.maxBackoffMs, 1000 * 2 ** this.failures++);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.open();
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const c = this.client;
    this.client = undefined;
    if (c) await c.logout().catch(() => c.close());
  }
}
