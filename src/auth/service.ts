// Authentication and user management: what the HTTP routes and the CLI call. Errors are typed (AuthError,
// UserConflictError) so that the edges turn them into 401/409/429 answers or CLI messages.
import type { Database } from '../store/database.js';
import { AccessTokens } from './access-tokens.js';
import { ApiKeys, type ApiKey } from './api-keys.js';
import { audit, type AuditEntry } from './audit.js';
import { systemClock, type Clock } from './clock.js';
import type { FailureCounter } from './failure-counter.js';
import { MemoryFailureCounter } from './failure-counter.js';
import { KNOWN_ADDRESS_SECONDS, LOGIN_WINDOW_SECONDS, limitOf, loginBudgets, loginKeys } from './login-limits.js';
import {
  BCRYPT_COST,
  burnPasswordCheck,
  generatePassword,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from './passwords.js';
import { RefreshTokens } from './refresh-tokens.js';
import type { UserRole } from './roles.js';
import {
  countUsers,
  findUserByEmail,
  getUser,
  insertUser,
  listUsers,
  lockAdmins,
  setPasswordHash,
  touchLogin,
  updateUser,
  type User,
} from './users.js';

export { LOGIN_WINDOW_SECONDS };

export class AuthError extends Error {
  constructor(
    readonly code: 'invalid_credentials' | 'invalid_token' | 'too_many_failures' | 'invalid_password',
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface AuthOptions {
  secret: Uint8Array;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Attempts per (account, address) and 15 minutes; the other login budgets are multiples (login-limits.ts). */
  loginMaxFailures: number;
  clock?: Clock;
  failures?: FailureCounter;
  /** bcrypt cost; 12 unless a test needs speed. */
  bcryptCost?: number;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: PublicUser;
}

export interface PublicUser {
  id: number;
  email: string;
  name: string;
  role: UserRole;
  active: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

/** Who is calling: resolved from an access token or an API key. */
export interface Principal {
  user: User;
  via: 'token' | 'api_key';
  apiKeyId?: number;
}

export function publicUser(u: User): PublicUser {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    active: u.active,
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
  };
}

export class AuthService {
  readonly clock: Clock;
  readonly access: AccessTokens;
  readonly refresh: RefreshTokens;
  readonly keys: ApiKeys;
  private readonly failures: FailureCounter;
  private readonly cost: number;

  constructor(
    private readonly db: Database,
    private readonly options: AuthOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.access = new AccessTokens(options.secret, options.accessTokenTtlSeconds, this.clock);
    this.refresh = new RefreshTokens(db, options.refreshTokenTtlSeconds, this.clock);
    this.keys = new ApiKeys(db, this.clock);
    this.failures = options.failures ?? new MemoryFailureCounter(this.clock);
    this.cost = options.bcryptCost ?? BCRYPT_COST;
  }

  get refreshTokenTtlSeconds(): number {
    return this.options.refreshTokenTtlSeconds;
  }

  record(e: AuditEntry): Promise<void> {
    return audit(this.db, e, this.clock.now());
  }

  private async session(user: User): Promise<Session> {
    return {
      accessToken: await this.access.sign(user.id),
      refreshToken: await this.refresh.issue(user.id),
      expiresIn: this.access.expiresIn,
      user: publicUser(user),
    };
  }

  /**
   * Password login, limited per (account, address), per address and per account (see login-limits.ts). The
   * attempt is reserved in every budget before its password is checked, so parallel guesses cannot overrun
   * them; past a budget, 429 with the time to wait, whether the password is right or not. A success clears its
   * (account, address) pair, gives its attempt back to the other budgets and marks the address as known.
   */
  async login(email: string, password: string, ip: string): Promise<Session> {
    const keys = loginKeys(email, ip);
    const known = await this.failures.isMarked(keys.known);
    const budgets = loginBudgets(keys, this.options.loginMaxFailures, known);
    const reservation = await this.failures.reserve(budgets);
    if (!reservation.ok) {
      await this.record({
        actorId: null,
        actor: email,
        action: 'login',
        ip,
        outcome: 'denied',
        details: { reason: 'too many failures', limits: reservation.spent.map((k) => limitOf(keys, k)) },
      });
      throw new AuthError(
        'too_many_failures',
        'too many failed logins; try again later',
        reservation.retryAfterSeconds,
      );
    }
    const reserved = budgets.map((b) => b.key);
    let user: Awaited<ReturnType<typeof findUserByEmail>>;
    let ok: boolean;
    try {
      user = await findUserByEmail(this.db, email);
      // An unknown account costs the same bcrypt check as a known one.
      ok = user ? await verifyPassword(password, user.passwordHash) : await burnPasswordCheck(password, this.cost);
    } catch (err) {
      // Not a wrong password but a fault of ours (database, hashing): the attempt is given back.
      await this.failures.release(reserved).catch(() => undefined);
      throw err;
    }
    if (!user || !ok || !user.active) {
      // The reservation stays: it is the failure's count.
      await this.record({
        actorId: user?.id ?? null,
        actor: email,
        action: 'login',
        ip,
        outcome: 'failure',
        details: { reason: !user ? 'unknown account' : !ok ? 'wrong password' : 'account deactivated' },
      });
      throw new AuthError('invalid_credentials', 'wrong e-mail or password');
    }
    await Promise.all([
      this.failures.reset([keys.pair, keys.strikes]),
      this.failures.release(reserved.filter((k) => k !== keys.pair)),
      this.failures.mark(keys.known, KNOWN_ADDRESS_SECONDS),
    ]);
    await touchLogin(this.db, user.id, this.clock.now());
    await this.record({ actorId: user.id, actor: user.email, action: 'login', ip, outcome: 'success' });
    return this.session({ ...user, lastLoginAt: this.clock.now() });
  }

  async refreshSession(token: string, ip: string): Promise<Session> {
    const r = await this.refresh.rotate(token);
    if (!r.ok) {
      if (r.reason === 'reused') {
        const u = r.userId !== undefined ? await getUser(this.db, r.userId) : undefined;
        await this.record({
          actorId: r.userId ?? null,
          actor: u?.email ?? 'anonymous',
          action: 'refresh_token_reuse',
          ip,
          outcome: 'denied',
          details: { effect: 'session revoked' },
        });
      }
      throw new AuthError('invalid_token', 'the refresh token is not valid; log in again');
    }
    const user = await getUser(this.db, r.userId);
    if (!user || !user.active) {
      await this.refresh.revokeAllOf(r.userId);
      throw new AuthError('invalid_token', 'the refresh token is not valid; log in again');
    }
    return {
      accessToken: await this.access.sign(user.id),
      refreshToken: r.token,
      expiresIn: this.access.expiresIn,
      user: publicUser(user),
    };
  }

  async logout(token: string, principal: Principal, ip: string): Promise<void> {
    const owner = await this.refresh.peekOwner(token);
    // One user cannot end another's session with a token they somehow hold.
    if (owner !== undefined && owner === principal.user.id) await this.refresh.revoke(token);
    await this.record({
      actorId: principal.user.id,
      actor: principal.user.email,
      action: 'logout',
      ip,
      outcome: 'success',
    });
  }

  /** The active user behind an access token or API key, else undefined. */
  async authenticate(credential: { bearer?: string; apiKey?: string }): Promise<Principal | undefined> {
    if (credential.bearer !== undefined) {
      const claims = await this.access.verify(credential.bearer);
      if (!claims) return undefined;
      const user = await getUser(this.db, claims.userId);
      return user?.active ? { user, via: 'token' } : undefined;
    }
    if (credential.apiKey !== undefined) {
      const k = await this.keys.authenticate(credential.apiKey);
      if (!k) return undefined;
      const user = await getUser(this.db, k.userId);
      return user?.active ? { user, via: 'api_key', apiKeyId: k.keyId } : undefined;
    }
    return undefined;
  }

  // --- users ---

  countUsers(): Promise<number> {
    return countUsers(this.db);
  }

  /** Creates a user; without a password one is generated and returned (once). */
  async createUser(input: {
    email: string;
    name: string;
    role: UserRole;
    password?: string;
  }): Promise<{ user: User; generatedPassword: string | null }> {
    const generated = input.password === undefined ? generatePassword() : null;
    const password = input.password ?? generated!;
    const problem = passwordProblem(password);
    if (problem) throw new AuthError('invalid_password', `password ${problem}`);
    const user = await insertUser(this.db, {
      email: input.email,
      name: input.name,
      role: input.role,
      passwordHash: await hashPassword(password, this.cost),
    });
    return { user, generatedPassword: generated };
  }

  listUsers(opts: { limit: number; afterId?: number }) {
    return listUsers(this.db, opts);
  }

  getUser(id: number): Promise<User | undefined> {
    return getUser(this.db, id);
  }

  findUserByEmail(email: string) {
    return findUserByEmail(this.db, email);
  }

  /** Edits a user; demoting or deactivating the last active admin is a UserConflictError. */
  async updateUser(
    id: number,
    change: { name?: string; role?: UserRole; active?: boolean },
  ): Promise<User | undefined> {
    const user = await this.db.transaction(async (tx) => {
      await lockAdmins(tx);
      return updateUser(tx, id, change);
    });
    if (user && change.active === false) await this.refresh.revokeAllOf(id);
    return user;
  }

  /** Sets a new password (generated when none is given) and ends the user's sessions. */
  async resetPassword(id: number, password?: string): Promise<string | null> {
    const generated = password === undefined ? generatePassword() : null;
    const pw = password ?? generated!;
    const problem = passwordProblem(pw);
    if (problem) throw new AuthError('invalid_password', `password ${problem}`);
    await setPasswordHash(this.db, id, await hashPassword(pw, this.cost));
    await this.refresh.revokeAllOf(id);
    return generated;
  }

  // --- API keys ---

  createApiKey(userId: number, name: string, expiresAt: Date | null): Promise<{ key: string; record: ApiKey }> {
    return this.keys.create(userId, name, expiresAt);
  }

  listApiKeys(userId: number): Promise<ApiKey[]> {
    return this.keys.list(userId);
  }

  revokeApiKey(userId: number, id: number): Promise<boolean> {
    return this.keys.revoke(userId, id);
  }
}
