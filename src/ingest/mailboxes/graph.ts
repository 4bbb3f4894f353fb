// A Microsoft 365 mailbox through Microsoft Graph, with app-only access (client credentials flow): a token for the
// tenant from {authority}/{tenant}/oauth2/v2.0/token with a client secret or a certificate (a client_assertion
// JWT signed RS256, x5t = the certificate's SHA-1 thumbprint); the folder's messages listed with a delta query
// (/messages/delta, pages by @odata.nextLink, the last one's @odata.deltaLink kept for the next run, which then
// gets the changes only) or, with `delta: false`, with $top paging every run; each one's MIME content from
// /messages/{id}/$value, then moved (POST /messages/{id}/move, folders found by display name, '/' separating
// levels, and created when missing) or marked read (PATCH isRead).
// The application needs the Mail.ReadWrite application permission (limited to the mailbox by an access policy).
import { X509Certificate, createPrivateKey, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { SignJWT } from 'jose';
import type { GraphMailboxConfig } from '../../config/jobs.js';
import { MailboxCredentialError, MailboxError } from './errors.js';
import { TokenCache, request, type AccessToken, type HttpRequest, type Want } from './http.js';
import { readSecret } from './secrets.js';
import type { MailMessage, MailSource, SourceOptions } from './source.js';

/** Folder names Graph knows in every language (usable as ids). */
const WELL_KNOWN = new Set([
  'inbox',
  'archive',
  'deleteditems',
  'drafts',
  'junkemail',
  'outbox',
  'sentitems',
  'msgfolderroot',
]);

/**
 * Messages listed per run at most (the rest next run: processed ones leave the folder or are read; a delta round
 * cut short keeps no link, so the next run lists the rest again).
 */
const MAX_LISTED = 5000;

async function readPem(file: string, what: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new MailboxCredentialError(
      `cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

/** The client assertion of the certificate credential (Microsoft identity platform's documented claims). */
async function clientAssertion(m: GraphMailboxConfig, tokenUrl: string): Promise<string> {
  const c = m.credential;
  if (c.kind !== 'certificate') throw new Error('not a certificate credential');
  let key;
  let x5t: string;
  try {
    key = createPrivateKey(await readPem(c.keyFile, 'certificate key'));
  } catch (err) {
    if (err instanceof MailboxCredentialError) throw err;
    throw new MailboxCredentialError(`the certificate key file ${c.keyFile} holds no readable private key`);
  }
  try {
    x5t = Buffer.from(
      new X509Certificate(await readPem(c.certFile, 'certificate')).fingerprint.replace(/:/g, ''),
      'hex',
    ).toString('base64url');
  } catch (err) {
    if (err instanceof MailboxCredentialError) throw err;
    throw new MailboxCredentialError(`the certificate file ${c.certFile} holds no readable certificate`);
  }
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5t })
    .setIssuer(m.clientId)
    .setSubject(m.clientId)
    .setAudience(tokenUrl)
    .setJti(randomUUID())
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime('10m')
    .sign(key);
}

interface GraphPage<T> {
  value?: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/** A message of a delta page: a new or changed one with the properties selected, or a removed one. */
interface DeltaEntry {
  id: string;
  isRead?: boolean;
  receivedDateTime?: string;
  '@removed'?: { reason?: string };
}

/** Graph's answers meaning that a delta link can no longer be used: the folder is synchronised again in full. */
function isSyncReset(err: unknown): boolean {
  if (!(err instanceof MailboxError) || err.httpStatus === undefined) return false;
  if (err.httpStatus === 410) return true;
  const code = err.serviceCode?.toLowerCase();
  return err.httpStatus < 500 && (code === 'syncstatenotfound' || code === 'resyncrequired');
}

interface GraphFolder {
  id: string;
  displayName?: string;
}

class GraphSource implements MailSource {
  readonly folder: string;
  private readonly token: TokenCache;
  private readonly folderIds = new Map<string, string>();
  private readonly base: string;
  /** This run's delta link, kept once its messages are handled. */
  private pending: { scope: string; deltaLink: string } | null = null;

  constructor(
    private readonly m: GraphMailboxConfig,
    private readonly o: SourceOptions,
  ) {
    this.folder = m.folder;
    this.base = `${m.graphUrl}/users/${encodeURIComponent(m.user)}`;
    this.token = new TokenCache(() => this.obtainToken());
  }

  private async obtainToken(): Promise<AccessToken> {
    const m = this.m;
    const tokenUrl = `${m.authority}/${encodeURIComponent(m.tenant)}/oauth2/v2.0/token`;
    const form: Record<string, string> = {
      client_id: m.clientId,
      scope: `${new URL(m.graphUrl).origin}/.default`,
      grant_type: 'client_credentials',
    };
    if (m.credential.kind === 'secret') form.client_secret = await readSecret(m.credential.secret, 'client secret');
    else {
      form.client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
      form.client_assertion = await clientAssertion(m, tokenUrl);
    }
    const body = (await request(
      'Microsoft identity platform',
      { method: 'POST', url: tokenUrl, form },
      'json',
      null,
      this.o.http,
    )) as {
      access_token?: unknown;
      expires_in?: unknown;
    };
    if (typeof body.access_token !== 'string')
      throw new MailboxError('Microsoft identity platform: the token answer has no access_token');
    return { token: body.access_token, expiresAt: Date.now() + (Number(body.expires_in) || 3600) * 1000 };
  }

  private call(r: HttpRequest, want: Want = 'json'): Promise<unknown> {
    return request('Microsoft Graph', r, want, this.token, this.o.http);
  }

  /** A child folder by display name (of the root when parentId is null), created when `create`. */
  private async child(parentId: string | null, name: string, create: boolean): Promise<string | null> {
    const list =
      parentId === null
        ? `${this.base}/mailFolders`
        : `${this.base}/mailFolders/${encodeURIComponent(parentId)}/childFolders`;
    const filter = `displayName eq '${name.replace(/'/g, "''")}'`;
    const page = (await this.call({
      method: 'GET',
      url: `${list}?$filter=${encodeURIComponent(filter)}&$select=id,displayName`,
    })) as GraphPage<GraphFolder>;
    const found = page.value?.find((f) => f.displayName?.toLowerCase() === name.toLowerCase()) ?? page.value?.[0];
    if (found) return found.id;
    if (!create) return null;
    const made = (await this.call({ method: 'POST', url: list, json: { displayName: name } })) as GraphFolder;
    return made.id;
  }

  /** The id of a folder path ('DMARC/Processed'); a well-known first level (Inbox) by its name. */
  private async folderId(path: string, create: boolean): Promise<string> {
    const known = this.folderIds.get(path);
    if (known) return known;
    const parts = path.split('/').filter((p) => p !== '');
    let id: string | null = null;
    for (const [i, part] of parts.entries()) {
      if (i === 0 && WELL_KNOWN.has(part.toLowerCase())) {
        id = part.toLowerCase();
        continue;
      }
      const next = await this.child(id, part, create);
      if (next === null)
        throw new MailboxError(`Microsoft Graph: the folder '${path}' of ${this.m.user} does not exist`);
      id = next;
    }
    if (id === null) throw new MailboxError(`Microsoft Graph: '${path}' is not a folder name`);
    this.folderIds.set(path, id);
    return id;
  }

  /** A paging link from an answer (or kept from one), followed only to the configured Graph's origin. */
  private followed(link: string): string {
    let origin: string | null = null;
    try {
      origin = new URL(link).origin;
    } catch {
      // not a URL: refused below
    }
    if (origin !== new URL(this.m.graphUrl).origin)
      throw new MailboxError(
        `Microsoft Graph: a paging link outside ${new URL(this.m.graphUrl).origin} was not followed`,
      );
    return link;
  }

  async list(): Promise<MailMessage[]> {
    const folder = await this.folderId(this.m.folder, false);
    if (!this.m.delta) {
      // a link kept from when delta was on would be stale when it is turned on again
      await this.o.cursor?.drop();
      return this.listPaged(folder);
    }
    return this.listDelta(folder);
  }

  /** The whole folder with $top paging (delta: false). */
  private async listPaged(folder: string): Promise<MailMessage[]> {
    const query = new URLSearchParams({ $select: 'id', $top: String(this.m.batchSize) });
    // (Graph refuses $orderby on a property its $filter does not name first: unread ones in its default order)
    if (this.m.markRead) query.set('$filter', 'isRead eq false');
    else query.set('$orderby', 'receivedDateTime');
    let url: string | undefined = `${this.base}/mailFolders/${encodeURIComponent(folder)}/messages?${query.toString()}`;
    const out: MailMessage[] = [];
    while (url && out.length < MAX_LISTED) {
      const page = (await this.call({ method: 'GET', url: this.followed(url) })) as GraphPage<{ id: string }>;
      for (const x of page.value ?? []) out.push({ id: x.id });
      url = page['@odata.nextLink'];
    }
    return out;
  }

  /**
   * What a delta link lists: a link made for another service, tenant, mailbox, folder (or the same name's folder
   * made again) or mark-read mode is never used.
   */
  private scope(folderId: string): string {
    const m = this.m;
    return JSON.stringify({
      graph: m.graphUrl,
      tenant: m.tenant,
      user: m.user,
      folder: m.folder,
      folderId,
      markRead: m.markRead,
    });
  }

  /**
   * The folder's new messages by delta query: from the kept link (the changes since the last complete run) or, with
   * none, every message in it (a full synchronisation). A link Graph no longer knows (410 Gone, syncStateNotFound,
   * resyncRequired) is dropped and the folder synchronised in full (from the request made here: the Location of a
   * 410 names the same one). The new link is kept by complete().
   */
  private async listDelta(folder: string): Promise<MailMessage[]> {
    const scope = this.scope(folder);
    // $filter (isRead) and $orderby (ascending) are not available on delta: both are done here
    const initial = `${this.base}/mailFolders/${encodeURIComponent(folder)}/messages/delta?${new URLSearchParams({
      $select: 'id,isRead,receivedDateTime',
    }).toString()}`;
    const kept = (await this.o.cursor?.load(scope)) ?? null;
    let start = kept ?? initial;
    for (let attempt = 0; ; attempt++) {
      try {
        const { entries, deltaLink } = await this.readDelta(start);
        this.pending = deltaLink === null ? null : { scope, deltaLink };
        return entries;
      } catch (err) {
        if (attempt > 0 || !isSyncReset(err)) throw err;
        if (kept !== null) await this.o.cursor?.drop();
        start = initial;
      }
    }
  }

  /** One round of delta pages from `start`: the new (unread, with markRead) messages, oldest first, and its link. */
  private async readDelta(start: string): Promise<{ entries: MailMessage[]; deltaLink: string | null }> {
    const wanted = (x: DeltaEntry) => !(this.m.markRead && x.isRead === true);
    // the same message may come more than once in a round: its last state counts, a removal drops it
    const seen = new Map<string, DeltaEntry>();
    let candidates = 0;
    let url: string | undefined = start;
    let deltaLink: string | null = null;
    while (url) {
      const page = (await this.call({
        method: 'GET',
        url: this.followed(url),
        headers: { prefer: `odata.maxpagesize=${this.m.batchSize}` },
      })) as GraphPage<DeltaEntry>;
      for (const x of page.value ?? []) {
        const before = seen.get(x.id);
        if (before && wanted(before)) candidates--;
        seen.delete(x.id);
        if (x['@removed']) continue; // moved away or deleted: nothing to read
        // a change may carry only the properties that changed
        const now = { ...before, ...x };
        seen.set(x.id, now);
        if (wanted(now)) candidates++;
      }
      if (page['@odata.deltaLink'] !== undefined) {
        deltaLink = this.followed(page['@odata.deltaLink']);
        break;
      }
      url = page['@odata.nextLink'];
      // the rest next run: without this round's delta link, the next one lists them again
      if (candidates >= MAX_LISTED) break;
    }
    const time = (x: DeltaEntry) => Date.parse(x.receivedDateTime ?? '') || 0;
    const entries = [...seen.values()]
      .filter(wanted)
      .sort((a, b) => time(a) - time(b))
      .slice(0, MAX_LISTED)
      .map((x) => ({ id: x.id }));
    return { entries, deltaLink: entries.length < candidates ? null : deltaLink };
  }

  async complete(): Promise<void> {
    if (this.pending === null) return;
    await this.o.cursor?.save(this.pending.scope, this.pending.deltaLink);
    this.pending = null;
  }

  async fetch(msg: MailMessage): Promise<Uint8Array | null> {
    try {
      return (await this.call(
        { method: 'GET', url: `${this.base}/messages/${encodeURIComponent(msg.id)}/$value` },
        'bytes',
      )) as Uint8Array;
    } catch (err) {
      if (err instanceof MailboxError && err.httpStatus === 404) return null;
      throw err;
    }
  }

  async settle(messages: MailMessage[], to: 'processed' | 'invalid'): Promise<{ moved: number; marked: number }> {
    if (to === 'processed' && this.m.markRead) {
      for (const msg of messages)
        await this.call({
          method: 'PATCH',
          url: `${this.base}/messages/${encodeURIComponent(msg.id)}`,
          json: { isRead: true },
        });
      return { moved: 0, marked: messages.length };
    }
    const destinationId = await this.folderId(to === 'processed' ? this.m.processedFolder : this.m.invalidFolder, true);
    for (const msg of messages)
      await this.call({
        method: 'POST',
        url: `${this.base}/messages/${encodeURIComponent(msg.id)}/move`,
        json: { destinationId },
      });
    return { moved: messages.length, marked: 0 };
  }
}

export function graphSource(m: GraphMailboxConfig, o: SourceOptions): MailSource {
  return new GraphSource(m, o);
}
