// A local folder an MTA delivers reports to. Maildir: new messages are the files of new/ (delivered through tmp/,
// so always complete); processed ones are moved to cur/ flagged seen (":2,S") — or into a Maildir++ folder when
// processedFolder is set — and invalid ones into the Maildir++ folder `.Invalid`. A plain folder: every file in
// it (names starting with '.' or ending in .tmp/.part are being written and skipped); processed files are moved
// to its `processed` subfolder, invalid ones to `invalid`. Watched for new files (MaildirWatcher) and scanned on
// the fetch schedule.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { MaildirMailboxConfig } from '../../config/jobs.js';
import { MailboxError } from './errors.js';
import type { MailMessage, MailSource } from './source.js';

const MAX_LISTED = 5000;

function skipped(name: string): boolean {
  return name.startsWith('.') || /\.(tmp|part)$/i.test(name);
}

/** The folder new messages are in. */
export function incomingDir(m: MaildirMailboxConfig): string {
  return m.format === 'maildir' ? path.join(m.path, 'new') : m.path;
}

class MaildirSource implements MailSource {
  readonly folder: string;

  constructor(private readonly m: MaildirMailboxConfig) {
    this.folder = m.format === 'maildir' ? 'new' : '.';
  }

  async list(): Promise<MailMessage[]> {
    const dir = incomingDir(this.m);
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      throw new MailboxError(`cannot read ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const out: (MailMessage & { mtime: number })[] = [];
    for (const e of entries) {
      if (!e.isFile() || skipped(e.name)) continue;
      const st = await fsp.stat(path.join(dir, e.name)).catch(() => null);
      if (st) out.push({ id: e.name, size: st.size, mtime: st.mtimeMs });
      if (out.length >= MAX_LISTED) break;
    }
    out.sort((a, b) => a.mtime - b.mtime || a.id.localeCompare(b.id));
    return out.map(({ id, size }) => ({ id, size }));
  }

  async fetch(msg: MailMessage): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await fsp.readFile(path.join(incomingDir(this.m), msg.id)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Where a settled message goes, and its name there. */
  private async destination(to: 'processed' | 'invalid', name: string): Promise<string> {
    const m = this.m;
    const sub = to === 'processed' ? m.processedFolder : m.invalidFolder;
    if (m.format === 'folder') {
      const dir = path.join(m.path, sub!);
      await fsp.mkdir(dir, { recursive: true });
      return path.join(dir, name);
    }
    const root = sub === null ? m.path : path.join(m.path, sub);
    for (const d of ['tmp', 'new', 'cur']) await fsp.mkdir(path.join(root, d), { recursive: true });
    // the info part: the flags after ":2,", seen added (names delivered to new/ have none yet)
    const [stem, flags = ''] = name.split(':2,');
    return path.join(root, 'cur', `${stem}:2,${[...new Set(`${flags}S`)].sort().join('')}`);
  }

  async settle(messages: MailMessage[], to: 'processed' | 'invalid'): Promise<{ moved: number; marked: number }> {
    let moved = 0;
    for (const msg of messages) {
      const wanted = await this.destination(to, msg.id);
      // never overwrite: a name taken already gets a suffix
      let target = wanted;
      for (let n = 1; fs.existsSync(target); n++) target = `${wanted}.${n}`;
      try {
        await fsp.rename(path.join(incomingDir(this.m), msg.id), target);
        moved++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return { moved, marked: 0 };
  }
}

export function maildirSource(m: MaildirMailboxConfig): MailSource {
  return new MaildirSource(m);
}

/**
 * Calls `onMail` (debounced) when a file appears in the folder of new messages. fs.watch (inotify on Linux) is
 * enough: a missed event only delays the file to the next scheduled fetch. A folder that cannot be watched is
 * tried again every few seconds.
 */
export class MaildirWatcher {
  private watcher: fs.FSWatcher | null = null;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly m: MaildirMailboxConfig,
    private readonly onMail: () => void,
    private readonly log?: { warn(obj: object, msg: string): void },
    private readonly debounceMs = 500,
  ) {}

  start(): void {
    this.stopped = false;
    const dir = incomingDir(this.m);
    try {
      this.watcher = fs.watch(dir, (_event, name) => {
        if (name && skipped(String(name))) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.onMail(), this.debounceMs);
      });
      this.watcher.on('error', () => this.rearm());
    } catch (err) {
      this.log?.warn(
        { mailbox: this.m.name, dir, code: (err as NodeJS.ErrnoException).code },
        'cannot watch the folder; retrying',
      );
      this.rearm();
    }
  }

  private rearm(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.stopped) return;
    this.retry = setTimeout(() => this.start(), 5000);
  }

  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.retry);
    this.watcher?.close();
    this.watcher = null;
    return Promise.resolve();
  }
}
