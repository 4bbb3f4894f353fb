// A stand-in for Google's OAuth token endpoint and the Gmail API on loopback, implementing what the Gmail mailbox
// uses, with the documented shapes: POST /token (the jwt-bearer grant: the assertion's RS256 signature checked with
// the service account's public key, its iss/aud/sub/scope; or the refresh_token grant), and under
// /gmail/v1/users/{user}: labels (list, create), messages (labelIds, maxResults, pageToken paging; newest first),
// messages/{id}?format=raw (base64url), messages/{id}/modify. Errors as Google answers them:
// {error:{code,message,status}}; tokens can be expired at will.
import { randomUUID, type KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';
import { bearer, startStub, type Stub, type StubAnswer, type StubRequest } from './http-stub.js';

export interface GmailMessage {
  id: string;
  labelIds: string[];
  raw: Buffer;
  internalDate: number;
}

export interface GmailServer {
  url: string;
  tokenUrl: string;
  stub: Stub;
  labels: { id: string; name: string; type: 'system' | 'user' }[];
  messages: GmailMessage[];
  tokensIssued: number;
  expireTokens(): void;
  add(labelName: string, raw: Buffer | string): GmailMessage;
  withLabel(name: string): GmailMessage[];
  close(): Promise<void>;
}

export interface GmailServerOptions {
  user: string;
  serviceAccount?: { email: string; publicKey: KeyObject };
  oauth?: { clientId: string; clientSecret: string; refreshToken: string };
}

const err = (code: number, status: string, message: string): StubAnswer => ({
  status: code,
  json: { error: { code, message, errors: [{ message, domain: 'global', reason: status.toLowerCase() }], status } },
});

export async function startGmailServer(o: GmailServerOptions): Promise<GmailServer> {
  const labels: GmailServer['labels'] = [
    { id: 'INBOX', name: 'INBOX', type: 'system' },
    { id: 'UNREAD', name: 'UNREAD', type: 'system' },
  ];
  const messages: GmailMessage[] = [];
  const tokens = new Map<string, boolean>();
  let tokensIssued = 0;
  let seq = 0;
  let url = '';

  async function token(r: StubRequest): Promise<StubAnswer> {
    const f = new URLSearchParams(r.body);
    const bad = (error: string, d: string): StubAnswer => ({ status: 400, json: { error, error_description: d } });
    if (r.path !== '/token' || r.method !== 'POST') return err(404, 'NOT_FOUND', 'Not Found');
    const grant = f.get('grant_type');
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && o.serviceAccount) {
      try {
        const { payload } = await jwtVerify(f.get('assertion') ?? '', o.serviceAccount.publicKey, {
          algorithms: ['RS256'],
          audience: `${url}/token`,
          issuer: o.serviceAccount.email,
          subject: o.user,
          requiredClaims: ['iat', 'exp'],
        });
        if (!String(payload.scope).split(' ').includes('https://www.googleapis.com/auth/gmail.modify'))
          return bad('invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
      } catch {
        return bad('invalid_grant', 'Invalid JWT Signature.');
      }
    } else if (grant === 'refresh_token' && o.oauth) {
      if (f.get('client_id') !== o.oauth.clientId || f.get('client_secret') !== o.oauth.clientSecret)
        return { status: 401, json: { error: 'invalid_client', error_description: 'Unauthorized' } };
      if (f.get('refresh_token') !== o.oauth.refreshToken)
        return bad('invalid_grant', 'Token has been expired or revoked.');
    } else return bad('unsupported_grant_type', 'Invalid grant_type');
    const t = `ya29.${randomUUID()}`;
    tokens.set(t, true);
    tokensIssued++;
    return {
      status: 200,
      json: {
        access_token: t,
        expires_in: 3599,
        token_type: 'Bearer',
        scope: 'https://www.googleapis.com/auth/gmail.modify',
      },
    };
  }

  const labelByName = (name: string) => labels.find((l) => l.name === name);
  const shape = (m: GmailMessage) => ({
    id: m.id,
    threadId: m.id,
    labelIds: m.labelIds,
    sizeEstimate: m.raw.length,
    internalDate: String(m.internalDate),
  });

  function gmail(r: StubRequest): StubAnswer {
    const t = bearer(r);
    if (t === null || !tokens.get(t))
      return err(
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token.',
      );
    const prefix = `/gmail/v1/users/${o.user}/`;
    if (!r.path.startsWith(prefix)) return err(400, 'FAILED_PRECONDITION', 'Mail service not enabled');
    const rest = r.path.slice(prefix.length).split('/');
    const body = r.body ? (JSON.parse(r.body) as Record<string, unknown>) : {};
    if (rest[0] === 'labels' && rest.length === 1) {
      if (r.method === 'GET') return { status: 200, json: { labels } };
      if (r.method === 'POST') {
        const name = String(body.name);
        if (labelByName(name)) return err(409, 'ALREADY_EXISTS', 'Label name exists or conflicts');
        const l = { id: `Label_${++seq}`, name, type: 'user' as const };
        labels.push(l);
        return {
          status: 200,
          json: {
            ...l,
            labelListVisibility: body.labelListVisibility,
            messageListVisibility: body.messageListVisibility,
          },
        };
      }
    }
    if (rest[0] === 'messages') {
      if (rest.length === 1 && r.method === 'GET') {
        const ids = r.query.getAll('labelIds');
        const max = Math.min(Number(r.query.get('maxResults') ?? 100), 500);
        const start = Number(r.query.get('pageToken') ?? 0);
        const all = messages
          .filter((m) => ids.every((id) => m.labelIds.includes(id)))
          .sort((a, b) => b.internalDate - a.internalDate);
        const page = all.slice(start, start + max);
        return {
          status: 200,
          json: {
            ...(page.length > 0 ? { messages: page.map((m) => ({ id: m.id, threadId: m.id })) } : {}),
            ...(start + max < all.length ? { nextPageToken: String(start + max) } : {}),
            resultSizeEstimate: all.length,
          },
        };
      }
      const m = messages.find((x) => x.id === rest[1]);
      if (!m) return err(404, 'NOT_FOUND', 'Requested entity was not found.');
      if (rest.length === 2 && r.method === 'GET') {
        if (r.query.get('format') !== 'raw')
          return err(400, 'INVALID_ARGUMENT', 'format=raw expected by this stand-in');
        return { status: 200, json: { ...shape(m), raw: m.raw.toString('base64url') } };
      }
      if (rest[2] === 'modify' && r.method === 'POST') {
        const add = (body.addLabelIds as string[] | undefined) ?? [];
        const remove = (body.removeLabelIds as string[] | undefined) ?? [];
        if (![...add, ...remove].every((id) => labels.some((l) => l.id === id)))
          return err(400, 'INVALID_ARGUMENT', 'Invalid label');
        m.labelIds = [...new Set([...m.labelIds.filter((id) => !remove.includes(id)), ...add])];
        return { status: 200, json: shape(m) };
      }
    }
    return err(400, 'INVALID_ARGUMENT', `Unsupported request ${r.method} ${r.path}`);
  }

  const stub = await startStub((r) => (r.path.startsWith('/gmail/') ? gmail(r) : token(r)));
  url = stub.url;
  return {
    url,
    tokenUrl: `${url}/token`,
    stub,
    labels,
    messages,
    get tokensIssued() {
      return tokensIssued;
    },
    expireTokens: () => {
      for (const k of tokens.keys()) tokens.set(k, false);
    },
    add(labelName, raw) {
      let l = labelByName(labelName);
      if (!l) {
        l = { id: `Label_${++seq}`, name: labelName, type: 'user' };
        labels.push(l);
      }
      const m = {
        id: `18c${(++seq).toString(16).padStart(13, '0')}`,
        labelIds: [l.id, 'UNREAD'],
        raw: Buffer.from(raw),
        internalDate: Date.now() + seq,
      };
      messages.push(m);
      return m;
    },
    withLabel: (name) => {
      const l = labelByName(name);
      return l ? messages.filter((m) => m.labelIds.includes(l.id)) : [];
    },
    close: () => stub.close(),
  };
}
