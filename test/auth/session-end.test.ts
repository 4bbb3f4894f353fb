// An access token ends with its session (hardening finding: tokens stayed valid up to 15 minutes after logout, a
// password reset or the detection of a re-used refresh token). Each token names its session; every request
// checks that the session is open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, TEST_PASSWORD, type TestApp } from '../support/app.js';
import { availableEngines } from '../support/db.js';

interface SessionBody {
  accessToken: string;
  refreshToken: string;
  user: { id: number };
}

describe.each(availableEngines())('sessions end their tokens on %s', (engine) => {
  let x: TestApp;
  beforeAll(async () => {
    x = await createTestApp(engine, { DMARC_RATE_LIMIT_PER_MINUTE: '100000', DMARC_LOGIN_MAX_FAILURES: '100' });
  });
  afterAll(async () => {
    await x?.close();
  });

  const login = async (email = 'analyst@example.com'): Promise<SessionBody> => {
    const r = await x.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email, password: TEST_PASSWORD }),
    });
    expect(r.statusCode, r.body).toBe(200);
    return r.json<SessionBody>();
  };
  const works = async (token: string) =>
    (await x.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })).statusCode === 200;

  it('logout ends the access token at once; another session of the same user goes on', async () => {
    const a = await login();
    const b = await login();
    expect(await works(a.accessToken)).toBe(true);
    const out = await x.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { ...bearer(a.accessToken), 'content-type': 'application/json' },
      payload: JSON.stringify({ refreshToken: a.refreshToken }),
    });
    expect(out.statusCode).toBe(204);
    expect(await works(a.accessToken)).toBe(false);
    expect(await works(b.accessToken)).toBe(true);
  });

  it('a re-used refresh token ends the session and its access tokens', async () => {
    const s = await login();
    const refresh = (token: string) =>
      x.app.inject({
        method: 'POST',
        url: '/auth/refresh',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ refreshToken: token }),
      });
    const next = (await refresh(s.refreshToken)).json<SessionBody>();
    expect(await works(next.accessToken)).toBe(true);
    // the old refresh token again, after DMARC_REFRESH_REUSE_GRACE_SECONDS (30 s: within it a page that navigated
    // away mid-refresh keeps its session): theft detection revokes the session
    x.clock.advance(31);
    expect((await refresh(s.refreshToken)).statusCode).toBe(401);
    expect(await works(next.accessToken)).toBe(false);
    expect(await works(s.accessToken)).toBe(false);
  });

  it('a password reset ends every session of the user', async () => {
    const { user } = await x.auth.createUser({
      email: 'resetme@example.com',
      name: 'reset me',
      password: TEST_PASSWORD,
      member: { orgId: 1, role: 'viewer' },
    });
    const a = await login('resetme@example.com');
    const b = await login('resetme@example.com');
    await x.auth.resetPassword(user.id, 'an entirely new password');
    expect(await works(a.accessToken)).toBe(false);
    expect(await works(b.accessToken)).toBe(false);
  });
});
