// Small hardening findings of the auth routes: the body of /auth/refresh and /auth/logout is optional (the
// cookie carries the token), and answers that carry a token, a key or a password are never cached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, TEST_PASSWORD, type TestApp } from '../support/app.js';
import { availableEngines } from '../support/db.js';

describe.each(availableEngines())('auth answers on %s', (engine) => {
  let x: TestApp;
  beforeAll(async () => {
    x = await createTestApp(engine, { DMARC_RATE_LIMIT_PER_MINUTE: '100000' });
  });
  afterAll(async () => {
    await x?.close();
  });

  async function login() {
    const r = await x.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'analyst@example.com', password: TEST_PASSWORD }),
    });
    expect(r.statusCode).toBe(200);
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    return { r, cookie, accessToken: r.json<{ accessToken: string }>().accessToken };
  }

  it('login answers are not cached', async () => {
    const { r } = await login();
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['no content type, no body', {}, undefined],
    ['a JSON content type and an empty body', { 'content-type': 'application/json' }, ''],
    ['a JSON content type and blanks', { 'content-type': 'application/json' }, '  \n'],
  ])('refresh and logout with the cookie alone (%s)', async (_what, headers, payload) => {
    const { cookie, accessToken } = await login();
    const refreshed = await x.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      headers: { ...headers, cookie },
      payload,
    });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    expect(refreshed.headers['cache-control']).toBe('no-store');
    const next = String(refreshed.headers['set-cookie']).split(';')[0]!;
    const out = await x.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { ...headers, cookie: next, ...bearer(accessToken) },
      payload,
    });
    expect(out.statusCode, out.body).toBe(204);
    // the session is over: its refresh token is refused
    expect((await x.app.inject({ method: 'POST', url: '/auth/refresh', headers: { cookie: next } })).statusCode).toBe(
      401,
    );
  });

  it('signs out with the cookie alone once the access token expired; the session ends', async () => {
    const { cookie, accessToken } = await login();
    // the dashboard left open: its access token is past its 15 minutes, the refresh cookie is not
    x.clock.advance(20 * 60);
    const out = await x.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie, ...bearer(accessToken) },
    });
    expect(out.statusCode, out.body).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
    const again = await x.app.inject({ method: 'POST', url: '/auth/refresh', headers: { cookie } });
    expect(again.statusCode).toBe(401);
    // the same token a second time: nothing to end, and nobody to answer to
    const twice = await x.app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie } });
    expect(twice.statusCode).toBe(401);
    expect(twice.json<{ code: string }>().code).toBe('invalid_token');
    // no token and no credential
    const none = await x.app.inject({ method: 'POST', url: '/auth/logout' });
    expect(none.statusCode).toBe(401);
    expect(none.json<{ code: string }>().code).toBe('invalid_token');
  });

  it("another user's access token does not end a session with a token it holds", async () => {
    const { cookie } = await login();
    const out = await x.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie, ...bearer(await x.token('viewer')) },
    });
    expect(out.statusCode).toBe(204);
    // the analyst's session goes on
    const refreshed = await x.app.inject({ method: 'POST', url: '/auth/refresh', headers: { cookie } });
    expect(refreshed.statusCode).toBe(200);
  });

  it('a body that is not JSON is still a 400', async () => {
    const r = await x.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      headers: { 'content-type': 'application/json' },
      payload: '{"refreshToken":',
    });
    expect(r.statusCode).toBe(400);
  });

  it('a new API key and a generated password are answered with no-store', async () => {
    const admin = { ...bearer(await x.token('admin')), 'content-type': 'application/json' };
    const key = await x.app.inject({ method: 'POST', url: '/api/keys', headers: admin, payload: '{"name":"k"}' });
    expect(key.statusCode).toBe(201);
    expect(key.headers['cache-control']).toBe('no-store');
    const user = await x.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: admin,
      payload: JSON.stringify({ email: 'fresh@example.com', name: 'fresh', role: 'viewer' }),
    });
    expect(user.statusCode).toBe(201);
    expect(user.headers['cache-control']).toBe('no-store');
  });
});
