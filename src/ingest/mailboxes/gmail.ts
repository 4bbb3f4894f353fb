// A Google Workspace mailbox through the Gmail API: a token from a service account with domain-wide delegation
// (a JWT signed RS256 with the account's key, `sub` = the user, exchanged with the jwt-bearer grant) or from an
// OAuth client's refresh token; the messages with the label read listed with paging (labelIds, pageToken), each
// one's raw content from messages/{id}?format=raw (base64url), then relabelled (messages/{id}/modify: the
// processed or invalid label added, the label read removed). Labels are found by name, and created when missing.
import { createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';
import type { GmailMailboxConfig } from '../../config/jobs.js';
import { MailboxCredentialError, MailboxError } from './errors.js';
import { TokenCache, request, type AccessToken, type HttpRequest } from './http.js';
import { readSecret, readSecretFile } from './secrets.js';
import type { MailMessage, MailSource, SourceOptions } from './source.js';

const SCOPE = 'https://www.googleapis.com/auth/gmail.modify';
const MAX_LISTED = 5000;

interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
}

async function serviceAccountKey(file: string): Promise<ServiceAccountKey> {
  const text = await readSecretFile(file, 'service account key');
  let key: Partial<ServiceAccountKey>;
  try {
    key = JSON.parse(text) as Partial<ServiceAccountKey>;
  } catch {
    throw new MailboxCredentialError(`the service account key file ${file} is not JSON`);
  }
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string')
    throw new MailboxCredentialError(`the service account key file ${file} has no client_email or private_key`);
  return key as ServiceAccountKey;
}

interface GmailLabel {
  id: string;
  name: string;
}

class GmailSource implements MailSource {
  readonly folder: string;
  private readonly token: TokenCache;
  private readonly base: string;
  private labels: GmailLabel[] | null = null;

  constructor(
    private readonly m: GmailMailboxConfig,
    private readonly o: SourceOptions,
  ) {
    this.folder = m.label;
    this.base = `${m.apiUrl}/gmail/v1/users/${encodeURIComponent(m.user)}`;
    this.token = new TokenCache(() => this.obtainToken());
  }

  private async obtainToken(): Promise<AccessToken> {
    const m = this.m;
    const c = m.credential;
    let form: Record<string, string>;
    if (c.kind === 'service-account') {
      const key = await serviceAccountKey(c.keyFile);
      let privateKey;
      try {
        privateKey = createPrivateKey(key.private_key);
      } catch {
        throw new MailboxCredentialError(
          `the private_key of the service account key file ${c.keyFile} is not readable`,
        );
      }
      const assertion = await new SignJWT({ scope: SCOPE })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) })
        .setIssuer(key.client_email)
        .setSubject(m.user)
        .setAudience(m.tokenUrl)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
      form = { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion };
    } else {
      form = {
        grant_type: 'refresh_token',
        client_id: c.clientId,
        client_secret: await readSecret(c.clientSecret, 'OAuth client secret'),
        refresh_token: await readSecret(c.refreshToken, 'OAuth refresh token'),
      };
    }
    const body = (await request(
      'Google OAuth',
      { method: 'POST', url: m.tokenUrl, form },
      'json',
      null,
      this.o.http,
    )) as {
      access_token?: unknown;
      expires_in?: unknown;
    };
    if (typeof body.access_token !== 'string')
      throw new MailboxError('Google OAuth: the token answer has no access_token');
    return { token: body.access_token, expiresAt: Date.now() + (Number(body.expires_in) || 3600) * 1000 };
  }

  private call(r: HttpRequest): Promise<unknown> {
    return request('Gmail API', r, 'json', this.token, this.o.http);
  }

  /** A label's id by its name (or id: system labels such as INBOX), created when `create`. */
  private async labelId(name: string, create: boolean): Promise<string> {
    this.labels ??=
      ((await this.call({ method: 'GET', url: `${this.base}/labels` })) as { labels?: GmailLabel[] }).labels ?? [];
    const found =
      this.labels.find((l) => l.name === name || l.id === name) ??
      this.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
    if (found) return found.id;
    if (!create) throw new MailboxError(`Gmail API: ${this.m.user} has no label '${name}'`);
    const made = (await this.call({
      method: 'POST',
      url: `${this.base}/labels`,
      json: { name, labelListVisibility: 'labelShow', messageListVisibility: 'show' },
    })) as GmailLabel;
    this.labels.push(made);
    return made.id;
  }

  async list(): Promise<MailMessage[]> {
    const label = await this.labelId(this.m.label, false);
    const out: MailMessage[] = [];
    let pageToken: string | undefined;
    do {
      const q = new URLSearchParams({ labelIds: label, maxResults: String(this.m.batchSize) });
      if (pageToken) q.set('pageToken', pageToken);
      const page = (await this.call({ method: 'GET', url: `${this.base}/messages?${q.toString()}` })) as {
        messages?: { id: string }[];
        nextPageToken?: string;
      };
      for (const x of page.messages ?? []) out.push({ id: x.id });
      pageToken = page.nextPageToken;
    } while (pageToken && out.length < MAX_LISTED);
    // Gmail lists newest first: oldest first, like the other mailboxes
    return out.reverse();
  }

  async fetch(msg: MailMessage): Promise<Uint8Array | null> {
    let body: { raw?: unknown };
    try {
      body = (await this.call({
        method: 'GET',
        url: `${this.base}/messages/${encodeURIComponent(msg.id)}?format=raw`,
      })) as { raw?: unknown };
    } catch (err) {
      if (err instanceof MailboxError && err.httpStatus === 404) return null;
      throw err;
    }
    if (typeof body.raw !== 'string')
      throw new MailboxError(`Gmail API: message ${msg.id} came without its raw content`);
    return new Uint8Array(Buffer.from(body.raw, 'base64url'));
  }

  async settle(messages: MailMessage[], to: 'processed' | 'invalid'): Promise<{ moved: number; marked: number }> {
    const add = await this.labelId(to === 'processed' ? this.m.processedLabel : this.m.invalidLabel, true);
    const remove = await this.labelId(this.m.label, false);
    for (const msg of messages) {
      await this.call({
        method: 'POST',
        url: `${this.base}/messages/${encodeURIComponent(msg.id)}/modify`,
        json: { addLabelIds: [add], removeLabelIds: [remove] },
      });
    }
    return { moved: messages.length, marked: 0 };
  }
}

export function gmailSource(m: GmailMailboxConfig, o: SourceOptions): MailSource {
  return new GmailSource(m, o);
}
