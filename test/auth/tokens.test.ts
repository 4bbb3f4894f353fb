// Login, refresh rotation, theft detection, logout, expiry (controllable clock), bad tokens, API keys.
import { DEFAULT_ORG_ID } from '../support/org.js';
import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableEngines } from '../support/db.js';
import { TEST_PASSWORD, bearer, createTestApp, type TestApp } from '../support/app.js';

interface SessionBody {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: number; email: string; role: string };
}

function expectNotFound(r: { statusCode: number; json: <T>() => T }, code: string): void {
  expect(r.statusCode).toBe(404);
  expect(r.json<{ code?: string; type?: string }>()).toMatchObject({ code });
}

describe.each(availableEngines())('tokens on %s', (engine) => {
  let x: TestApp;
  beforeAll(async () => {
    x = await createTestApp(engine);
  });
  afterAll(async () => {
    await x?.close();
  });

  const login = (email: string, password = TEST_PASSWORD, ip = '10.0.0.1') =>
    x.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password }, remoteAddress: ip });
  const refresh = (token?: string, cookie?: string) =>
    x.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: token ? { refreshToken: token } : {},
      ...(cookie ? { cookies: { dmarc_refresh: cookie } } : {}),
    });
  const me = (token: string) => x.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });

  it('logs in (e-mail in any case) and answers tokens, the user, and an HttpOnly SameSite=Strict cookie on /auth', async () => {
    const r = await login('ANALYST@Example.com');
    expect(r.statusCode).toBe(200);
    const s = r.json<SessionBody>();
    expect(s.expiresIn).toBe(900);
    expect(s.user).toMatchObject({ email: 'analyst@example.com', role: 'analyst' });
    const [header, payload] = s.accessToken
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'HS256' });
    expect((payload!.exp as number) - (payload!.iat as number)).toBe(900);
    const cookie = r.cookies.find((c) => c.name === 'dmarc_refresh');
    expect(cookie).toMatchObject({ value: s.refreshToken, httpOnly: true, sameSite: 'Strict', path: '/auth' });
    expect((await me(s.accessToken)).json()).toMatchObject({ email: 'analyst@example.com' });
  });

  it('refuses a wrong password or an unknown account with 401 and the same message', async () => {
    const a = await login('analyst@example.com', 'wrong password!!', '10.9.0.1');
    const b = await login('nobody@example.com', 'wrong password!!', '10.9.0.2');
    expect(a.statusCode).toBe(401);
    expect(b.statusCode).toBe(401);
    expect(a.json<{ detail: string }>().detail).toBe(b.json<{ detail: string }>().detail);
    expect(a.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('rotates the refresh token on every use (body or cookie)', async () => {
    const s1 = (await login('viewer@example.com')).json<SessionBody>();
    const r2 = await refresh(s1.refreshToken);
    expect(r2.statusCode).toBe(200);
    const s2 = r2.json<SessionBody>();
    expect(s2.refreshToken).not.toBe(s1.refreshToken);
    const r3 = await refresh(undefined, s2.refreshToken); // from the cookie
    expect(r3.statusCode).toBe(200);
    expect(r3.cookies.find((c) => c.name === 'dmarc_refresh')?.value).toBe(r3.json<SessionBody>().refreshToken);
  });

  it('a rotated token presented again within 30 s (a page that navigated away mid-refresh) keeps the session', async () => {
    const s1 = (await login('viewer@example.com')).json<SessionBody>();
    const s2 = (await refresh(s1.refreshToken)).json<SessionBody>();
    x.clock.advance(29);
    const again = await refresh(undefined, s1.refreshToken); // the old cookie: the new one never arrived
    expect(again.statusCode).toBe(200);
    const s3 = again.json<SessionBody>();
    expect(s3.refreshToken).not.toBe(s2.refreshToken);
    expect((await me(s3.accessToken)).statusCode).toBe(200);
    // both successors live on in the same session, each once
    expect((await refresh(s2.refreshToken)).statusCode).toBe(200);
    expect((await refresh(s3.refreshToken)).statusCode).toBe(200);
    const audit = await x.t.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM audit_log WHERE action = 'refresh_token_reuse' AND actor_id = $1`,
      [s1.user.id],
    );
    expect(Number(audit.rows[0]!.n)).toBe(0);
  });

  it('re-use of an already rotated refresh token after the grace period revokes its whole family', async () => {
    const s1 = (await login('viewer@example.com')).json<SessionBody>();
    const s2 = (await refresh(s1.refreshToken)).json<SessionBody>();
    x.clock.advance(31);
    const stolen = await refresh(s1.refreshToken);
    expect(stolen.statusCode).toBe(401);
    // the legitimate newer token of the same family is dead too
    expect((await refresh(s2.refreshToken)).statusCode).toBe(401);
    const audit = await x.t.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM audit_log WHERE action = 'refresh_token_reuse'`,
    );
    expect(audit.rows[0]!.n).toBeGreaterThanOrEqual(1);
    // another session of the same user is untouched
    const other = (await login('viewer@example.com')).json<SessionBody>();
    expect((await refresh(other.refreshToken)).statusCode).toBe(200);
  });

  it('logout (with the access token) revokes the session → 204', async () => {
    const s = (await login('viewer@example.com')).json<SessionBody>();
    const out = await x.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: bearer(s.accessToken),
      payload: { refreshToken: s.refreshToken },
    });
    expect(out.statusCode).toBe(204);
    expect((await refresh(s.refreshToken)).statusCode).toBe(401);
    const anon = await x.app.inject({ method: 'POST', url: '/auth/logout', payload: { refreshToken: s.refreshToken } });
    expect(anon.statusCode).toBe(401);
  });

  it('access tokens expire after 15 minutes; refresh tokens after 7 days', async () => {
    const s = (await login('viewer@example.com')).json<SessionBody>();
    x.clock.advance(14 * 60);
    expect((await me(s.accessToken)).statusCode).toBe(200);
    x.clock.advance(2 * 60);
    expect((await me(s.accessToken)).statusCode).toBe(401);
    const fresh = await refresh(s.refreshToken);
    expect(fresh.statusCode).toBe(200);
    x.clock.advance(7 * 24 * 3600 + 1);
    expect((await refresh(fresh.json<SessionBody>().refreshToken)).statusCode).toBe(401);
  });

  it('refuses tampered, alg:none, wrong-algorithm, wrong-key and not-yet-valid tokens', async () => {
    const good = (await login('viewer@example.com')).json<SessionBody>().accessToken;
    const [h, p, sig] = good.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const admin = b64({ ...payload, sub: String(x.users.admin.id) });
    const now = Math.floor(x.clock.now().getTime() / 1000);
    const otherKey = new TextEncoder().encode(crypto.randomBytes(48).toString('hex'));
    const bad = [
      `${h}.${admin}.${sig}`, // payload swapped, signature kept
      `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
      `${b64({ alg: 'none', typ: 'JWT' })}.${admin}.`,
      `${b64({ alg: 'HS512', typ: 'JWT' })}.${p}.${sig}`,
      await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(otherKey),
      await new SignJWT({ ...payload, nbf: now + 3600, iat: now, exp: now + 7200 })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(otherKey),
      'not.a.jwt',
      '',
    ];
    for (const token of bad) {
      const r = await x.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
      expect(r.statusCode, token.slice(0, 40)).toBe(401);
    }
  });

  it('a token signed with the right key but not yet valid is refused', async () => {
    const token = await x.auth.access.sign(x.users.viewer.id);
    x.clock.advance(-3600);
    try {
      expect((await me(token)).statusCode).toBe(401);
    } finally {
      x.clock.advance(3600);
    }
  });

  it('a deactivated user loses access at once: tokens, refresh and API keys', async () => {
    const { user } = await x.auth.createUser({
      email: 'leaver@example.com',
      name: 'L',
      member: { orgId: DEFAULT_ORG_ID, role: 'analyst' },
      password: TEST_PASSWORD,
    });
    const s = (await login('leaver@example.com')).json<SessionBody>();
    const key = await x.app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: bearer(s.accessToken),
      payload: { name: 'ci' },
    });
    const apiKey = key.json<{ key: string }>().key;
    const off = await x.app.inject({
      method: 'DELETE',
      url: `/users/${user.id}`,
      headers: bearer(await x.token('admin')),
    });
    expect(off.statusCode).toBe(204);
    expect((await me(s.accessToken)).statusCode).toBe(401);
    expect((await refresh(s.refreshToken)).statusCode).toBe(401);
    expect((await x.app.inject({ method: 'GET', url: '/api/me', headers: { 'x-api-key': apiKey } })).statusCode).toBe(
      401,
    );
    expect((await login('leaver@example.com')).statusCode).toBe(401);
  });

  it("an admin lists and revokes another user's API keys; nobody else can; the key stops working", async () => {
    const owner = x.users.analyst;
    const created = await x.app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: bearer(await x.token('analyst')),
      payload: { name: 'leaked' },
    });
    const k = created.json<{ id: number; key: string; prefix: string }>();
    const admin = bearer(await x.token('admin'));
    for (const base of ['/api/users', '/users']) {
      const list = await x.app.inject({ method: 'GET', url: `${base}/${owner.id}/keys`, headers: admin });
      expect(list.statusCode).toBe(200);
      const item = list
        .json<{ items: { id: number; prefix: string; key?: string }[] }>()
        .items.find((i) => i.id === k.id);
      expect(item).toMatchObject({ prefix: k.prefix });
      expect(item!.key).toBeUndefined();
    }
    // only admins
    for (const role of ['analyst', 'viewer'] as const) {
      const h = bearer(await x.token(role));
      expect((await x.app.inject({ method: 'GET', url: `/api/users/${owner.id}/keys`, headers: h })).statusCode).toBe(
        403,
      );
      expect(
        (await x.app.inject({ method: 'DELETE', url: `/api/users/${owner.id}/keys/${k.id}`, headers: h })).statusCode,
      ).toBe(403);
    }
    // the key must belong to that user, and the user must exist
    const other = x.users.viewer.id;
    expectNotFound(
      await x.app.inject({ method: 'DELETE', url: `/api/users/${other}/keys/${k.id}`, headers: admin }),
      'api_key_not_found',
    );
    expectNotFound(
      await x.app.inject({ method: 'GET', url: '/api/users/999999/keys', headers: admin }),
      'user_not_found',
    );
    expectNotFound(
      await x.app.inject({ method: 'DELETE', url: `/api/users/999999/keys/${k.id}`, headers: admin }),
      'user_not_found',
    );
    expect((await x.app.inject({ method: 'GET', url: '/api/me', headers: { 'x-api-key': k.key } })).statusCode).toBe(
      200,
    );

    const revoked = await x.app.inject({
      method: 'DELETE',
      url: `/api/users/${owner.id}/keys/${k.id}`,
      headers: admin,
    });
    expect(revoked.statusCode).toBe(204);
    expect((await x.app.inject({ method: 'GET', url: '/api/me', headers: { 'x-api-key': k.key } })).statusCode).toBe(
      401,
    );
    // the owner sees it revoked; the audit log names the owner
    const mine = await x.app.inject({ method: 'GET', url: '/api/keys', headers: bearer(await x.token('analyst')) });
    expect(
      mine.json<{ items: { id: number; revokedAt: string | null }[] }>().items.find((i) => i.id === k.id)!.revokedAt,
    ).not.toBeNull();
    const audit = await x.app.inject({ method: 'GET', url: '/api/audit?action=api_key.revoke', headers: admin });
    expect(audit.json<{ items: { target: string; details: unknown }[] }>().items).toContainEqual(
      expect.objectContaining({ target: `api_key:${k.id}`, details: { owner: owner.email } }),
    );
  });

  it('API keys: shown once, stored hashed, prefix visible, last use recorded, revocable, expiring', async () => {
    const created = await x.app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: bearer(await x.token('analyst')),
      payload: { name: 'exporter', expiresAt: new Date(x.clock.now().getTime() + 3600_000).toISOString() },
    });
    expect(created.statusCode).toBe(201);
    const k = created.json<{ id: number; key: string; prefix: string; lastUsedAt: string | null }>();
    expect(k.key).toMatch(/^dmarc_[A-Za-z0-9]{8}_/);
    expect(k.key).toContain(k.prefix);
    const stored = await x.t.db.query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE id = $1', [k.id]);
    expect(stored.rows[0]!.key_hash).toBe(crypto.createHash('sha256').update(k.key).digest('hex'));
    const use = await x.app.inject({ method: 'GET', url: '/api/me', headers: { 'x-api-key': k.key } });
    expect(use.json()).toMatchObject({ role: 'analyst' });
    const list = await x.app.inject({ method: 'GET', url: '/api/keys', headers: bearer(await x.token('analyst')) });
    const listed = list
      .json<{ items: { id: number; lastUsedAt: string | null; key?: string }[] }>()
      .items.find((i) => i.id === k.id)!;
    expect(listed.lastUsedAt).not.toBeNull();
    expect(listed.key).toBeUndefined();
    // someone else cannot revoke it
    expect(
      (await x.app.inject({ method: 'DELETE', url: `/api/keys/${k.id}`, headers: bearer(await x.token('viewer')) }))
        .statusCode,
    ).toBe(404);
    // expiry
    x.clock.advance(3601);
    expect((await x.app.inject({ method: 'GET', url: '/api/me', headers: { 'x-api-key': k.key } })).statusCode).toBe(
      401,
    );
    x.clock.advance(-3601);
    expect(
      (await x.app.inject({ method: 'DELETE', url: `/api/keys/${k.id}`, headers: bearer(await x.token('analyst')) }))
        .statusCode,
    ).toBe(204);
    expect((await x.app.inject({ method: 'GET', url: '/api/me', headers: { 'x-api-key': k.key } })).statusCode).toBe(
      401,
    );
    const bogus = await x.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { 'x-api-key': 'dmarc_AAAAAAAA_' + 'x'.repeat(43) },
    });
    expect(bogus.statusCode).toBe(401);
  });

  it('admin session cookie: opens /admin pages in a browser, only there, only for admins', async () => {
    const admin = await x.app.inject({
      method: 'POST',
      url: '/auth/admin-session',
      headers: bearer(await x.token('admin')),
    });
    expect(admin.statusCode).toBe(204);
    const cookie = admin.cookies.find((c) => c.name === 'dmarc_admin')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
    const board = await x.app.inject({ method: 'GET', url: '/admin/queues', cookies: { dmarc_admin: cookie.value } });
    expect(board.statusCode).toBe(200);
    expect(board.headers['content-type']).toMatch(/text\/html/);
    // not a credential anywhere else
    const api = await x.app.inject({ method: 'GET', url: '/api/me', cookies: { dmarc_admin: cookie.value } });
    expect(api.statusCode).toBe(401);
    expect((await x.app.inject({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(401);
    const viewer = await x.app.inject({
      method: 'POST',
      url: '/auth/admin-session',
      headers: bearer(await x.token('viewer')),
    });
    expect(viewer.statusCode).toBe(403);
    // it expires with the access token
    x.clock.advance(16 * 60);
    expect(
      (await x.app.inject({ method: 'GET', url: '/admin/queues', cookies: { dmarc_admin: cookie.value } })).statusCode,
    ).toBe(401);
  });
});
