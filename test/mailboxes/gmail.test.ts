// Gmail API mailboxes against a stand-in of Google's token endpoint and the Gmail API (test/support/
// gmail-server.ts): a service account with domain-wide delegation (the JWT's signature and claims checked) and an
// OAuth refresh token; paging, relabelling with labels created on the way, 401 → a new token, 429, a crash between
// import and relabel, secrets never in a message, and one organisation's mailbox storing into it only.
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GmailMailboxConfig } from '../../src/config/jobs.js';
import { fetchAllMailboxes } from '../../src/ingest/mailboxes/fetch.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { startGmailServer, type GmailServer } from '../support/gmail-server.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';
import { REPORT_EMAILS, configError, corpus, fetchOptions, mailboxesFrom, noReport, reportsByOrg } from './support.js';

const USER = 'dmarc@example.com';
const SA = 'dmarc-reader@project.iam.gserviceaccount.com';
const OAUTH = {
  clientId: 'client-1.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-s3cret',
  refreshToken: '1//refresh-t0ken',
};
const UNAUTHENTICATED = {
  status: 401,
  json: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } },
};

describe('Gmail API mailboxes', () => {
  let dir: string;
  let t: TestDatabase;
  let gmail: GmailServer;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let keyFile: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-gmail-'));
    keyFile = path.join(dir, 'sa.json');
    await fs.writeFile(
      keyFile,
      JSON.stringify({
        type: 'service_account',
        client_email: SA,
        private_key_id: 'abc123',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        token_uri: 'https://oauth2.googleapis.com/token',
      }),
    );
    await fs.writeFile(path.join(dir, 'client-secret'), OAUTH.clientSecret);
    await fs.writeFile(path.join(dir, 'refresh-token'), `${OAUTH.refreshToken}\n`);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    t = await openPglite();
  });
  afterEach(async () => {
    await gmail?.close();
    await t.drop();
  });

  function mailbox(extra: object = {}): GmailMailboxConfig {
    return mailboxesFrom(dir, {
      gmail: [
        {
          name: 'workspace',
          user: USER,
          serviceAccountKeyFile: keyFile,
          label: 'DMARC',
          tokenUrl: gmail.tokenUrl,
          apiUrl: gmail.url,
          batchSize: 2,
          ...extra,
        },
      ],
    })[0] as GmailMailboxConfig;
  }

  it('a service account reads the label over several pages and relabels each message; a second run imports nothing', async () => {
    gmail = await startGmailServer({ user: USER, serviceAccount: { email: SA, publicKey } });
    for (const f of REPORT_EMAILS) gmail.add('DMARC', corpus(f));
    gmail.add('DMARC', noReport());
    gmail.add('INBOX', corpus(REPORT_EMAILS[0]!)); // another label: not read
    const m = mailbox();
    const s = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(s.mailboxes[0]).toMatchObject({ name: 'workspace', folder: 'DMARC', error: null, messages: 4, imported: 3 });
    expect(s.mailboxes[0]).toMatchObject({ failed: 1, movedToProcessed: 3, movedToInvalid: 1 });
    expect(gmail.withLabel('DMARC')).toHaveLength(0);
    expect(gmail.withLabel('DMARC/Processed')).toHaveLength(3);
    expect(gmail.withLabel('DMARC/Invalid')).toHaveLength(1);
    expect(gmail.withLabel('INBOX')).toHaveLength(1);
    expect(gmail.stub.requests.filter((r) => r.path.endsWith('/messages') && r.query.has('pageToken'))).toHaveLength(1);
    expect(gmail.tokensIssued).toBe(1);
    const files = await t.db.query<{ source: string }>('SELECT DISTINCT source FROM ingested_files');
    expect(files.rows).toEqual([{ source: 'gmail' }]);

    for (const f of REPORT_EMAILS) gmail.add('DMARC', corpus(f));
    const again = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(again.mailboxes[0]).toMatchObject({ messages: 3, imported: 0, duplicates: 3, movedToProcessed: 3 });
    expect(await reportsByOrg(t.db)).toEqual({ [DEFAULT_ORG_ID]: 3 });
  });

  it('a refresh token: 401 → a new token once, 429 waited for, and a crash before relabelling imports nothing twice', async () => {
    gmail = await startGmailServer({ user: USER, oauth: OAUTH });
    for (const f of REPORT_EMAILS.slice(0, 2)) gmail.add('DMARC', corpus(f));
    const m = mailbox({
      serviceAccountKeyFile: undefined,
      oauth: {
        clientId: OAUTH.clientId,
        clientSecretFile: path.join(dir, 'client-secret'),
        refreshTokenFile: path.join(dir, 'refresh-token'),
      },
    });
    gmail.stub.fail('GET', /\/messages\/[^/]+$/, 1, UNAUTHENTICATED);
    gmail.stub.fail('GET', /\/labels$/, 1, {
      status: 429,
      headers: { 'retry-after': '0' },
      json: { error: { code: 429, message: 'Too many concurrent requests for user.', status: 'RESOURCE_EXHAUSTED' } },
    });
    gmail.stub.fail('POST', /\/modify$/, 100, {
      status: 500,
      json: { error: { code: 500, message: 'Backend Error', status: 'INTERNAL' } },
    });
    const crashed = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(crashed.mailboxes[0]).toMatchObject({ imported: 2, movedToProcessed: 0 });
    expect(crashed.mailboxes[0]!.error).toMatch(
      /^Gmail API: POST .*\/modify: HTTP 500 \(INTERNAL: Backend Error\) \(after 3 attempts\)$/,
    );
    expect(gmail.tokensIssued).toBe(2);
    gmail.stub.clearFaults();
    const next = await fetchAllMailboxes(t.db, [], [m], fetchOptions(t.db));
    expect(next.mailboxes[0]).toMatchObject({ error: null, imported: 0, duplicates: 2, movedToProcessed: 2 });
    expect(await reportsByOrg(t.db)).toEqual({ [DEFAULT_ORG_ID]: 2 });

    // a revoked refresh token: Google's reason, never the token or the secret
    await fs.writeFile(path.join(dir, 'revoked'), 'revoked-token');
    const revoked = mailbox({
      serviceAccountKeyFile: undefined,
      oauth: {
        clientId: OAUTH.clientId,
        clientSecretFile: path.join(dir, 'client-secret'),
        refreshTokenFile: path.join(dir, 'revoked'),
      },
    });
    const r = await fetchAllMailboxes(t.db, [], [revoked], fetchOptions(t.db));
    expect(r.mailboxes[0]!.error).toMatch(
      /^Google OAuth: POST .*\/token: HTTP 400 \(invalid_grant: Token has been expired or revoked\.\)$/,
    );
    expect(JSON.stringify(r)).not.toMatch(/revoked-token|GOCSPX/);
  });

  it('a key signed by another account is refused; a missing label is an error; a broken key file says so', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    gmail = await startGmailServer({ user: USER, serviceAccount: { email: SA, publicKey: other.publicKey } });
    gmail.add('DMARC', corpus(REPORT_EMAILS[0]!));
    const s = await fetchAllMailboxes(t.db, [], [mailbox()], fetchOptions(t.db));
    expect(s.mailboxes[0]!.error).toMatch(/HTTP 400 \(invalid_grant: Invalid JWT Signature\.\)/);
    expect(JSON.stringify(s)).not.toMatch(/PRIVATE KEY/);

    await gmail.close();
    gmail = await startGmailServer({ user: USER, serviceAccount: { email: SA, publicKey } });
    const none = await fetchAllMailboxes(t.db, [], [mailbox({ label: 'Reports' })], fetchOptions(t.db));
    expect(none.mailboxes[0]!.error).toBe(`Gmail API: ${USER} has no label 'Reports'`);
    await fs.writeFile(path.join(dir, 'broken.json'), '{"client_email": 1');
    const broken = await fetchAllMailboxes(
      t.db,
      [],
      [mailbox({ serviceAccountKeyFile: path.join(dir, 'broken.json') })],
      fetchOptions(t.db),
    );
    expect(broken.mailboxes[0]!.error).toBe(
      `the service account key file ${path.join(dir, 'broken.json')} is not JSON`,
    );
  });

  it('a mailbox of organisation beta stores into beta only', async () => {
    const beta = await createOrg(t.db, 'beta');
    gmail = await startGmailServer({ user: USER, serviceAccount: { email: SA, publicKey } });
    gmail.add('DMARC', corpus(REPORT_EMAILS[0]!));
    const s = await fetchAllMailboxes(t.db, [], [mailbox({ org: 'beta' })], fetchOptions(t.db));
    expect(s.mailboxes[0]).toMatchObject({ error: null, imported: 1 });
    expect(await reportsByOrg(t.db)).toEqual({ [beta.id]: 1 });
  });

  it('bad entries are refused with precise reasons', () => {
    const base = { user: USER };
    expect(configError(dir, { gmail: [base] })).toMatch(/exactly one of serviceAccountKeyFile or oauth/);
    expect(configError(dir, { gmail: [{ ...base, oauth: { clientId: 'x', clientSecretFile: 'a' } }] })).toMatch(
      /refreshTokenFile or refreshTokenEnv/,
    );
    expect(configError(dir, { gmail: [{ ...base, serviceAccountKeyFile: 'k', processedLabel: 'INBOX' }] })).toMatch(
      /must differ from the label read/,
    );
    expect(configError(dir, { gmail: [{ ...base, serviceAccountKeyFile: 'k', apiUrl: 'gmail' }] })).toMatch(
      /http\(s\) URL/,
    );
  });
});
