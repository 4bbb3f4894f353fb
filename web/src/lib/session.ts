// The signed-in session: the access token lives in memory only; the refresh token is an HttpOnly cookie the
// browser sends to /auth/refresh, so a reload (or a new tab) gets a fresh access token silently. A refresh is
// scheduled before the access token expires; when it fails for good the session ends (and the app shows the
// login page). Timers, fetch and the cross-tab lock are injected, so that the logic is tested without a
// browser.
import { ApiError, toProblem } from './problem';

export type Role = 'viewer' | 'analyst' | 'admin';
export const ROLE_RANK: Record<Role, number> = { viewer: 1, analyst: 2, admin: 3 };

export interface User {
  id: string | number;
  email: string;
  name: string;
  /** In the organisation of the page (the token's answer: the default organisation). */
  role: Role;
  /** Manages every organisation. */
  platformAdmin?: boolean;
}

export interface TokenResponse {
  accessToken: string;
  expiresIn: number;
  user: User;
}

export type SessionState =
  | { status: 'starting' }
  | { status: 'signed-out'; reason?: 'expired' | 'logged-out' }
  | { status: 'signed-in'; user: User }
  /** The server has no authentication (before the auth module): everything is open. */
  | { status: 'open'; user: User }
  | { status: 'unreachable'; message: string };

export function hasRole(user: User | null | undefined, role: Role): boolean {
  return !!user && (ROLE_RANK[user.role] ?? 0) >= ROLE_RANK[role];
}

/**
 * When to refresh an access token that lives `expiresIn` seconds: shortly before it expires, leaving a
 * margin of 20% of its life, at least 5 s and at most 60 s; never sooner than 1 s.
 */
export function refreshDelayMs(expiresIn: number): number {
  if (!Number.isFinite(expiresIn) || expiresIn <= 0) return 1000;
  const margin = Math.min(60, Math.max(5, expiresIn * 0.2));
  return Math.max(1000, Math.round((expiresIn - margin) * 1000));
}

/** Back-off for a refresh that failed on the network: 2 s, 4 s, 8 s … at most 60 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(60_000, 2000 * 2 ** Math.max(0, attempt));
}

export interface SessionDeps {
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  setTimer: (fn: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
  now: () => number;
  /** Runs fn while holding a lock shared by all tabs (navigator.locks), so that two tabs never rotate the same refresh token. */
  withLock?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Tells other tabs about a logout. */
  broadcast?: (message: 'logout') => void;
  /**
   * Remembers (in localStorage: a flag, never a token) whether this browser has a session, so that a first
   * visit shows the login page without a refresh request bound to fail.
   */
  hint?: { get(): boolean; set(on: boolean): void };
}

type RefreshResult = 'ok' | 'refused' | 'no-auth' | 'network';

const OPEN_USER: User = { id: 0, email: '', name: 'Open access (authentication not enabled)', role: 'admin' };

function isTokenResponse(v: unknown): v is TokenResponse {
  const t = v as TokenResponse | null;
  return !!t && typeof t.accessToken === 'string' && typeof t.expiresIn === 'number' && !!t.user;
}

export class Session {
  private token: string | null = null;
  private expiresAt = 0;
  private timer: unknown = null;
  private inflight: Promise<RefreshResult> | null = null;
  private listeners = new Set<(s: SessionState) => void>();
  state: SessionState = { status: 'starting' };

  constructor(private readonly deps: SessionDeps) {}

  subscribe(fn: (s: SessionState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const fn of this.listeners) fn(state);
  }

  get user(): User | null {
    return this.state.status === 'signed-in' || this.state.status === 'open' ? this.state.user : null;
  }

  /** Headers that authenticate an API request. */
  authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  /** At page load: a silent refresh through the cookie decides whether we are signed in. */
  async start(): Promise<void> {
    if (this.deps.hint && !this.deps.hint.get()) {
      this.set({ status: 'signed-out' });
      return;
    }
    const r = await this.refreshOnce();
    if (r === 'ok') return;
    if (r === 'no-auth') {
      this.deps.hint?.set(true);
      this.set({ status: 'open', user: OPEN_USER });
      return;
    }
    if (r === 'network') {
      this.set({ status: 'unreachable', message: 'The server could not be reached.' });
      return;
    }
    this.deps.hint?.set(false);
    this.set({ status: 'signed-out' });
  }

  async login(email: string, password: string): Promise<User> {
    const res = await this.deps.fetch('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ email, password }),
    });
    if (res.status === 404) {
      // A server without authentication: nothing to sign in to (and nothing to ask for at the next load).
      this.deps.hint?.set(true);
      this.set({ status: 'open', user: OPEN_USER });
      return OPEN_USER;
    }
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok || !isTokenResponse(body)) throw new ApiError(toProblem(res.status, body, res.statusText));
    this.accept(body);
    return body.user;
  }

  async logout(): Promise<void> {
    const headers = { 'content-type': 'application/json', ...this.authHeaders() };
    this.clear();
    try {
      await this.deps.fetch('/auth/logout', { method: 'POST', headers, credentials: 'same-origin', body: '{}' });
    } catch {
      // Signed out locally either way; the refresh token expires on its own.
    }
    this.deps.broadcast?.('logout');
    this.set({ status: 'signed-out', reason: 'logged-out' });
  }

  /** Another tab logged out. */
  remoteLogout(): void {
    if (this.state.status !== 'signed-in') return;
    this.clear();
    this.set({ status: 'signed-out', reason: 'logged-out' });
  }

  /**
   * The API answered 401: refresh once (shared by every request that gets a 401 meanwhile). True when a new
   * access token is there to retry with; false ends the session.
   */
  async onUnauthorized(): Promise<boolean> {
    if (this.state.status === 'open') return false;
    const ok = await this.refresh();
    if (!ok) this.expire();
    return ok;
  }

  /** Single-flight refresh: true when a new access token was obtained. */
  async refresh(): Promise<boolean> {
    return (await this.refreshOnce()) === 'ok';
  }

  /**
   * Every refresh of this tab — at load, on a 401, on the timer — is this one request while it is in flight:
   * two at once would present the same refresh token twice.
   */
  private refreshOnce(): Promise<RefreshResult> {
    this.inflight ??= this.callRefresh().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async callRefresh(): Promise<RefreshResult> {
    const run = async (): Promise<RefreshResult> => {
      let res: Response;
      try {
        res = await this.deps.fetch('/auth/refresh', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          credentials: 'same-origin',
          body: '{}',
        });
      } catch {
        return 'network';
      }
      if (res.status === 404) return 'no-auth';
      const body: unknown = await res.json().catch(() => null);
      if (res.ok && isTokenResponse(body)) {
        this.accept(body);
        return 'ok';
      }
      return res.status >= 500 ? 'network' : 'refused';
    };
    return this.deps.withLock ? this.deps.withLock(run) : run();
  }

  private accept(t: TokenResponse): void {
    this.deps.hint?.set(true);
    this.token = t.accessToken;
    this.expiresAt = this.deps.now() + t.expiresIn * 1000;
    this.schedule(refreshDelayMs(t.expiresIn), 0);
    if (this.state.status !== 'signed-in' || this.state.user.id !== t.user.id || this.state.user.role !== t.user.role) {
      this.set({ status: 'signed-in', user: t.user });
    }
  }

  private schedule(ms: number, attempt: number): void {
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    this.timer = this.deps.setTimer(() => {
      this.timer = null;
      void this.scheduled(attempt);
    }, ms);
  }

  private async scheduled(attempt: number): Promise<void> {
    const r = await this.refreshOnce();
    if (r === 'ok') return;
    if (r === 'network') {
      const left = this.expiresAt - this.deps.now();
      const wait = retryDelayMs(attempt);
      if (left > wait) {
        this.schedule(wait, attempt + 1);
        return;
      }
    }
    this.expire();
  }

  private expire(): void {
    const was = this.state.status;
    this.clear();
    if (was === 'signed-in') this.set({ status: 'signed-out', reason: 'expired' });
    else if (was !== 'signed-out') this.set({ status: 'signed-out' });
  }

  private clear(): void {
    this.deps.hint?.set(false);
    this.token = null;
    this.expiresAt = 0;
    if (this.timer !== null) this.deps.clearTimer(this.timer);
    this.timer = null;
  }
}
