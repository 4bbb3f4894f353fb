// What the mailbox suites share: corpus messages, a message without a report, mailboxes from a real DMARC_CONFIG
// file (so the config schema is exercised too), fetch options with fast retries, and counts per organisation.
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import type { GraphMailboxConfig, OtherMailboxConfig } from '../../src/config/jobs.js';
import type { AllFetchOptions } from '../../src/ingest/mailboxes/fetch.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import type { Database } from '../../src/store/database.js';
import { findOrgBySlug } from '../../src/store/organizations.js';
import { CORPUS_DIR } from '../support/manifest.js';
import { NO_SINK } from '../support/org.js';

export const REPORT_EMAILS = [
  'parsedmarc/Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml',
  'mail-auth/100.eml',
  'mail-auth/101.eml',
];

export function corpus(file: string): Buffer {
  return fs.readFileSync(path.join(CORPUS_DIR, file));
}

export function noReport(subject = 'hello'): string {
  return [
    'From: someone@example.test',
    'To: dmarc@example.test',
    `Subject: ${subject}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@example.test>`,
    'Date: Thu, 13 Jun 2024 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hello, no report here.',
    '',
  ].join('\r\n');
}

/** The mailboxes of a DMARC_CONFIG file with these sections (written to `dir`). */
export function mailboxesFrom(dir: string, sections: object, env: Record<string, string> = {}): OtherMailboxConfig[] {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, YAML.stringify(sections));
  return loadConfig({ DMARC_CONFIG: file, ...env }).mailboxes;
}

/** The config error of such a file, or null. */
export function configError(dir: string, sections: object): string | null {
  try {
    mailboxesFrom(dir, sections);
    return null;
  } catch (err) {
    return String((err as Error).message);
  }
}

export const fetchOptions = (db: Database, o: Partial<AllFetchOptions> = {}): AllFetchOptions => ({
  limits: DEFAULT_UNPACK_LIMITS,
  staleAfterMs: 10 * 60_000,
  orgOf: async (m) => (await findOrgBySlug(db, m.org))?.id,
  sink: NO_SINK,
  http: { retries: 2, baseDelayMs: 5, throttledAttempts: 3, maxRetryAfterMs: 1500, timeoutMs: 5000 },
  ...o,
});

export async function reportsByOrg(db: Database): Promise<Record<number, number>> {
  const r = await db.query<{ org_id: number; n: number }>(
    'SELECT org_id, count(*)::int AS n FROM reports GROUP BY org_id',
  );
  return Object.fromEntries(r.rows.map((x) => [Number(x.org_id), Number(x.n)]));
}

/** An RSA key and a self-signed certificate (openssl), as an app registration's certificate credential is. */
export function makeCertificate(dir: string): { keyFile: string; certFile: string; publicKey: KeyObject; x5t: string } {
  const keyFile = path.join(dir, 'app.key');
  const certFile = path.join(dir, 'app.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=dmarc-test-app',
    ],
    { stdio: 'ignore' },
  );
  const cert = new X509Certificate(fs.readFileSync(certFile));
  return {
    keyFile,
    certFile,
    publicKey: createPublicKey(fs.readFileSync(keyFile)),
    x5t: Buffer.from(cert.fingerprint.replace(/:/g, ''), 'hex').toString('base64url'),
  };
}

/** The tenant, app and mailbox the Graph tests' stand-in serves. */
export const GRAPH_TENANT = {
  tenant: 'contoso.onmicrosoft.com',
  clientId: '11111111-2222-3333-4444-555555555555',
  secret: 'Gr4ph~s3cret.value',
  user: 'dmarc@contoso.test',
} as const;

/** A Graph mailbox of the config file pointed at the stand-in at `graphUrl` (its secret in `secretFile`). */
export function graphMailbox(
  dir: string,
  graphUrl: string,
  secretFile: string,
  extra: object = {},
): GraphMailboxConfig {
  return mailboxesFrom(dir, {
    graph: [
      {
        name: 'm365',
        tenant: GRAPH_TENANT.tenant,
        clientId: GRAPH_TENANT.clientId,
        clientSecretFile: secretFile,
        user: GRAPH_TENANT.user,
        authority: graphUrl,
        graphUrl: `${graphUrl}/v1.0`,
        batchSize: 2,
        ...extra,
      },
    ],
  })[0] as GraphMailboxConfig;
}
