// Opening an IMAP connection for one configured mailbox: TLS mode, trusted CA, and the credential (password,
// password file, or an OAuth2 access token for XOAUTH2 from a command or a file, read at every login because
// tokens expire). Connection failures are retried with backoff; a refused credential is not (it would only lock
// the account). No secret ever reaches a log or an error message.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { ImapMailboxConfig } from '../../config/jobs.js';
import { AppError } from '../../model/errors.js';

/** The credential cannot be obtained (file missing, token command failed): a setup problem, not a network one. */
export class ImapCredentialError extends AppError {
  constructor(message: string) {
    super('imap_credential_unavailable', message);
    this.name = 'ImapCredentialError';
  }
}

async function readSecretFile(file: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ImapCredentialError(
      `cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret.trim() === '') throw new ImapCredentialError(`the ${what} file ${file} is empty`);
  return secret;
}

function runTokenCommand(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', command], { timeout: 60_000, maxBuffer: 256 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const why = err.killed ? 'timed out' : `exited with status ${err.code ?? '?'}`;
        const detail = String(stderr).trim().split('\n')[0]?.slice(0, 200);
        reject(new ImapCredentialError(`the OAuth2 token command ${why}${detail ? `: ${detail}` : ''}`));
        return;
      }
      const token = String(stdout).trim();
      if (token === '') reject(new ImapCredentialError('the OAuth2 token command printed nothing'));
      else resolve(token);
    });
  });
}

export async function credentialsOf(m: ImapMailboxConfig): Promise<NonNullable<ImapFlowOptions['auth']>> {
  const a = m.auth;
  if (a.kind === 'password') {
    const pass = a.password ?? (await readSecretFile(a.passwordFile!, 'password'));
    return { user: m.user, pass };
  }
  const accessToken = a.tokenCommand
    ? await runTokenCommand(a.tokenCommand)
    : await readSecretFile(a.tokenFile!, 'OAuth2 token');
  return { user: m.user, accessToken };
}

export async function clientOptions(
  m: ImapMailboxConfig,
  extra: Partial<ImapFlowOptions> = {},
): Promise<ImapFlowOptions> {
  let ca: string[] | undefined;
  if (m.caFile) {
    try {
      ca = [...tls.rootCertificates, await fs.readFile(m.caFile, 'utf8')];
    } catch (err) {
      throw new ImapCredentialError(
        `cannot read the CA file ${m.caFile}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      );
    }
  }
  return {
    host: m.host,
    port: m.port,
    secure: m.tls === 'tls',
    // starttls: the upgrade is required, never silently skipped; none: clear text (loopback or forced)
    doSTARTTLS: m.tls === 'starttls' ? true : m.tls === 'none' ? false : undefined,
    // SNI is a name, never an address (RFC 6066)
    tls: { ...(net.isIP(m.host) ? {} : { servername: m.host }), minVersion: 'TLSv1.2', ...(ca ? { ca } : {}) },
    auth: await credentialsOf(m),
    logger: false,
    clientInfo: { name: 'dmarc-report-processor' },
    connectionTimeout: 30_000,
    greetingTimeout: 16_000,
    socketTimeout: 5 * 60_000,
    disableAutoIdle: true,
    ...extra,
  };
}

/** A short, secret-free reason for a failed IMAP operation. */
export function describeImapError(err: unknown, m: ImapMailboxConfig): string {
  if (err instanceof ImapCredentialError) return err.message;
  const e = (err ?? {}) as {
    message?: string;
    code?: string;
    authenticationFailed?: boolean;
    responseText?: string;
    serverResponseCode?: string;
  };
  if (e.authenticationFailed) {
    const how = m.auth.kind === 'oauth2' ? 'the OAuth2 token (XOAUTH2)' : 'the password';
    return `authentication failed for ${m.user} at ${m.host}:${m.port}: check the user and ${how}${
      e.responseText ? ` (server: ${e.responseText})` : ''
    }`;
  }
  const where = `${m.host}:${m.port}`;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${where}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${m.host}`;
    case 'ETIMEDOUT':
    case 'CONNECT_TIMEOUT':
    case 'GREETING_TIMEOUT':
      return `no answer from ${where} (timed out)`;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'NoConnection':
      return `the connection to ${where} was closed`;
    default:
      break; // any other error: the server's (or the error's) own text, below
  }
  const text = (e.responseText || e.message || String(err)).split('\n')[0]!.slice(0, 300);
  return `${where}: ${text}${e.code && !text.includes(e.code) ? ` (${e.code})` : ''}`;
}

export function isAuthFailure(err: unknown): boolean {
  return (
    err instanceof ImapCredentialError || (err as { authenticationFailed?: boolean })?.authenticationFailed === true
  );
}

export interface ConnectOptions {
  /** Connection attempts before giving up (refused credentials are not retried). */
  attempts?: number;
  /** Delay before the second attempt; doubles each time. */
  retryDelayMs?: number;
  extra?: Partial<ImapFlowOptions>;
  onRetry?: (attempt: number, reason: string, delayMs: number) => void;
}

/** Connects and logs in; resolves with a ready client whose `error` events are handled (never crash). */
export async function connectMailbox(m: ImapMailboxConfig, o: ConnectOptions = {}): Promise<ImapFlow> {
  const attempts = o.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    let client: ImapFlow | undefined;
    try {
      client = new ImapFlow(await clientOptions(m, o.extra));
      client.on('error', () => undefined); // surfaced through the failing command or the 'close' event
      await client.connect();
      return client;
    } catch (err) {
      client?.close();
      if (isAuthFailure(err) || attempt >= attempts) throw err;
      const delay = (o.retryDelayMs ?? 1000) * 2 ** (attempt - 1);
      o.onRetry?.(attempt, describeImapError(err, m), delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** A configured folder ("DMARC/Processed") as path segments: the client joins them with the server's delimiter. */
export function folderPath(folder: string): string | string[] {
  if (folder.toUpperCase() === 'INBOX') return 'INBOX';
  const parts = folder.split('/').filter((p) => p !== '');
  return parts.length === 1 ? parts[0]! : parts;
}
