// A stand-in for the Microsoft identity platform's token endpoint and the Microsoft Graph mail API on loopback,
// implementing what the Graph mailbox uses, with the documented shapes: POST /{tenant}/oauth2/v2.0/token
// (client_credentials with client_secret, or client_assertion: a JWT whose RS256 signature is checked with the
// test's public key, with its aud/iss/sub and x5t), and under /v1.0/users/{user}: mailFolders (list with
// $filter=displayName eq '...', childFolders, create), mailFolders/{id}/messages ($top, $skip paging with
// @odata.nextLink, $filter=isRead eq false), mailFolders/{id}/messages/delta (below), messages/{id}/$value,
// messages/{id}/move (a new id, as Graph does), PATCH messages/{id}. Errors as Graph answers them:
// {error:{code,message}}; tokens can be expired at will.
// Delta query as documented for messages: the first round lists the folder as it is, `Prefer: odata.maxpagesize`
// messages a page (10 without it), $select honoured, pages linked by @odata.nextLink ($skiptoken), the last one
// carrying @odata.deltaLink ($deltatoken, links in Graph's mailFolders('id') form); a round from a delta link gives
// the messages created or changed in the folder since, and the ones that left it (moved, deleted) as
// {id, @removed: {reason: 'deleted'}}. A state token Graph no longer knows: 410 Gone (SyncStateNotFound) with a
// Location header of the initial request.
import { randomUUID, type KeyObject } from 'node:crypto';
import { jwtVerify, decodeProtectedHeader } from 'jose';
import { bearer, startStub, type Stub, type StubAnswer, type StubRequest } from './http-stub.js';

export interface GraphFolder {
  id: string;
  displayName: string;
  parentFolderId: string | null;
}

export interface GraphMessage {
  id: string;
  folderId: string;
  isRead: boolean;
  mime: Buffer;
  received: number;
  /** The change number of its last change (created, moved in, read state). */
  changed: number;
}

export interface GraphServer {
  url: string;
  stub: Stub;
  folders: GraphFolder[];
  messages: GraphMessage[];
  /** Token requests answered (with a token). */
  tokensIssued: number;
  /** Every token issued so far is expired from now on. */
  expireTokens(): void;
  /** Every delta state token issued so far is forgotten (their links answer 410 Gone). */
  expireDeltaLinks(): void;
  add(folderPath: string, mime: Buffer | string, isRead?: boolean): GraphMessage;
  /** Deletes a message for good (delta reports it removed). */
  remove(id: string): void;
  /** Marks a message read or unread, as its user would (delta reports it changed). */
  setRead(id: string, isRead: boolean): void;
  /** The messages of a folder path ('Inbox', 'DMARC/Processed'). */
  inFolder(path: string): GraphMessage[];
  close(): Promise<void>;
}

export interface GraphServerOptions {
  tenant: string;
  clientId: string;
  user: string;
  /** The client secret accepted, or a certificate's public key and x5t accepted. */
  secret?: string;
  certificate?: { publicKey: KeyObject; x5t: string };
}

const err = (status: number, code: string, message: string): StubAnswer => ({
  status,
  json: { error: { code, message, innerError: { 'request-id': randomUUID(), date: new Date().toISOString() } } },
});

export async function startGraphServer(o: GraphServerOptions): Promise<GraphServer> {
  const folders: GraphFolder[] = [{ id: 'AAMkInbox', displayName: 'Inbox', parentFolderId: null }];
  const messages: GraphMessage[] = [];
  const tokens = new Map<string, boolean>(); // token → valid
  let tokensIssued = 0;
  let seq = 0;
  let url = '';
  // delta: every change numbered; the messages that left a folder; the state behind each token
  let changes = 0;
  const left: { id: string; folderId: string; at: number }[] = [];
  const deltaStates = new Map<string, { folderId: string; at: number; select: string[] | null }>();
  const skipStates = new Map<
    string,
    { folderId: string; at: number; select: string[] | null; items: unknown[]; offset: number }
  >();

  async function token(r: StubRequest): Promise<StubAnswer> {
    const f = new URLSearchParams(r.body);
    const tokenUrl = `${url}/${o.tenant}/oauth2/v2.0/token`;
    const bad = (error: string, d: string, status = 400): StubAnswer => ({
      status,
      json: { error, error_description: d, error_codes: [7000215], timestamp: new Date().toISOString() },
    });
    if (r.path !== `/${o.tenant}/oauth2/v2.0/token`) return bad('invalid_request', 'AADSTS90002: Tenant not found.');
    if (f.get('grant_type') !== 'client_credentials') return bad('unsupported_grant_type', 'AADSTS70003');
    if (f.get('client_id') !== o.clientId) return bad('unauthorized_client', 'AADSTS700016: Application not found');
    if (f.get('scope') !== `${url}/.default`)
      return bad('invalid_scope', 'AADSTS70011: The provided value for scope is not valid');
    if (o.secret !== undefined) {
      if (f.get('client_secret') !== o.secret)
        return bad('invalid_client', 'AADSTS7000215: Invalid client secret provided.', 401);
    } else {
      if (f.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
        return bad('invalid_client', 'AADSTS7000216: client_assertion_type is required', 401);
      const assertion = f.get('client_assertion') ?? '';
      try {
        const header = decodeProtectedHeader(assertion);
        if (header.x5t !== o.certificate!.x5t)
          return bad('invalid_client', 'AADSTS700027: unknown certificate thumbprint', 401);
        await jwtVerify(assertion, o.certificate!.publicKey, {
          algorithms: ['RS256'],
          audience: tokenUrl,
          issuer: o.clientId,
          subject: o.clientId,
          requiredClaims: ['jti', 'exp', 'nbf'],
        });
      } catch (e) {
        return bad('invalid_client', `AADSTS700027: Client assertion failed signature validation: ${String(e)}`, 401);
      }
    }
    const t = `graph-${randomUUID()}`;
    tokens.set(t, true);
    tokensIssued++;
    return { status: 200, json: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: t } };
  }

  const pathOf = (f: GraphFolder): string => {
    const parent = folders.find((x) => x.id === f.parentFolderId);
    return parent ? `${pathOf(parent)}/${f.displayName}` : f.displayName;
  };
  const byPath = (p: string) => folders.find((f) => pathOf(f).toLowerCase() === p.toLowerCase());
  const folderById = (id: string) => (id.toLowerCase() === 'inbox' ? folders[0] : folders.find((f) => f.id === id));
  const shape = (m: GraphMessage) => ({
    id: m.id,
    isRead: m.isRead,
    parentFolderId: m.folderId,
    receivedDateTime: new Date(m.received).toISOString(),
  });
  const leave = (m: GraphMessage) => left.push({ id: m.id, folderId: m.folderId, at: ++changes });

  /** GET mailFolders/{id}/messages/delta: a round's first page, or the next page of one. */
  function delta(r: StubRequest, f: GraphFolder): StubAnswer {
    const size = Number(/odata\.maxpagesize=(\d+)/.exec(String(r.headers.prefer ?? ''))?.[1] ?? 10);
    const link = (token: string, value: string) =>
      `${url}/v1.0/users/${o.user}/mailFolders('${f.id}')/messages/delta?${token}=${encodeURIComponent(value)}`;
    const gone = (): StubAnswer => ({
      ...err(410, 'SyncStateNotFound', 'The sync state generation is not found.'),
      headers: { location: `${url}/v1.0/users/${o.user}/mailFolders('${f.id}')/messages/delta` },
    });
    let round: { folderId: string; at: number; select: string[] | null; items: unknown[]; offset: number };
    const skip = r.query.get('$skiptoken');
    const dtoken = r.query.get('$deltatoken');
    if (skip !== null) {
      const s = skipStates.get(skip);
      if (!s || s.folderId !== f.id) return gone();
      skipStates.delete(skip);
      round = s;
    } else {
      const select = r.query.get('$select')?.split(',') ?? null;
      const pick = (m: GraphMessage) => {
        const full: Record<string, unknown> = {
          '@odata.type': '#microsoft.graph.message',
          '@odata.etag': `W/"${m.changed}"`,
          ...shape(m),
        };
        if (select === null) return full;
        return Object.fromEntries(
          Object.entries(full).filter(([k]) => k === 'id' || k.startsWith('@') || select.includes(k)),
        );
      };
      let since = -1;
      if (dtoken !== null) {
        const d = deltaStates.get(dtoken);
        if (!d || d.folderId !== f.id) return gone();
        since = d.at;
      }
      const now = changes;
      const items: unknown[] = messages.filter((m) => m.folderId === f.id && m.changed > since).map(pick);
      if (since >= 0)
        for (const x of left.filter((x) => x.folderId === f.id && x.at > since))
          items.push({ '@odata.type': '#microsoft.graph.message', id: x.id, '@removed': { reason: 'deleted' } });
      round = { folderId: f.id, at: now, select, items, offset: 0 };
    }
    const page = round.items.slice(round.offset, round.offset + size);
    const next = { ...round, offset: round.offset + size };
    const token = randomUUID();
    let more: Record<string, string>;
    if (next.offset < round.items.length) {
      skipStates.set(token, next);
      more = { '@odata.nextLink': link('$skiptoken', token) };
    } else {
      deltaStates.set(token, { folderId: round.folderId, at: round.at, select: round.select });
      more = { '@odata.deltaLink': link('$deltatoken', token) };
    }
    return {
      status: 200,
      json: { '@odata.context': `${url}/v1.0/$metadata#Collection(message)`, ...more, value: page },
    };
  }

  function graph(r: StubRequest): StubAnswer {
    const t = bearer(r);
    if (t === null) return err(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    if (!tokens.get(t))
      return err(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    const prefix = `/v1.0/users/${o.user}/`;
    if (!r.path.startsWith(prefix)) return err(404, 'ErrorInvalidUser', 'The requested user is invalid.');
    // links name folders as OData keys: mailFolders('id')
    const rest = r.path
      .slice(prefix.length)
      .replace(/^mailFolders\('([^']*)'\)/i, 'mailFolders/$1')
      .split('/');
    const filterName = /^displayName eq '(.*)'$/.exec(r.query.get('$filter') ?? '')?.[1]?.replace(/''/g, "'");
    const body = r.body ? (JSON.parse(r.body) as Record<string, unknown>) : {};
    const createFolder = (parent: string | null): StubAnswer => {
      const f = { id: `AAMkF${++seq}`, displayName: String(body.displayName), parentFolderId: parent };
      if (folders.some((x) => x.parentFolderId === parent && x.displayName === f.displayName))
        return err(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
      folders.push(f);
      return { status: 201, json: f };
    };
    const listFolders = (parent: string | null): StubAnswer => ({
      status: 200,
      json: {
        value: folders.filter(
          (f) => f.parentFolderId === parent && (filterName === undefined || f.displayName === filterName),
        ),
      },
    });
    if (rest[0] === 'mailFolders') {
      if (rest.length === 1) return r.method === 'POST' ? createFolder(null) : listFolders(null);
      const f = folderById(rest[1]!);
      if (!f) return err(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      if (rest[2] === 'childFolders') return r.method === 'POST' ? createFolder(f.id) : listFolders(f.id);
      if (rest[2] === 'messages' && rest[3] === 'delta' && r.method === 'GET') return delta(r, f);
      if (rest[2] === 'messages' && r.method === 'GET') {
        const top = Number(r.query.get('$top') ?? 10);
        const skip = Number(r.query.get('$skip') ?? 0);
        const unread = r.query.get('$filter') === 'isRead eq false';
        const all = messages
          .filter((m) => m.folderId === f.id && (!unread || !m.isRead))
          .sort((a, b) => a.received - b.received);
        const page = all.slice(skip, skip + top);
        const next = new URLSearchParams(r.query);
        next.set('$skip', String(skip + top));
        return {
          status: 200,
          json: {
            '@odata.context': `${url}/v1.0/$metadata#users('${o.user}')/mailFolders('${f.id}')/messages`,
            value: page.map(shape),
            ...(skip + top < all.length ? { '@odata.nextLink': `${url}${r.path}?${next.toString()}` } : {}),
          },
        };
      }
    }
    if (rest[0] === 'messages' && rest[1]) {
      const m = messages.find((x) => x.id === rest[1]);
      if (!m) return err(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      if (rest[2] === '$value' && r.method === 'GET')
        return { status: 200, bytes: m.mime, headers: { 'content-type': 'text/plain' } };
      if (rest[2] === 'move' && r.method === 'POST') {
        const dest = folderById(String(body.destinationId));
        if (!dest) return err(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
        leave(m);
        m.folderId = dest.id;
        m.id = `AAMkM${++seq}`; // a moved message gets a new id in Graph
        m.changed = ++changes;
        return { status: 201, json: shape(m) };
      }
      if (rest.length === 2 && r.method === 'PATCH') {
        if (typeof body.isRead === 'boolean' && body.isRead !== m.isRead) {
          m.isRead = body.isRead;
          m.changed = ++changes;
        }
        return { status: 200, json: shape(m) };
      }
    }
    return err(400, 'BadRequest', `Unsupported request ${r.method} ${r.path}`);
  }

  const stub = await startStub((r) => (r.path.startsWith('/v1.0/') ? graph(r) : token(r)));
  url = stub.url;
  return {
    url,
    stub,
    folders,
    messages,
    get tokensIssued() {
      return tokensIssued;
    },
    expireTokens: () => {
      for (const k of tokens.keys()) tokens.set(k, false);
    },
    expireDeltaLinks: () => {
      deltaStates.clear();
      skipStates.clear();
    },
    add(folderPath, mime, isRead = false) {
      let f = byPath(folderPath);
      if (!f) {
        f = { id: `AAMkF${++seq}`, displayName: folderPath, parentFolderId: null };
        folders.push(f);
      }
      const m = {
        id: `AAMkM${++seq}`,
        folderId: f.id,
        isRead,
        mime: Buffer.from(mime),
        received: Date.now() + seq,
        changed: ++changes,
      };
      messages.push(m);
      return m;
    },
    setRead(id, isRead) {
      const m = messages.find((x) => x.id === id);
      if (!m) throw new Error(`no message ${id}`);
      m.isRead = isRead;
      m.changed = ++changes;
    },
    remove(id) {
      const i = messages.findIndex((m) => m.id === id);
      if (i < 0) throw new Error(`no message ${id}`);
      leave(messages[i]!);
      messages.splice(i, 1);
    },
    inFolder: (p) => {
      const f = byPath(p);
      return f ? messages.filter((m) => m.folderId === f.id) : [];
    },
    close: () => stub.close(),
  };
}
