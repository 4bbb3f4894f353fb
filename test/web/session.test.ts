// The session's token logic with a fake clock and a fake server: refresh scheduling, silent refresh at
// start, 401 handling, expiry, logout.
import { describe, expect, it } from 'vitest';
import {
  Session,
  hasRole,
  refreshDelayMs,
  retryDelayMs,
  type SessionDeps,
  type SessionState,
} from '../../web/src/lib/session';

const USER = { id: 1, email: 'a@example.com', name: 'A', role: 'analyst' as const };

function tokenBody(n: number, expiresIn = 900) {
  return { accessToken: `access-${n}`, refreshToken: `refresh-${n}`, expiresIn, user: USER };
}

function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** A fake server, timers run by hand, a clock moved by hand. */
function harness(answers: Record<string, (() => Response | Promise<Response>)[]>, hint = true) {
  let now = 1_000_000;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  const calls: { url: string; init?: RequestInit }[] = [];
  let hinted = hint;
  const deps: SessionDeps = {
    fetch: async (url, init) => {
      calls.push({ url, init });
      const q = answers[url];
      const next = q?.shift();
      if (!next) throw new Error(`unexpected request ${url}`);
      return next();
    },
    setTimer: (fn, ms) => {
      const t = { at: now + ms, fn, id: nextId++ };
      timers.push(t);
      return t.id;
    },
    clearTimer: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    now: () => now,
    hint: { get: () => hinted, set: (on) => (hinted = on) },
  };
  const session = new Session(deps);
  const states: SessionState['status'][] = [];
  session.subscribe((s) => states.push(s.status));
  return {
    session,
    calls,
    states,
    timers,
    hinted: () => hinted,
    /** Moves the clock to the next timer and runs it. */
    async tick(): Promise<number> {
      timers.sort((a, b) => a.at - b.at);
      const t = timers.shift();
      if (!t) throw new Error('no timer');
      const waited = t.at - now;
      now = t.at;
      t.fn();
      await new Promise((r) => setTimeout(r, 0));
      return waited;
    },
  };
}

describe('refresh scheduling', () => {
  it('refreshes shortly before expiry', () => {
    expect(refreshDelayMs(900)).toBe(840_000); // 15 min token: a minute early
    expect(refreshDelayMs(60)).toBe(48_000); // short tokens: 20% early
    expect(refreshDelayMs(10)).toBe(5_000); // at least 5 s early
    expect(refreshDelayMs(3)).toBe(1_000); // never sooner than a second
    expect(refreshDelayMs(0)).toBe(1_000);
    expect(refreshDelayMs(Number.NaN)).toBe(1_000);
  });
  it('backs off on network failures', () => {
    expect([0, 1, 2, 3, 10].map(retryDelayMs)).toEqual([2000, 4000, 8000, 16000, 60000]);
  });
  it('ranks roles', () => {
    expect(hasRole(USER, 'viewer')).toBe(true);
    expect(hasRole(USER, 'analyst')).toBe(true);
    expect(hasRole(USER, 'admin')).toBe(false);
    expect(hasRole(null, 'viewer')).toBe(false);
  });
});

describe('Session', () => {
  it('signs in silently through the refresh cookie at start, and keeps refreshing before expiry', async () => {
    const h = harness({ '/auth/refresh': [() => json(200, tokenBody(1)), () => json(200, tokenBody(2))] });
    await h.session.start();
    expect(h.session.state).toEqual({ status: 'signed-in', user: USER });
    expect(h.session.authHeaders()).toEqual({ authorization: 'Bearer access-1' });
    // the refresh token travels only as the cookie: the body is empty, credentials are sent
    expect(h.calls[0]!.init?.body).toBe('{}');
    expect(h.calls[0]!.init?.credentials).toBe('same-origin');
    expect(h.timers).toHaveLength(1);
    expect(await h.tick()).toBe(840_000);
    expect(h.session.authHeaders()).toEqual({ authorization: 'Bearer access-2' });
    expect(h.timers).toHaveLength(1);
  });

  it('shows the login page without a request when this browser never signed in', async () => {
    const h = harness({}, false);
    await h.session.start();
    expect(h.session.state.status).toBe('signed-out');
    expect(h.calls).toHaveLength(0);
  });

  it('is signed out when the cookie is missing or revoked', async () => {
    const h = harness({
      '/auth/refresh': [() => json(401, { status: 401, title: 'Unauthorized', detail: 'no refresh token' })],
    });
    await h.session.start();
    expect(h.session.state).toEqual({ status: 'signed-out' });
    expect(h.session.authHeaders()).toEqual({});
    expect(h.hinted()).toBe(false);
  });

  it('logs in, then logs out (cookie revoked by the server, token forgotten)', async () => {
    const h = harness(
      { '/auth/login': [() => json(200, tokenBody(1))], '/auth/logout': [() => json(204, null)] },
      false,
    );
    await h.session.start();
    const user = await h.session.login('a@example.com', 'pw');
    expect(user).toEqual(USER);
    expect(h.hinted()).toBe(true);
    expect(JSON.parse(String(h.calls[0]!.init?.body))).toEqual({ email: 'a@example.com', password: 'pw' });
    await h.session.logout();
    expect(h.calls[1]!.url).toBe('/auth/logout');
    expect((h.calls[1]!.init?.headers as Record<string, string>).authorization).toBe('Bearer access-1');
    expect(h.session.state).toEqual({ status: 'signed-out', reason: 'logged-out' });
    expect(h.session.authHeaders()).toEqual({});
    expect(h.timers).toHaveLength(0);
  });

  it('a refused login throws the problem and stays signed out', async () => {
    const h = harness(
      {
        '/auth/login': [
          () =>
            json(401, {
              status: 401,
              title: 'Unauthorized',
              detail: 'wrong e-mail or password',
              code: 'invalid_credentials',
            }),
        ],
      },
      false,
    );
    await h.session.start();
    await expect(h.session.login('a@example.com', 'bad')).rejects.toMatchObject({
      status: 401,
      message: 'wrong e-mail or password',
    });
    expect(h.session.state.status).toBe('signed-out');
  });

  it('on a 401 from the API, refreshes once for all waiting requests', async () => {
    let release: (r: Response) => void = () => undefined;
    const h = harness({
      '/auth/refresh': [() => json(200, tokenBody(1)), () => new Promise<Response>((r) => (release = r))],
    });
    await h.session.start();
    const a = h.session.onUnauthorized();
    const b = h.session.onUnauthorized();
    await new Promise((r) => setTimeout(r, 0));
    release(json(200, tokenBody(2)));
    expect(await Promise.all([a, b])).toEqual([true, true]);
    expect(h.calls.filter((c) => c.url === '/auth/refresh')).toHaveLength(2);
    expect(h.session.authHeaders()).toEqual({ authorization: 'Bearer access-2' });
  });

  it('a scheduled refresh that fires while a 401 refresh is in flight shares its request', async () => {
    let release: (r: Response) => void = () => undefined;
    const h = harness({
      '/auth/refresh': [() => json(200, tokenBody(1)), () => new Promise<Response>((r) => (release = r))],
    });
    await h.session.start();
    const a = h.session.onUnauthorized();
    await h.tick(); // the timer fires meanwhile: no second request with the same refresh token
    release(json(200, tokenBody(2)));
    expect(await a).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(h.calls.filter((c) => c.url === '/auth/refresh')).toHaveLength(2);
    expect(h.session.state.status).toBe('signed-in');
    expect(h.session.authHeaders()).toEqual({ authorization: 'Bearer access-2' });
  });

  it('ends the session (expired) when a refresh is refused', async () => {
    const h = harness({
      '/auth/refresh': [() => json(200, tokenBody(1)), () => json(401, { status: 401, detail: 'revoked' })],
    });
    await h.session.start();
    expect(await h.session.onUnauthorized()).toBe(false);
    expect(h.session.state).toEqual({ status: 'signed-out', reason: 'expired' });
    expect(h.states).toEqual(['signed-in', 'signed-out']);
  });

  it('retries a scheduled refresh that failed on the network while the token is still valid, then gives up', async () => {
    const down = () => Promise.reject(new TypeError('network down'));
    const h = harness({ '/auth/refresh': [() => json(200, tokenBody(1, 60)), down, down, down, down] });
    await h.session.start();
    expect(await h.tick()).toBe(48_000); // scheduled refresh: fails
    expect(await h.tick()).toBe(2_000); // retry 1: fails
    expect(await h.tick()).toBe(4_000); // retry 2: fails; 6 s left < 8 s back-off
    expect(h.session.state).toEqual({ status: 'signed-out', reason: 'expired' });
    expect(h.timers).toHaveLength(0);
  });

  it('treats a server without /auth as open (no sign-in)', async () => {
    const h = harness({ '/auth/refresh': [() => json(404, { status: 404, detail: 'no route' })] });
    await h.session.start();
    expect(h.session.state.status).toBe('open');
    expect(h.session.user?.role).toBe('admin');
    expect(h.hinted()).toBe(true);
    expect(await h.session.onUnauthorized()).toBe(false);
  });

  it('finds a server without /auth at login, and remembers it for the next load', async () => {
    const h = harness({ '/auth/login': [() => json(404, { status: 404, detail: 'no route' })] }, false);
    await h.session.start();
    expect(h.session.state.status).toBe('signed-out');
    expect((await h.session.login('x@example.com', 'pw')).role).toBe('admin');
    expect(h.session.state.status).toBe('open');
    expect(h.hinted()).toBe(true);
  });

  it('says so when the server cannot be reached at start', async () => {
    const h = harness({ '/auth/refresh': [() => Promise.reject(new TypeError('down'))] });
    await h.session.start();
    expect(h.session.state.status).toBe('unreachable');
  });

  it('follows a logout in another tab', async () => {
    const h = harness({ '/auth/refresh': [() => json(200, tokenBody(1))] });
    await h.session.start();
    h.session.remoteLogout();
    expect(h.session.state).toEqual({ status: 'signed-out', reason: 'logged-out' });
    expect(h.timers).toHaveLength(0);
  });
});
