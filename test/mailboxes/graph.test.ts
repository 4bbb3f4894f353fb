// Microsoft Graph mailboxes against a stand-in of the token endpoint and the Graph mail API (test/support/
// graph-server.ts): client secret and certificate credentials (the assertion's signature checked), paging (delta
// pages, and $top pages with delta off), moves into folders created on the way, mark-read mode, 401 expired token →
// a new one, 429 Retry-After, 5xx, a crash between import and move, secrets that never reach a message, and one
// organisation's mailbox storing into it only. The delta links themselves: graph-delta.test.ts.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GraphMailboxConfig } from '../../src/config/jobs.js';
import { fetchAllMailboxes } from '../../src/ingest/mailboxes/fetch.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { startGraphServer, type GraphServer } from '../support/graph-server.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import {
  REPORT_EMAILS,
  configError,
  corpus,
  GRAPH_TENANT,
  fetchOptions,
  graphMailbox,
  makeCertificate,
  noReport,
  reportsByOrg,
} from './support.js';

const { tenant: TENANT, clientId: CLIENT, secret: SECRET, user: USER } = GRAPH_TENANT;
const EXPIRED = {
  status: 401,
  json: { error: { code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' } },
};

describe('Microsoft Graph mailboxes', () => {
  let dir: string;
  let t: TestDatabase;
  let graph: GraphServer;
  let secretFile: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-graph-'));
    secretFile = path.join(dir, 'secret');
    await fs.writeFile(secretFile, `${SECRET}\n`);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    t = await openPglite();
  });
  afterEach(async () => {
    await graph?.close();
    await t.drop();
  });

  const mailbox = (extra: object = {}): GraphMailboxConfig => graphMailbox(dir, graph.url, secretFile, extra);

  it('imports every report over several pages, moves each message where it belongs, and a second run imports nothing', async () => {
    graph = await startGraphServer({ tenant: TENANT, clientId: CLIENT, user: USER, secret: SECRET });
    for (const f of REPORT_EMAILS) graph.add('Inbox', corpus(f));
    graph.add('Inbox', noReport());
    const m = mailbox();
    const s = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(s.mailboxes[0]).toMatchObject({ name: 'm365', error: null, messages: 4, imported: 3, failed: 1 });
    expect(s.mailboxes[0]).toMatchObject({ movedToProcessed: 3, movedToInvalid: 1, markedSeen: 0 });
    expect(graph.inFolder('Inbox')).toHaveLength(0);
    expect(graph.inFolder('DMARC/Processed')).toHaveLength(3);
    expect(graph.inFolder('DMARC/Invalid')).toHaveLength(1);
    // paging: two delta pages of two, the second through @odata.nextLink
    const pages = graph.stub.requests.filter((r) => r.path.endsWith('/messages/delta'));
    expect(pages.map((r) => [r.query.has('$skiptoken'), r.headers.prefer])).toEqual([
      [false, 'odata.maxpagesize=2'],
      [true, 'odata.maxpagesize=2'],
    ]);
    expect(graph.tokensIssued).toBe(1);
    const files = await t.db.query<{ source: string }>('SELECT DISTINCT source FROM ingested_files');
    expect(files.rows).toEqual([{ source: 'graph' }]);
    expect(await reportsByOrg(t.db)).toEqual({ [DEFAULT_ORG_ID]: 3 });

    // the same messages put back: known already, so only moved
    for (const f of REPORT_EMAILS) graph.add('Inbox', corpus(f));
    const again = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(again.mailboxes[0]).toMatchObject({ messages: 3, imported: 0, duplicates: 3, movedToProcessed: 3 });
    expect(await reportsByOrg(t.db)).toEqual({ [DEFAULT_ORG_ID]: 3 });
  });

  it('signs a client assertion with the certificate (RS256, x5t) and takes a new token when the old one expired', async () => {
    const cert = makeCertificate(dir);
    graph = await startGraphServer({ tenant: TENANT, clientId: CLIENT, user: USER, certificate: cert });
    graph.add('Inbox', corpus(REPORT_EMAILS[0]!));
    const m = mailbox({ clientSecretFile: undefined, certificate: { keyFile: cert.keyFile, certFile: cert.certFile } });
    expect(m.credential.kind).toBe('certificate');
    const o = fetchOptions(t.db);
    const first = await fetchAllMailboxes(t.db, [], [m], o);
    expect(first.mailboxes[0]).toMatchObject({ error: null, imported: 1 });

    expect(graph.tokensIssued).toBe(1);

    // the token expires while a run is under way: 401 → a new token, once, and the request again
    graph.add('Inbox', corpus(REPORT_EMAILS[1]!));
    graph.stub.fail('GET', /\/\$value$/, 1, EXPIRED);
    const second = await fetchAllMailboxes(t.db, [], [m], o);
    expect(second.mailboxes[0]).toMatchObject({ error: null, imported: 1 });
    expect(graph.tokensIssued).toBe(3); // this run's first, and the one after the 401

    // refused again with the new token: not a third token, the run fails
    graph.add('Inbox', corpus(REPORT_EMAILS[2]!));
    graph.stub.fail('GET', /\/\$value$/, 2, EXPIRED);
    const third = await fetchAllMailboxes(t.db, [], [m], o);
    expect(third.mailboxes[0]!.error).toMatch(
      /^Microsoft Graph: GET .*\/\$value: HTTP 401 \(InvalidAuthenticationToken: Lifetime validation failed/,
    );
    expect(graph.tokensIssued).toBe(5);
  });

  it('a wrong certificate is refused by the token endpoint, with no key material in the message', async () => {
    const cert = makeCertificate(dir);
    const other = await fs.mkdtemp(path.join(dir, 'other-'));
    const wrong = makeCertificate(other);
    graph = await startGraphServer({ tenant: TENANT, clientId: CLIENT, user: USER, certificate: cert });
    graph.add('Inbox', corpus(REPORT_EMAILS[0]!));
    // the right thumbprint, signed by another key: the signature check fails
    const m = mailbox({
      clientSecretFile: undefined,
      certificate: { keyFile: wrong.keyFile, certFile: cert.certFile },
    });
    const s = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(s.mailboxes[0]!.error).toMatch(
      /Microsoft identity platform: POST .*\/oauth2\/v2\.0\/token: HTTP 401 \(invalid_client: AADSTS700027/,
    );
    expect(s.mailboxes[0]!.error).not.toMatch(/PRIVATE KEY|eyJ/);
    expect(graph.inFolder('Inbox')).toHaveLength(1);
  });

  it('honours 429 Retry-After, retries 5xx with backoff, then fails the run with a clear message and no secret', async () => {
    graph = await startGraphServer({ tenant: TENANT, clientId: CLIENT, user: USER, secret: SECRET });
    graph.add('Inbox', corpus(REPORT_EMAILS[0]!));
    const m = mailbox();
    graph.stub.fail('GET', /\/messages\/delta$/, 1, {
      status: 429,
      headers: { 'retry-after': '1' },
      json: { error: { code: 'TooManyRequests', message: 'Please retry again later.' } },
    });
    graph.stub.fail('GET', /\/\$value$/, 1, {
      status: 503,
      json: { error: { code: 'ServiceUnavailable', message: 'try later' } },
    });
    const started = Date.now();
    const ok = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(ok.mailboxes[0]).toMatchObject({ error: null, imported: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950); // Retry-After: 1 second, waited

    graph.add('Inbox', corpus(REPORT_EMAILS[1]!));
    graph.stub.fail('GET', /\/messages\/delta$/, 10, {
      status: 502,
      json: { error: { code: 'BadGateway', message: 'upstream' } },
    });
    const bad = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(bad.mailboxes[0]!.error).toMatch(
      /^Microsoft Graph: GET .*\/messages\/delta: HTTP 502 \(BadGateway: upstream\) \(after 3 attempts\)$/,
    );
    expect(bad.failures.map((f) => f.error).join(' ')).not.toContain(SECRET);

    // a wrong secret: the token endpoint's answer, never the secret
    await fs.writeFile(path.join(dir, 'wrong'), 'not-the-secret');
    const wrong = await fetchAllMailboxes(
      t.db,
      [],
      [mailbox({ clientSecretFile: path.join(dir, 'wrong') })],
      fetchOptions(t.db),
    );
    expect(wrong.mailboxes[0]!.error).toMatch(
      /HTTP 401 \(invalid_client: AADSTS7000215: Invalid client secret provided\.\)/,
    );
    expect(wrong.mailboxes[0]!.error).not.toContain('not-the-secret');
    const missing = await fetchAllMailboxes(
      t.db,
      [],
      [mailbox({ clientSecretFile: path.join(dir, 'nope') })],
      fetchOptions(t.db),
    );
    expect(missing.mailboxes[0]!.error).toBe(`cannot read the client secret file ${path.join(dir, 'nope')}: ENOENT`);
    const env = await fetchAllMailboxes(
      t.db,
      [],
      [mailbox({ clientSecretFile: undefined, clientSecretEnv: 'DMARC_TEST_UNSET_SECRET' })],
      fetchOptions(t.db),
    );
    expect(env.mailboxes[0]!.error).toBe('the environment variable DMARC_TEST_UNSET_SECRET (client secret) is not set');
  });

  it('a crash between import and move imports nothing twice: the next run only moves', async () => {
    graph = await startGraphServer({ tenant: TENANT, clientId: CLIENT, user: USER, secret: SECRET });
    for (const f of REPORT_EMAILS) graph.add('Inbox', corpus(f));
    const m = mailbox({ batchSize: 5 });
    graph.stub.fail('POST', /\/move$/, 100, {
      status: 500,
      json: { error: { code: 'InternalServerError', message: 'boom' } },
    });
    const crashed = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(crashed.mailboxes[0]).toMatchObject({ imported: 3, movedToProcessed: 0 });
    expect(crashed.mailboxes[0]!.error).toMatch(/HTTP 500/);
    expect(graph.inFolder('Inbox')).toHaveLength(3);
    graph.stub.clearFaults();
    const next = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(next.mailboxes[0]).toMatchObject({
      error: null,
      messages: 3,
      imported: 0,
      duplicates: 3,
      movedToProcessed: 3,
    });
    expect(graph.inFolder('DMARC/Processed')).toHaveLength(3);
    expect(await reportsByOrg(t.db)).toEqual({ [DEFAULT_ORG_ID]: 3 });
  });

  it('mark-read mode leaves processed messages in the folder, read, and lists only unread ones', async () => {
    graph = await startGraphServer({ tenant: TENANT, clientId: CLIENT, user: USER, secret: SECRET });
    graph.add('Inbox', corpus(REPORT_EMAILS[0]!));
    graph.add('Inbox', corpus(REPORT_EMAILS[1]!), true); // read already: not looked at
    const m = mailbox({ markRead: true });
    const s = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(s.mailboxes[0]).toMatchObject({ messages: 1, imported: 1, markedSeen: 1, movedToProcessed: 0 });
    expect(graph.inFolder('Inbox').every((x) => x.isRead)).toBe(true);
    expect(graph.folders.map((f) => f.displayName)).toEqual(['Inbox']);
  });

  it('a mailbox of organisation beta stores into beta only', async () => {
    const beta = await createOrg(t.db, 'beta');
    graph = await startGraphServer({ tenant: TENANT, clientId: CLIENT, user: USER, secret: SECRET });
    graph.add('Inbox', corpus(REPORT_EMAILS[0]!));
    const s = await fetchAllMailboxes(t.db, [], [mailbox({ org: 'beta' })], fetchOptions(t.db));
    expect(s.mailboxes[0]).toMatchObject({ error: null, imported: 1 });
    expect(await reportsByOrg(t.db)).toEqual({ [beta.id]: 1 });
    const none = await fetchAllMailboxes(t.db, [], [mailbox({ org: 'gamma' })], fetchOptions(t.db));
    expect(none.mailboxes[0]!.error).toBe("the organisation 'gamma' of mailbox m365 does not exist");
  });

  it('bad entries are refused with precise reasons', () => {
    const base = { tenant: TENANT, clientId: CLIENT, user: USER };
    expect(configError(dir, { graph: [base] })).toMatch(/give exactly one credential/);
    expect(configError(dir, { graph: [{ ...base, clientSecretFile: 'x', clientSecretEnv: 'Y' }] })).toMatch(
      /exactly one credential/,
    );
    expect(configError(dir, { graph: [{ ...base, clientSecretEnv: '1bad' }] })).toMatch(
      /name of an environment variable/,
    );
    expect(configError(dir, { graph: [{ ...base, clientSecretFile: 'x', clientSecret: 'inline' }] })).toMatch(
      /clientSecret/,
    );
    expect(configError(dir, { graph: [{ ...base, clientSecretFile: 'x', authority: 'ftp://x' }] })).toMatch(
      /http\(s\) URL/,
    );
    expect(configError(dir, { graph: [{ ...base, clientSecretFile: 'x', processedFolder: 'Inbox' }] })).toMatch(
      /processed folder must differ/,
    );
    expect(configError(dir, { graph: [{ ...base, clientSecretFile: 'x', tenant: 'a/b' }] })).toMatch(
      /tenant id or domain/,
    );
    expect(
      configError(dir, {
        graph: [
          { ...base, clientSecretFile: 'x' },
          { ...base, clientSecretFile: 'y' },
        ],
      }),
    ).toMatch(/two mailboxes are named 'graph:dmarc@contoso.test'/);
  });
});
