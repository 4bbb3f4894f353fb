// IMAP ingestion against a real Dovecot on loopback (started by the suite, see dovecot.ts): real corpus messages,
// a message without a report and one with a broken attachment are APPENDed; fetch-imap stores the reports and moves
// each message where it belongs; a second run imports nothing; a crash between import and move imports nothing
// twice; TLS, STARTTLS, XOAUTH2, mark-seen mode, refused credentials, unreachable servers, IDLE, `dmarc fetch`.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/analytics/cache.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import type { ImapMailboxConfig } from '../../src/config/jobs.js';
import { fetchMailboxes, type FetchOptions, type FetchSummary } from '../../src/ingest/imap/fetch.js';
import { IdleWatcher } from '../../src/ingest/imap/idle.js';
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile } from '../../src/ingest/process-file.js';
import { TaskHistory } from '../../src/jobs/history.js';
import { getTaskRun } from '../../src/store/task-runs.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { taskHandlers } from '../../src/jobs/tasks.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { findOrgBySlug } from '../../src/store/organizations.js';
import { runCli } from '../support/cli.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { CORPUS_DIR } from '../support/manifest.js';
import { DEFAULT_ORG_ID, NO_SINK, cacheSink, createOrg, recordingSink } from '../support/org.js';
import { servicesRequired } from '../support/services.js';
import { waitFor } from '../jobs/support.js';
import { dovecotInstalled, startDovecot, type Dovecot } from './dovecot.js';

const installed = dovecotInstalled();
if (!installed && servicesRequired) {
  throw new Error('REQUIRE_SERVICES=1 but dovecot is not installed (apt-get install dovecot-imapd; .ci/run does)');
}
if (!installed) console.warn('dovecot is not installed (/usr/sbin/dovecot): the IMAP suite is skipped');

const AGGREGATE_EMAILS = [
  'parsedmarc/Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml',
  'parsedmarc/mimecast-weird-gzip.eml',
  'parsedmarc/twilight.eml',
  'mail-auth/100.eml',
  'mail-auth/101.eml',
  'mail-auth/102.eml',
  'mail-auth/103.eml',
  'mail-auth/104.eml',
];
const FORENSIC_EMAIL = 'parsedmarc/dmarc_ruf_report_linkedin.eml';

function email(subject: string, attachment?: { name: string; type: string; bytes: Uint8Array }): string {
  const head = [
    'From: noreply-dmarc-support@google.com',
    'To: dmarc@example.test',
    `Subject: ${subject}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@example.test>`,
    'Date: Thu, 13 Jun 2024 10:00:00 +0000',
    'MIME-Version: 1.0',
  ];
  if (!attachment)
    return [...head, 'Content-Type: text/plain; charset=utf-8', '', 'Hello, no report here.', ''].join('\r\n');
  const b64 = Buffer.from(attachment.bytes)
    .toString('base64')
    .replace(/(.{76})/g, '$1\r\n');
  return [
    ...head,
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'This is an aggregate report.',
    '--b1',
    `Content-Type: ${attachment.type}; name="${attachment.name}"`,
    `Content-Disposition: attachment; filename="${attachment.name}"`,
    'Content-Transfer-Encoding: base64',
    '',
    b64,
    '--b1--',
    '',
  ].join('\r\n');
}

/** fetch-imap runs are platform-wide (no organisation in their payload). */
const PLATFORM = { orgId: DEFAULT_ORG_ID, includePlatform: true };

async function corpus(file: string): Promise<Buffer> {
  return fs.readFile(path.join(CORPUS_DIR, file));
}

describe.runIf(installed)('IMAP ingestion against Dovecot', () => {
  let dovecot: Dovecot;
  let t: TestDatabase;
  let dir: string;
  let n = 0;

  beforeAll(async () => {
    dovecot = await startDovecot();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-imap-'));
  });
  afterAll(async () => {
    await dovecot?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    t = await openPglite();
  });
  afterEach(async () => {
    await t.drop();
  });

  /** Each test reads its own folder, so that tests never see each other's messages. */
  function mailbox(env: Record<string, string> = {}): { config: Config; m: ImapMailboxConfig } {
    const folder = `Test${++n}`;
    const config = loadConfig({
      DMARC_IMAP_HOST: dovecot.host,
      DMARC_IMAP_PORT: String(dovecot.port),
      DMARC_IMAP_TLS: 'none',
      DMARC_IMAP_USER: dovecot.user,
      DMARC_IMAP_PASSWORD: dovecot.password,
      DMARC_IMAP_FOLDER: folder,
      DMARC_IMAP_PROCESSED_FOLDER: `${folder}Done/Processed`,
      DMARC_IMAP_INVALID_FOLDER: `${folder}Done/Invalid`,
      DMARC_IMAP_BATCH_SIZE: '4',
      ...env,
    });
    return { config, m: config.imap[0]! };
  }

  async function admin<T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> {
    const c = new ImapFlow({
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      doSTARTTLS: false,
      auth: { user: dovecot.user, pass: dovecot.password },
      logger: false,
    });
    c.on('error', () => undefined);
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.logout();
    }
  }

  async function append(folder: string, messages: (string | Buffer)[], flags: string[] = []): Promise<void> {
    await admin(async (c) => {
      await c.mailboxCreate(folder).catch(() => undefined);
      for (const msg of messages) await c.append(folder, msg, flags);
    });
  }

  /** Message counts of folders ('/' separated, as configured). */
  async function counts(...folders: string[]): Promise<number[]> {
    return admin(async (c) =>
      Promise.all(
        folders.map(async (f) => {
          const s = await c.status(f.split('/'), { messages: true }).catch(() => false as const);
          return s ? (s.messages ?? 0) : -1;
        }),
      ),
    );
  }

  /** The messages of a folder as the server gives them back (line endings may differ from what was sent). */
  async function sources(folder: string): Promise<Buffer[]> {
    return admin(async (c) => {
      const lock = await c.getMailboxLock(folder);
      try {
        const all = await c.fetchAll('1:*', { uid: true, source: true }, { uid: true });
        return all.sort((a, b) => a.uid - b.uid).map((x) => x.source!);
      } finally {
        lock.release();
      }
    });
  }

  async function unseen(folder: string): Promise<number> {
    return admin(async (c) => {
      const s = await c.status(folder, { unseen: true });
      return s ? (s.unseen ?? 0) : -1;
    });
  }

  /** As the fetch-imap task does: a mailbox's reports go to the organisation of its `org` slug. */
  const opts = (o: Partial<FetchOptions> = {}): FetchOptions => ({
    limits: DEFAULT_UNPACK_LIMITS,
    staleAfterMs: 10 * 60_000,
    orgOf: async (m) => (await findOrgBySlug(t.db, m.org))?.id,
    sink: NO_SINK,
    connect: { attempts: 2, retryDelayMs: 50 },
    ...o,
  });

  async function reportCount(): Promise<number> {
    return (await t.db.query<{ n: number }>('SELECT count(*) AS n FROM reports')).rows[0]!.n;
  }

  it('fetch-imap imports every report, moves each message where it belongs, and a second run imports nothing', async () => {
    const { config, m } = mailbox();
    const nice = await corpus('parsedmarc/nice-input.xml');
    const messages = [
      ...(await Promise.all(AGGREGATE_EMAILS.map(corpus))),
      await corpus(FORENSIC_EMAIL),
      email('Report domain: example.com Submitter: google.com', { name: 'nice.xml', type: 'text/xml', bytes: nice }),
      // the same report again, in another container: all duplicates → processed
      email('Report domain: example.com Submitter: google.com (resent)', {
        name: 'nice.xml.gz',
        type: 'application/gzip',
        bytes: gzipSync(nice),
      }),
      email('Hello, just a question about DMARC'),
      email('Report domain: example.com (broken)', {
        name: 'google.com!example.com!1718236800!1718323199.xml.gz',
        type: 'application/gzip',
        bytes: Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('definitely not deflate data')]),
      }),
    ];
    await append(m.folder, messages);
    await append(m.folder, [email('already read by someone')], ['\\Seen']);

    const queue = new InProcessQueue({ history: new TaskHistory(t.db) });
    const cache = new MemoryCache(300);
    queue.start(
      taskHandlers({
        db: t.db,
        queue,
        cache,
        limits: config.limits,
        jobs: config.jobs,
        imap: config.imap,
        sink: cacheSink(cache),
      }),
    );
    const id = await queue.enqueue('fetch-imap', { mailbox: m.name });
    await queue.drain();
    const run = await getTaskRun(t.db, id, PLATFORM);
    expect(run?.state, run?.error ?? '').toBe('completed');
    const s = run!.result as FetchSummary;
    // the failure report (RFC 6591) is imported too: 10 reports, 9 of them aggregate
    expect(s).toMatchObject({ files: 13, imported: 10, duplicates: 1, unsupported: 0, failed: 2, reports: 10 });
    expect(s.mailboxes).toEqual([
      expect.objectContaining({
        name: m.name,
        messages: 13,
        movedToProcessed: 11,
        movedToInvalid: 2,
        leftForLater: 0,
        markedSeen: 0,
        error: null,
      }),
    ]);
    expect(s.failures.map((f) => f.error).join('\n')).toMatch(/no report found|gzip|deflate|invalid/i);
    expect(await reportCount()).toBe(9);
    expect((await cache.stats(DEFAULT_ORG_ID)).invalidations).toBe(10);
    // INBOX keeps only the message somebody had read; processed/invalid folders were created
    expect(await counts(m.folder, m.processedFolder, m.invalidFolder)).toEqual([1, 11, 2]);
    const sources = await t.db.query<{ source: string; n: number }>(
      'SELECT source, count(*) AS n FROM ingested_files GROUP BY source',
    );
    expect(sources.rows).toEqual([{ source: 'imap', n: 13 }]);

    const again = await queue.enqueue('fetch-imap', { mailbox: m.name });
    await queue.drain();
    expect((await getTaskRun(t.db, again, PLATFORM))?.result).toMatchObject({ files: 0, imported: 0, reports: 0 });
    expect(await reportCount()).toBe(9);
    expect(await counts(m.folder, m.processedFolder, m.invalidFolder)).toEqual([1, 11, 2]);
    await queue.close();
  });

  it('a crash between import and move imports nothing twice: the message is only moved', async () => {
    const { m } = mailbox();
    await append(m.folder, [
      await corpus('mail-auth/102.eml'),
      await corpus('mail-auth/103.eml'),
      await corpus('mail-auth/104.eml'),
    ]);
    const [imported, halfway] = await sources(m.folder);
    // the previous run stored 102 and crashed; it had only taken in 103 (pending) when it died, long ago
    const a = await intakeFile(t.db, { orgId: DEFAULT_ORG_ID, bytes: imported!, name: 'x', source: 'imap' });
    await processFile(
      t.db,
      { orgId: DEFAULT_ORG_ID, fileId: a.fileId },
      { limits: DEFAULT_UNPACK_LIMITS, sink: NO_SINK },
    );
    const b = await intakeFile(t.db, { orgId: DEFAULT_ORG_ID, bytes: halfway!, name: 'y', source: 'imap' });
    await t.db.query(`UPDATE ingested_files SET status_changed_at = now() - interval '1 hour' WHERE id = $1`, [
      b.fileId,
    ]);
    expect(await reportCount()).toBe(1);

    const s = await fetchMailboxes(t.db, [m], opts());
    expect(s).toMatchObject({ files: 3, imported: 2, duplicates: 1, reports: 2 });
    expect(await reportCount()).toBe(3);
    // no file was taken in twice: the same bytes are the same file
    expect((await t.db.query<{ n: number }>('SELECT count(*) AS n FROM ingested_files')).rows[0]!.n).toBe(3);
    expect(await counts(m.folder, m.processedFolder)).toEqual([0, 3]);
  });

  it('TLS-RPT mail is processed like aggregate mail, also a message an older version kept as unsupported', async () => {
    const { m } = mailbox();
    await append(m.folder, [
      await corpus('mail-auth/rpt02.eml'),
      await corpus('parsedmarc/google.com_smtp_tls_report.eml'),
    ]);
    const [, older] = await sources(m.folder);
    // an older version took the second one in and, not knowing the kind, recorded it as unsupported
    const b = await intakeFile(t.db, { orgId: DEFAULT_ORG_ID, bytes: older!, name: 'old', source: 'imap' });
    await t.db.query(
      `UPDATE ingested_files SET status = 'unsupported', kind = 'smtp_tls', status_changed_at = now() - interval '1 hour'
       WHERE id = $1`,
      [b.fileId],
    );
    const s = await fetchMailboxes(t.db, [m], opts());
    expect(s).toMatchObject({ files: 2, imported: 2, unsupported: 0, failed: 0, reports: 2 });
    expect(s.mailboxes[0]).toMatchObject({ movedToProcessed: 2, movedToInvalid: 0 });
    expect(await counts(m.folder, m.processedFolder)).toEqual([0, 2]);
    const tls = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tls_reports WHERE org_id = $1', [
      DEFAULT_ORG_ID,
    ]);
    expect(tls.rows[0]!.n).toBe(2);
  });

  it('a message whose file another process is working on right now is left for the next run', async () => {
    const { m } = mailbox();
    await append(m.folder, [await corpus('mail-auth/101.eml')]);
    const [bytes] = await sources(m.folder);
    await intakeFile(t.db, { orgId: DEFAULT_ORG_ID, bytes: bytes!, name: 'elsewhere', source: 'imap' }); // pending, just now
    const s = await fetchMailboxes(t.db, [m], opts());
    expect(s.mailboxes[0]).toMatchObject({ messages: 1, leftForLater: 1, movedToProcessed: 0 });
    expect(await unseen(m.folder)).toBe(1);
  });

  it('mark-seen mode leaves processed messages in the folder, flagged \\Seen', async () => {
    const { m } = mailbox({ DMARC_IMAP_MARK_SEEN: 'true' });
    await append(m.folder, [await corpus('mail-auth/100.eml'), email('no report')]);
    const s = await fetchMailboxes(t.db, [m], opts());
    expect(s.mailboxes[0]).toMatchObject({ messages: 2, markedSeen: 1, movedToInvalid: 1 });
    expect(await counts(m.folder, m.invalidFolder)).toEqual([1, 1]);
    expect(await unseen(m.folder)).toBe(0);
    expect((await fetchMailboxes(t.db, [m], opts())).files).toBe(0);
  });

  it('TLS on connect and STARTTLS, trusting the server certificate through caFile', async () => {
    for (const [tls, port] of [
      ['tls', dovecot.tlsPort],
      ['starttls', dovecot.port],
    ] as const) {
      const { m } = mailbox({
        DMARC_IMAP_TLS: tls,
        DMARC_IMAP_PORT: String(port),
        DMARC_IMAP_TLS_CA_FILE: dovecot.certFile,
      });
      await append(m.folder, [await corpus('mail-auth/100.eml')]);
      const s = await fetchMailboxes(t.db, [m], opts());
      expect(s.mailboxes[0]!.error).toBeNull();
      expect(s.mailboxes[0]!.movedToProcessed).toBe(1);
    }
    // without the CA the self-signed certificate is refused
    const { m } = mailbox({ DMARC_IMAP_TLS: 'tls', DMARC_IMAP_PORT: String(dovecot.tlsPort) });
    const s = await fetchMailboxes(t.db, [m], opts());
    expect(s.mailboxes[0]!.error).toMatch(/certificate/i);
  });

  it('XOAUTH2 with a token from a file or a command; a refused token is reported, not retried', async () => {
    const tokenFile = path.join(dir, 'token');
    await fs.writeFile(tokenFile, `${dovecot.oauthToken}\n`);
    const viaFile = mailbox({ DMARC_IMAP_PASSWORD: '', DMARC_IMAP_OAUTH2_TOKEN_FILE: tokenFile });
    await append(viaFile.m.folder, [await corpus('mail-auth/101.eml')]);
    expect((await fetchMailboxes(t.db, [viaFile.m], opts())).mailboxes[0]).toMatchObject({
      error: null,
      movedToProcessed: 1,
    });
    const viaCommand = mailbox({
      DMARC_IMAP_PASSWORD: '',
      DMARC_IMAP_OAUTH2_TOKEN_COMMAND: `printf '%s\\n' '${dovecot.oauthToken}'`,
    });
    await append(viaCommand.m.folder, [await corpus('mail-auth/102.eml')]);
    expect((await fetchMailboxes(t.db, [viaCommand.m], opts())).mailboxes[0]).toMatchObject({
      error: null,
      movedToProcessed: 1,
    });

    const refused = mailbox({ DMARC_IMAP_PASSWORD: '', DMARC_IMAP_OAUTH2_TOKEN_COMMAND: 'echo expired-token' });
    const retries: number[] = [];
    const s = await fetchMailboxes(
      t.db,
      [refused.m],
      opts({ connect: { attempts: 3, retryDelayMs: 10, onRetry: (a) => retries.push(a) } }),
    );
    expect(s.mailboxes[0]!.error).toMatch(/authentication failed for dmarc@example.test.*OAuth2 token/);
    expect(s.mailboxes[0]!.error).not.toContain('expired-token');
    expect(retries).toEqual([]);
    const failing = mailbox({ DMARC_IMAP_PASSWORD: '', DMARC_IMAP_OAUTH2_TOKEN_COMMAND: 'echo oops >&2; exit 3' });
    expect((await fetchMailboxes(t.db, [failing.m], opts())).mailboxes[0]!.error).toBe(
      'the OAuth2 token command exited with status 3: oops',
    );
  });

  it('a wrong password or an unreachable server is reported per mailbox; the others are still fetched', async () => {
    const good = mailbox({ DMARC_IMAP_NAME: 'good' });
    await append(good.m.folder, [await corpus('mail-auth/103.eml')]);
    const wrong = mailbox({ DMARC_IMAP_NAME: 'wrong', DMARC_IMAP_PASSWORD: 'not-the-password' });
    const down = mailbox({ DMARC_IMAP_NAME: 'down', DMARC_IMAP_PORT: '1' });
    const missing = mailbox({ DMARC_IMAP_NAME: 'missing' }); // its folder was never created
    const retried: string[] = [];
    const s = await fetchMailboxes(t.db, [wrong.m, down.m, missing.m, good.m], {
      ...opts(),
      connect: { attempts: 3, retryDelayMs: 10 },
      log: { info: () => undefined, warn: (o: object) => retried.push(JSON.stringify(o)) },
    });
    expect(s.mailboxes.map((x) => [x.name, x.error === null])).toEqual([
      ['wrong', false],
      ['down', false],
      ['missing', false],
      ['good', true],
    ]);
    expect(s.mailboxes[0]!.error).toMatch(
      /^authentication failed for dmarc@example.test at 127.0.0.1:\d+: check the user and the password/,
    );
    expect(s.mailboxes[1]!.error).toBe('connection refused by 127.0.0.1:1');
    expect(s.mailboxes[2]!.error).toMatch(/Mailbox doesn't exist|NONEXISTENT|not exist/i);
    expect(s.reports).toBe(1);
    // connection failures were retried with backoff (and logged), the refused password was not
    expect(retried.filter((x) => x.includes('"mailbox":"down"')).length).toBeGreaterThanOrEqual(2);
    expect(retried.filter((x) => x.includes('"mailbox":"wrong"') && x.includes('"attempt"'))).toEqual([]);
    expect(JSON.stringify(s)).not.toContain(dovecot.password);
  });

  it("a mailbox's reports go to the organisation of its slug; one whose organisation does not exist is not read", async () => {
    const acme = await createOrg(t.db, 'acme');
    const theirs = mailbox({ DMARC_IMAP_NAME: 'acme', DMARC_IMAP_ORG: 'acme' });
    expect(theirs.m.org).toBe('acme');
    await append(theirs.m.folder, [await corpus('mail-auth/100.eml'), await corpus('mail-auth/101.eml')]);
    const nowhere = mailbox({ DMARC_IMAP_NAME: 'nowhere', DMARC_IMAP_ORG: 'no-such-org' });
    await append(nowhere.m.folder, [await corpus('mail-auth/102.eml')]);
    const sink = recordingSink();
    const s = await fetchMailboxes(t.db, [nowhere.m, theirs.m], opts({ sink }));
    expect(s.mailboxes.map((x) => [x.name, x.error])).toEqual([
      ['nowhere', "the organisation 'no-such-org' of mailbox nowhere does not exist"],
      ['acme', null],
    ]);
    expect(s.reports).toBe(2);
    const stored = await t.db.query<{ org_id: number; n: number }>(
      'SELECT org_id, count(*) AS n FROM reports GROUP BY org_id',
    );
    expect(stored.rows).toEqual([{ org_id: acme.id, n: 2 }]);
    const files = await t.db.query<{ org_id: number }>('SELECT DISTINCT org_id FROM ingested_files');
    expect(files.rows).toEqual([{ org_id: acme.id }]);
    expect(sink.events.map((e) => e.orgId)).toEqual([acme.id, acme.id]);
    // the other mailbox's message was not touched
    expect(await counts(nowhere.m.folder, theirs.m.folder, theirs.m.processedFolder)).toEqual([1, 0, 2]);
    expect(await unseen(nowhere.m.folder)).toBe(1);
  });

  it('IMAP IDLE announces a new message within seconds', async () => {
    const { m } = mailbox();
    await append(m.folder, []);
    let calls = 0;
    const w = new IdleWatcher(m, () => calls++);
    w.start();
    await waitFor('the first catch-up call', () => calls === 1, 20_000);
    await new Promise((r) => setTimeout(r, 1500)); // IDLE has started
    await append(m.folder, [await corpus('mail-auth/104.eml')]);
    await waitFor('the new-mail call', () => calls >= 2, 20_000);
    await w.stop();
  });

  // four `dmarc` processes, each starting tsx and PGlite (the first one migrating): slow on a busy machine
  it('`dmarc fetch` prints the summary (--json as dmarc import) and exits 1 only when a mailbox cannot be read', async () => {
    const { m } = mailbox();
    await append(m.folder, [await corpus('mail-auth/100.eml'), await corpus('mail-auth/101.eml'), email('nothing')]);
    const env = {
      DMARC_DATA_DIR: path.join(dir, `data-${n}`),
      DMARC_LOG_LEVEL: 'silent',
      DMARC_IMAP_HOST: dovecot.host,
      DMARC_IMAP_PORT: String(dovecot.port),
      DMARC_IMAP_TLS: 'none',
      DMARC_IMAP_USER: dovecot.user,
      DMARC_IMAP_PASSWORD_FILE: path.join(dir, 'password'),
      DMARC_IMAP_FOLDER: m.folder,
      DMARC_IMAP_PROCESSED_FOLDER: m.processedFolder,
      DMARC_IMAP_INVALID_FOLDER: m.invalidFolder,
    };
    await fs.writeFile(env.DMARC_IMAP_PASSWORD_FILE, `${dovecot.password}\n`, { mode: 0o600 });
    const r = await runCli(['fetch', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as FetchSummary;
    expect(s).toMatchObject({
      files: 3,
      imported: 2,
      duplicates: 0,
      unsupported: 0,
      failed: 1,
      reports: 2,
      records: 2,
    });
    expect(Object.keys(s).slice(0, 8)).toEqual([
      'files',
      'imported',
      'duplicates',
      'unsupported',
      'failed',
      'reports',
      'records',
      'failures',
    ]);
    const human = await runCli(['fetch'], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/mailbox .*: 0 new messages/);
    expect(human.stdout).toMatch(/new reports:\s+0/);

    const down = await runCli(['fetch', '--json'], { ...env, DMARC_IMAP_PORT: '1' });
    expect(down.code).toBe(1);
    expect((JSON.parse(down.stdout) as FetchSummary).mailboxes[0]!.error).toMatch(/connection refused/);
    const none = await runCli(['fetch'], { DMARC_DATA_DIR: env.DMARC_DATA_DIR });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no IMAP mailbox is configured/);
  }, 150_000);
});
