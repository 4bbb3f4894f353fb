// Microsoft Graph mailboxes listing their folder with a delta query, against the stand-in (test/support/
// graph-server.ts): the first run is a full synchronisation that keeps the @odata.deltaLink, the next ones get only
// the changes; several delta pages; removed entries; 410 Gone / syncStateNotFound / resyncRequired → a full
// synchronisation; 401 and 429 on delta links; mark-read mode skipping the messages it marked; the link kept only
// once a run's messages are handled, per organisation and mailbox, and never used for another folder or mailbox;
// `delta: false` listing the whole folder every run.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GraphMailboxConfig } from '../../src/config/jobs.js';
import { fetchAllMailboxes } from '../../src/ingest/mailboxes/fetch.js';
import { intakeFile } from '../../src/ingest/intake.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { startGraphServer, type GraphServer } from '../support/graph-server.js';
import type { StubRequest } from '../support/http-stub.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import { reportXml } from '../support/report-xml.js';
import { GRAPH_TENANT, fetchOptions, graphMailbox, noReport, reportsByOrg } from './support.js';

const { tenant: TENANT, clientId: CLIENT, secret: SECRET, user: USER } = GRAPH_TENANT;

/** A report mail of its own (report id `delta-n`), as a reporter sends it: the XML attached. */
function report(n: number): string {
  const xml = Buffer.from(reportXml({ reportId: `delta-${n}`, ips: ['192.0.2.1'] })).toString('base64');
  return [
    'From: noreply-dmarc-support@google.com',
    'To: dmarc@contoso.test',
    `Subject: Report domain: example.com Submitter: google.com Report-ID: delta-${n}`,
    `Message-ID: <delta-${n}@google.com>`,
    'Date: Thu, 01 Jan 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: application/xml; name="google.com!example.com!1767225600!1767311999.xml"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="google.com!example.com!1767225600!1767311999.xml"',
    '',
    ...(xml.match(/.{1,76}/g) ?? []),
    '--b--',
    '',
  ].join('\r\n');
}

describe('Microsoft Graph delta listing', () => {
  let dir: string;
  let t: TestDatabase;
  let graph: GraphServer;
  let secretFile: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-graph-delta-'));
    secretFile = path.join(dir, 'secret');
    await fs.writeFile(secretFile, `${SECRET}\n`);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    t = await openPglite();
    graph = await startGraphServer({ tenant: TENANT, clientId: CLIENT, user: USER, secret: SECRET });
  });
  afterEach(async () => {
    await graph.close();
    await t.drop();
  });

  const mailbox = (extra: object = {}): GraphMailboxConfig => graphMailbox(dir, graph.url, secretFile, extra);

  const run = (m: GraphMailboxConfig) => fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));

  /** Requests made from now on. */
  function watch(): () => StubRequest[] {
    const from = graph.stub.requests.length;
    return () => graph.stub.requests.slice(from);
  }
  const deltaRequests = (rs: StubRequest[]) => rs.filter((r) => r.path.endsWith('/messages/delta'));
  const downloads = (rs: StubRequest[]) => rs.filter((r) => r.path.endsWith('/$value'));

  async function keptLinks(): Promise<{ org_id: number; mailbox: string; delta_link: string }[]> {
    const r = await t.db.query<{ org_id: number; mailbox: string; delta_link: string }>(
      'SELECT org_id, mailbox, delta_link FROM mailbox_delta_links ORDER BY org_id, mailbox',
    );
    return r.rows.map((x) => ({ ...x, org_id: Number(x.org_id) }));
  }

  it('the first run synchronises the folder in full and keeps the delta link; the next run gets only new messages', async () => {
    for (let i = 0; i < 5; i++) graph.add('Inbox', report(i));
    const m = mailbox();
    const first = watch();
    const s = await run(m);
    expect(s.mailboxes[0]).toMatchObject({ error: null, messages: 5, imported: 5, movedToProcessed: 5 });
    // three pages of at most two, the first without a state token, $select asked for once
    const pages = deltaRequests(first());
    expect(pages.map((r) => [r.query.get('$select'), r.query.has('$skiptoken'), r.headers.prefer])).toEqual([
      ['id,isRead,receivedDateTime', false, 'odata.maxpagesize=2'],
      [null, true, 'odata.maxpagesize=2'],
      [null, true, 'odata.maxpagesize=2'],
    ]);
    const [kept] = await keptLinks();
    expect(kept).toMatchObject({ org_id: DEFAULT_ORG_ID, mailbox: 'm365' });
    expect(kept!.delta_link).toMatch(/\/mailFolders\('AAMkInbox'\)\/messages\/delta\?\$deltatoken=/);

    // two new messages: only they are listed (the five moved out come as removed entries) and fetched
    graph.add('Inbox', report(5));
    graph.add('Inbox', report(6));
    const second = watch();
    const s2 = await run(m);
    expect(s2.mailboxes[0]).toMatchObject({ error: null, messages: 2, imported: 2, duplicates: 0 });
    const pages2 = deltaRequests(second());
    expect(pages2[0]!.query.get('$deltatoken')).toBe(new URL(kept!.delta_link).searchParams.get('$deltatoken'));
    expect(downloads(second())).toHaveLength(2);
    expect((await keptLinks())[0]!.delta_link).not.toBe(kept!.delta_link);

    // nothing new: one request, nothing fetched
    const third = watch();
    const s3 = await run(m);
    expect(s3.mailboxes[0]).toMatchObject({ error: null, messages: 0 });
    expect(deltaRequests(third())).toHaveLength(1);
    expect(downloads(third())).toHaveLength(0);
    expect(await reportsByOrg(t.db)).toEqual({ [DEFAULT_ORG_ID]: 7 });
  });

  it('removed entries (moved away, deleted) are skipped, not fetched', async () => {
    const m = mailbox({ batchSize: 10 });
    graph.add('Inbox', noReport('first'));
    expect((await run(m)).mailboxes[0]).toMatchObject({ error: null, messages: 1, movedToInvalid: 1 });
    const gone = graph.add('Inbox', report(1));
    const fresh = graph.add('Inbox', report(2)).id; // (the stand-in's message gets a new id when moved)
    graph.remove(gone.id); // deleted by someone before the run
    const rs = watch();
    const s = await run(m);
    // the round: the one moved to Invalid by the last run and the deleted one as removed entries, and the new one
    expect(s.mailboxes[0]).toMatchObject({ error: null, messages: 1, imported: 1 });
    expect(deltaRequests(rs())).toHaveLength(1);
    expect(downloads(rs()).map((r) => r.path.split('/').at(-2))).toEqual([fresh]);
    expect(await reportsByOrg(t.db)).toEqual({ [DEFAULT_ORG_ID]: 1 });
  });

  it('a delta link Graph no longer knows (410 Gone) is dropped and the folder synchronised in full', async () => {
    const m = mailbox({ markRead: true });
    graph.add('Inbox', report(1));
    expect((await run(m)).mailboxes[0]).toMatchObject({ error: null, imported: 1, markedSeen: 1 });
    const before = (await keptLinks())[0]!.delta_link;
    graph.add('Inbox', report(2));
    graph.expireDeltaLinks();
    const rs = watch();
    const s = await run(m);
    // the kept link answered 410, then a full round: the message read already is skipped, the new one imported
    expect(s.mailboxes[0]).toMatchObject({ error: null, messages: 1, imported: 1, markedSeen: 1 });
    const pages = deltaRequests(rs());
    expect(pages.map((r) => r.query.has('$deltatoken'))).toEqual([true, false]);
    expect(downloads(rs())).toHaveLength(1);
    const after = (await keptLinks())[0]!.delta_link;
    expect(after).not.toBe(before);
    expect(await reportsByOrg(t.db)).toEqual({ [DEFAULT_ORG_ID]: 2 });
  });

  it('syncStateNotFound and resyncRequired answers reset the synchronisation too; other errors keep the link', async () => {
    const m = mailbox();
    graph.add('Inbox', report(1));
    await run(m);
    const kept = (await keptLinks())[0]!.delta_link;
    for (const [status, code] of [
      [400, 'syncStateNotFound'],
      [410, 'resyncRequired'],
    ] as const) {
      graph.add('Inbox', report(status));
      graph.stub.fail('GET', /\/messages\/delta$/, 1, {
        status,
        json: { error: { code, message: 'The sync state generation is not found.' } },
      });
      const rs = watch();
      const s = await run(m);
      expect(s.mailboxes[0]).toMatchObject({ error: null, messages: 1, imported: 1 });
      expect(deltaRequests(rs()).map((r) => r.query.has('$deltatoken'))).toEqual([true, false]);
    }
    // a refusal that is not about the sync state fails the run and leaves the link as it was
    const now = (await keptLinks())[0]!.delta_link;
    expect(now).not.toBe(kept);
    graph.stub.fail('GET', /\/messages\/delta$/, 1, {
      status: 403,
      json: { error: { code: 'ErrorAccessDenied', message: 'Access is denied.' } },
    });
    const denied = await run(m);
    expect(denied.mailboxes[0]!.error).toMatch(/HTTP 403 \(ErrorAccessDenied: Access is denied\.\)$/);
    expect((await keptLinks())[0]!.delta_link).toBe(now);
  });

  it('an expired token (401) and throttling (429 Retry-After) on delta links are handled as on any request', async () => {
    const m = mailbox();
    for (let i = 0; i < 3; i++) graph.add('Inbox', report(i));
    expect((await run(m)).mailboxes[0]).toMatchObject({ error: null, imported: 3 });
    expect(graph.tokensIssued).toBe(1);
    for (let i = 3; i < 8; i++) graph.add('Inbox', report(i));
    // the kept link: refused once as expired (a new token), then throttled twice
    graph.stub.fail('GET', /\/messages\/delta$/, 1, {
      status: 401,
      json: {
        error: { code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' },
      },
    });
    graph.stub.fail('GET', /\/messages\/delta$/, 2, {
      status: 429,
      headers: { 'retry-after': '1' },
      json: { error: { code: 'TooManyRequests', message: 'Please retry again later.' } },
    });
    const rs = watch();
    const started = Date.now();
    const s = await run(m);
    expect(s.mailboxes[0]).toMatchObject({ error: null, messages: 5, imported: 5 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900); // two Retry-After: 1 waited
    expect(graph.tokensIssued).toBe(3); // this run's first, and the one after the 401
    // the same kept link asked again after each refusal; the prefer header on every attempt
    const pages = deltaRequests(rs());
    expect(pages.filter((r) => r.query.has('$deltatoken'))).toHaveLength(4);
    expect(pages.every((r) => r.headers.prefer === 'odata.maxpagesize=2')).toBe(true);
    expect(await reportsByOrg(t.db)).toEqual({ [DEFAULT_ORG_ID]: 8 });
  });

  it('mark-read mode: the messages it marked come back as changes and are skipped, not fetched again', async () => {
    const m = mailbox({ markRead: true });
    graph.add('Inbox', report(1));
    graph.add('Inbox', report(2), true); // read already: not looked at
    graph.add('Inbox', noReport());
    const s = await run(m);
    expect(s.mailboxes[0]).toMatchObject({ messages: 2, imported: 1, markedSeen: 1, movedToInvalid: 1 });
    graph.add('Inbox', report(3));
    const rs = watch();
    const s2 = await run(m);
    expect(s2.mailboxes[0]).toMatchObject({ error: null, messages: 1, imported: 1, duplicates: 0, markedSeen: 1 });
    // the round reported the one marked read by the last run and the new one: only the new one was fetched
    expect(downloads(rs())).toHaveLength(1);
    // marked unread by someone: a change, read again (known: only marked read again)
    graph.setRead(graph.inFolder('Inbox').find((x) => x.isRead)!.id, false);
    const s3 = await run(m);
    expect(s3.mailboxes[0]).toMatchObject({ error: null, messages: 1, imported: 0, duplicates: 1, markedSeen: 1 });
    expect(graph.inFolder('Inbox').every((x) => x.isRead)).toBe(true);
  });

  it('a crash between import and move keeps no link: the next run lists the messages again and only moves them', async () => {
    const m = mailbox({ batchSize: 5 });
    for (let i = 0; i < 3; i++) graph.add('Inbox', report(i));
    graph.stub.fail('POST', /\/move$/, 100, {
      status: 500,
      json: { error: { code: 'InternalServerError', message: 'boom' } },
    });
    const crashed = await run(m);
    expect(crashed.mailboxes[0]).toMatchObject({ imported: 3, movedToProcessed: 0 });
    expect(crashed.mailboxes[0]!.error).toMatch(/HTTP 500/);
    expect(await keptLinks()).toEqual([]);
    graph.stub.clearFaults();
    const next = await run(m);
    expect(next.mailboxes[0]).toMatchObject({
      error: null,
      messages: 3,
      imported: 0,
      duplicates: 3,
      movedToProcessed: 3,
    });
    expect(await keptLinks()).toHaveLength(1);

    // a crash after a link was kept: the next run starts from that same link and finds the messages again
    const kept = (await keptLinks())[0]!.delta_link;
    for (let i = 3; i < 5; i++) graph.add('Inbox', report(i));
    graph.stub.fail('POST', /\/move$/, 100, {
      status: 500,
      json: { error: { code: 'InternalServerError', message: 'boom' } },
    });
    expect((await run(m)).mailboxes[0]).toMatchObject({ imported: 2, movedToProcessed: 0 });
    expect((await keptLinks())[0]!.delta_link).toBe(kept);
    graph.stub.clearFaults();
    expect((await run(m)).mailboxes[0]).toMatchObject({ error: null, messages: 2, duplicates: 2, movedToProcessed: 2 });
    expect(graph.inFolder('Inbox')).toHaveLength(0);
    expect(await reportsByOrg(t.db)).toEqual({ [DEFAULT_ORG_ID]: 5 });
  });

  it('a message left for later (being processed elsewhere) keeps the link where it was', async () => {
    const m = mailbox();
    graph.add('Inbox', report(1));
    await run(m);
    const kept = (await keptLinks())[0]!.delta_link;
    const busy = Buffer.from(report(2));
    graph.add('Inbox', busy);
    await intakeFile(t.db, { orgId: DEFAULT_ORG_ID, bytes: busy, name: 'elsewhere', source: 'graph' }); // pending, now
    const s = await run(m);
    expect(s.mailboxes[0]).toMatchObject({ error: null, messages: 1, leftForLater: 1, movedToProcessed: 0 });
    expect((await keptLinks())[0]!.delta_link).toBe(kept);
    // once the other process is done (here: it went stale), the same link lists it again
    await t.db.query(`UPDATE ingested_files SET status_changed_at = now() - interval '1 hour'`);
    const s2 = await run(m);
    expect(s2.mailboxes[0]).toMatchObject({ error: null, messages: 1, imported: 1, movedToProcessed: 1 });
    expect((await keptLinks())[0]!.delta_link).not.toBe(kept);
  });

  it('links are kept per organisation and mailbox, and never used for another folder, mailbox or mode', async () => {
    const beta = await createOrg(t.db, 'beta');
    graph.add('Inbox', report(1));
    graph.add('Reports', report(2));
    const inbox = mailbox();
    await run(inbox);
    // the same mailbox name in another organisation: its own full synchronisation, its own link
    graph.add('Inbox', report(3));
    const rs = watch();
    const other = await run(mailbox({ org: 'beta' }));
    expect(other.mailboxes[0]).toMatchObject({ error: null, messages: 1, imported: 1 });
    expect(deltaRequests(rs())[0]!.query.has('$deltatoken')).toBe(false);
    expect((await keptLinks()).map((x) => [x.org_id, x.mailbox])).toEqual([
      [DEFAULT_ORG_ID, 'm365'],
      [beta.id, 'm365'],
    ]);

    // the same name now reading another folder: the Inbox link is not used (it would list the Inbox)
    const reports = mailbox({ folder: 'Reports' });
    const rs2 = watch();
    const s = await run(reports);
    expect(s.mailboxes[0]).toMatchObject({ error: null, messages: 1, imported: 1 });
    expect(
      deltaRequests(rs2()).map((r) => [
        r.path.includes('AAMkInbox') || r.path.includes('/inbox/'),
        r.query.has('$deltatoken'),
      ]),
    ).toEqual([[false, false]]);
    // and back to the Inbox: the link kept is the Reports folder's, so a full synchronisation again
    graph.add('Inbox', report(4));
    const rs3 = watch();
    expect((await run(inbox)).mailboxes[0]).toMatchObject({ error: null, messages: 1, imported: 1 });
    expect(deltaRequests(rs3())[0]!.query.has('$deltatoken')).toBe(false);
    // another mailbox (user) under the same name, or mark-read mode: not the link either
    for (const changed of [{ markRead: true }, { user: 'other@contoso.test' }]) {
      const rs4 = watch();
      await run(mailbox(changed));
      expect(deltaRequests(rs4()).map((r) => r.query.has('$deltatoken'))).toEqual([false]);
    }
    expect(await reportsByOrg(t.db)).toEqual({ [DEFAULT_ORG_ID]: 3, [beta.id]: 1 });
  });

  it('a kept link is followed only to the configured Graph', async () => {
    const m = mailbox();
    graph.add('Inbox', report(1));
    await run(m);
    await t.db.query(`UPDATE mailbox_delta_links SET delta_link = replace(delta_link, '127.0.0.1', 'localhost')`);
    const rs = watch();
    const s = await run(m);
    expect(s.mailboxes[0]!.error).toMatch(
      /^Microsoft Graph: a paging link outside http:\/\/127\.0\.0\.1:\d+ was not followed$/,
    );
    expect(deltaRequests(rs())).toHaveLength(0);
  });

  it('delta: false lists the whole folder with $top pages every run, and drops a kept link', async () => {
    graph.add('Inbox', report(1));
    await run(mailbox());
    expect(await keptLinks()).toHaveLength(1);
    for (let i = 2; i < 5; i++) graph.add('Inbox', report(i));
    graph.add('Inbox', report(5), true);
    const m = mailbox({ delta: false, markRead: true });
    expect(m.delta).toBe(false);
    const rs = watch();
    const s = await run(m);
    expect(s.mailboxes[0]).toMatchObject({ error: null, messages: 3, imported: 3, markedSeen: 3 });
    expect(deltaRequests(rs())).toHaveLength(0);
    const pages = rs().filter((r) => r.path.endsWith('/messages'));
    expect(pages.map((r) => [r.query.get('$filter'), r.query.get('$skip')])).toEqual([
      ['isRead eq false', null],
      ['isRead eq false', '2'],
    ]);
    expect(await keptLinks()).toEqual([]);
    expect(mailbox().delta).toBe(true);
  });
});
