// Local Maildir and plain-folder mailboxes on a temporary directory: new/ → cur/ (flagged seen) and the Maildir++
// invalid folder; a plain folder's processed/ and invalid/ subfolders, files being written skipped; the watcher
// sees files appearing while it runs (and the fetch-imap task, queued by it, imports them); `dmarc fetch
// --mailbox`; one organisation's mailbox storing into it only.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/analytics/cache.js';
import type { MaildirMailboxConfig } from '../../src/config/jobs.js';
import { fetchAllMailboxes } from '../../src/ingest/mailboxes/fetch.js';
import { MaildirWatcher } from '../../src/ingest/mailboxes/maildir.js';
import { loadJobsConfig } from '../../src/config/jobs.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import type { EnqueueOptions, JobQueue, TaskName } from '../../src/jobs/queue.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { taskHandlers } from '../../src/jobs/tasks.js';
import { queueImapFetches } from '../../src/jobs/tasks/fetch-imap.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { runCli } from '../support/cli.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, NO_SINK, createOrg } from '../support/org.js';
import { waitFor } from '../jobs/support.js';
import { REPORT_EMAILS, configError, corpus, fetchOptions, mailboxesFrom, noReport, reportsByOrg } from './support.js';

describe('Maildir and folder mailboxes', () => {
  let dir: string;
  let t: TestDatabase;
  let n = 0;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-maildir-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    t = await openPglite();
  });
  afterEach(async () => {
    await t.drop();
  });

  async function maildir(format: 'maildir' | 'folder', extra: object = {}): Promise<MaildirMailboxConfig> {
    const root = path.join(dir, `box${++n}`);
    if (format === 'maildir')
      for (const d of ['tmp', 'new', 'cur']) await fs.mkdir(path.join(root, d), { recursive: true });
    else await fs.mkdir(root, { recursive: true });
    return mailboxesFrom(dir, {
      maildir: [{ name: `local${n}`, path: root, format, ...extra }],
    })[0] as MaildirMailboxConfig;
  }

  /** Delivers as an MTA does: written in tmp/ (or under a dot name), then renamed into place. */
  async function deliver(m: MaildirMailboxConfig, name: string, bytes: Buffer | string): Promise<void> {
    const tmp = m.format === 'maildir' ? path.join(m.path, 'tmp', name) : path.join(m.path, `.${name}`);
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, m.format === 'maildir' ? path.join(m.path, 'new', name) : path.join(m.path, name));
  }

  const ls = async (...p: string[]) => (await fs.readdir(path.join(...p)).catch(() => [] as string[])).sort();

  it('Maildir: reports from new/ go to cur/ flagged seen, the others to .Invalid; a second run finds nothing', async () => {
    const m = await maildir('maildir');
    await deliver(m, '1700000000.M1P1.host', corpus(REPORT_EMAILS[0]!));
    await deliver(m, '1700000001.M2P1.host', corpus(REPORT_EMAILS[1]!));
    await deliver(m, '1700000002.M3P1.host', noReport());
    const s = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(s.mailboxes[0]).toMatchObject({
      error: null,
      messages: 3,
      imported: 2,
      failed: 1,
      movedToProcessed: 2,
      movedToInvalid: 1,
    });
    expect(await ls(m.path, 'new')).toEqual([]);
    expect(await ls(m.path, 'cur')).toEqual(['1700000000.M1P1.host:2,S', '1700000001.M2P1.host:2,S']);
    expect(await ls(m.path, '.Invalid', 'cur')).toEqual(['1700000002.M3P1.host:2,S']);
    const files = await t.db.query<{ source: string }>('SELECT DISTINCT source FROM ingested_files');
    expect(files.rows).toEqual([{ source: 'maildir' }]);
    const again = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(again.mailboxes[0]).toMatchObject({ error: null, messages: 0 });

    // the same report delivered again (a crash after import, before the move, looks the same): only moved
    await deliver(m, '1700000003.M4P1.host', corpus(REPORT_EMAILS[0]!));
    const dup = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(dup.mailboxes[0]).toMatchObject({ imported: 0, duplicates: 1, movedToProcessed: 1 });
    expect(await reportsByOrg(t.db)).toEqual({ [DEFAULT_ORG_ID]: 2 });
  });

  it('one run of many messages is one batch: copies within it count as duplicates, a bad one as failed', async () => {
    const m = await maildir('maildir');
    const bad = noReport();
    await deliver(m, '1700000000.M1P1.host', corpus(REPORT_EMAILS[0]!));
    await deliver(m, '1700000001.M2P1.host', corpus(REPORT_EMAILS[1]!));
    await deliver(m, '1700000002.M3P1.host', corpus(REPORT_EMAILS[0]!));
    await deliver(m, '1700000003.M4P1.host', bad);
    await deliver(m, '1700000004.M5P1.host', bad);
    await deliver(m, '1700000005.M6P1.host', corpus(REPORT_EMAILS[2]!));
    const s = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    // as one by one: the copy of a stored report is a duplicate, the copy of a failed message fails again
    expect(s.mailboxes[0]).toMatchObject({
      error: null,
      messages: 6,
      imported: 3,
      duplicates: 1,
      failed: 2,
      movedToProcessed: 4,
      movedToInvalid: 2,
    });
    expect(await reportsByOrg(t.db)).toEqual({ [DEFAULT_ORG_ID]: 3 });
    const files = await t.db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM ingested_files GROUP BY status ORDER BY status',
    );
    expect(files.rows).toEqual([
      { status: 'failed', n: 1 },
      { status: 'processed', n: 3 },
    ]);
  });

  it('a plain folder: processed/ and invalid/ subfolders, files being written are skipped, too large ones refused', async () => {
    const m = await maildir('folder', { processedFolder: 'done' });
    await deliver(m, 'report.eml', corpus(REPORT_EMAILS[0]!));
    await fs.writeFile(path.join(m.path, 'partial.eml.part'), 'still being written');
    await fs.writeFile(path.join(m.path, '.hidden'), 'x');
    const limit = corpus(REPORT_EMAILS[0]!).length + 1000;
    await deliver(m, 'big.eml', noReport('x'.repeat(limit)));
    const s = await fetchAllMailboxes(
      t.db,
      [],
      [m],
      fetchOptions(t.db, { limits: { ...DEFAULT_UNPACK_LIMITS, maxInputBytes: limit } }),
    );
    expect(s.mailboxes[0]).toMatchObject({
      error: null,
      messages: 2,
      imported: 1,
      failed: 1,
      movedToProcessed: 1,
      movedToInvalid: 1,
    });
    expect(s.failures.map((f) => f.error)).toEqual([
      `the message is larger than the limit of ${limit} bytes (DMARC_MAX_INPUT_BYTES)`,
    ]);
    expect(await ls(m.path)).toEqual(['.hidden', 'done', 'invalid', 'partial.eml.part']);
    expect(await ls(m.path, 'invalid')).toEqual(['big.eml']);
    // a name taken in the destination gets a suffix, nothing is overwritten
    await deliver(m, 'report.eml', corpus(REPORT_EMAILS[0]!));
    await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(await ls(m.path, 'done')).toEqual(['report.eml', 'report.eml.1']);
    const gone = await fetchAllMailboxes(t.db, [], [{ ...m, path: path.join(dir, 'missing') }], fetchOptions(t.db));
    expect(gone.mailboxes[0]!.error).toBe(`cannot read ${path.join(dir, 'missing')}: ENOENT`);
  });

  it('the watcher sees files appearing while it runs, and the fetch it queues imports them into the organisation', async () => {
    const beta = await createOrg(t.db, 'beta');
    const m = await maildir('maildir', { org: 'beta' });
    const queue = new InProcessQueue();
    queue.start(
      taskHandlers({
        db: t.db,
        queue,
        cache: new MemoryCache(300),
        limits: DEFAULT_UNPACK_LIMITS,
        mailboxes: [m],
        sink: NO_SINK,
      }),
    );
    let seen = 0;
    const watcher = new MaildirWatcher(
      m,
      () => {
        seen++;
        void queueImapFetches(queue, [m], () => beta.id);
      },
      undefined,
      50,
    );
    watcher.start();
    try {
      await deliver(m, 'a', corpus(REPORT_EMAILS[0]!));
      await waitFor('the first message moved', async () => (await ls(m.path, 'cur')).length === 1, 20_000);
      await deliver(m, 'b', corpus(REPORT_EMAILS[1]!));
      await waitFor('the second message moved', async () => (await ls(m.path, 'cur')).length === 2, 20_000);
      expect(seen).toBeGreaterThanOrEqual(2);
      expect(await reportsByOrg(t.db)).toEqual({ [beta.id]: 2 });
      expect(await ls(m.path, 'cur')).toEqual(['a:2,S', 'b:2,S']);
    } finally {
      await watcher.stop();
      await queue.close();
    }
  });

  it('the scheduler watches the Maildir mailboxes with watch on, queues their fetch in their organisation, and stops', async () => {
    const watched = await maildir('maildir', { name: 'watched', org: 'beta' });
    const unwatched = await maildir('folder', { name: 'scanned', watch: false });
    const queued: { name: TaskName; payload: unknown; options?: EnqueueOptions }[] = [];
    const queue: JobQueue = {
      kind: 'in-process',
      enqueue: (name, payload, options) => {
        queued.push({ name, payload, options });
        return Promise.resolve('x');
      },
      start: () => undefined,
      close: () => Promise.resolve(),
      drain: () => Promise.resolve(),
    };
    const running = new Map<string, () => void>();
    const s = new Scheduler({
      queue,
      config: {
        jobs: loadJobsConfig({ DMARC_SCHEDULE_FETCH_IMAP: 'off' }).jobs,
        imap: [],
        mailboxes: [watched, unwatched],
      },
      orgIdOf: (slug) => Promise.resolve(slug === 'beta' ? 7 : undefined),
      folderWatcher: (m, onMail) => ({
        start: () => void running.set(m.name, onMail),
        stop: () => Promise.resolve(void running.delete(m.name)),
      }),
    });
    await s.start();
    expect([...running.keys()]).toEqual(['watched']);
    running.get('watched')!();
    await waitFor('the queued fetch', () => queued.some((q) => q.name === 'fetch-imap'), 5000);
    expect(queued.find((q) => q.name === 'fetch-imap')).toMatchObject({
      payload: { mailbox: 'watched', orgId: 7 },
      options: { dedupeKey: 'fetch-imap-watched' },
    });
    await s.stop();
    expect(running.size).toBe(0);
  });

  // one `dmarc` process (tsx, PGlite migrating): slow on a busy machine
  it('dmarc fetch --mailbox reads a Maildir mailbox of the DMARC_CONFIG file', async () => {
    const m = await maildir('maildir');
    await deliver(m, 'one', corpus(REPORT_EMAILS[2]!));
    const config = path.join(dir, 'cli.yaml');
    await fs.writeFile(config, `maildir:\n  - name: disk\n    path: ${JSON.stringify(m.path)}\n`);
    const data = path.join(dir, `data${n}`);
    const env = { DMARC_CONFIG: config, DMARC_DATA_DIR: data, DMARC_LOG_LEVEL: 'silent' };
    const r = await runCli(['fetch', '--mailbox', 'disk', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ imported: 1, mailboxes: [{ name: 'disk', movedToProcessed: 1 }] });
  });

  it('bad entries are refused with precise reasons', () => {
    expect(configError(dir, { maildir: [{}] })).toMatch(/maildir\.0\.path/);
    expect(configError(dir, { maildir: [{ path: '/x', invalidFolder: '../elsewhere' }] })).toMatch(
      /must be a folder name/,
    );
    expect(configError(dir, { maildir: [{ path: '/x', format: 'mbox' }] })).toMatch(/maildir\.0\.format/);
  });
});
