// Authentication and user management: what the HTTP routes and the CLI call. Errors are typed (AuthError,
// UserConflictError) so that the edges turn them into 401/409/429 answers or CLI messages.
import crypto from 'node:crypto';
import type { Database } from '../store/database.js';
import {
  countOtherOrgAdmins,
  defaultOrgAccess,
  deleteMembership,
  getMembership,
  listOrgAccess,
  lockOrgAdmins,
  orgAccessById,
  orgAccessBySlug,
  otherMembershipCount,
  upsertMembership,
  type MemberRole,
  type OrgAccess,
} from '../store/memberships.js';
import { AccessTokens } from './access-tokens.js';
import { ApiKeys, type ApiKey } from './api-keys.js';
import { audit, auditRepeated, type AuditEntry } from './audit.js';
import { systemClock, type Clock } from './clock.js';
import type { FailureCounter } from './failure-counter.js';
import { MemoryFailureCounter } from './failure-counter.js';
import {
  KNOWN_ADDRESS_SECONDS,
  LOGIN_WINDOW_SECONDS,
  limitOf,
  loginBudgets,
  loginKeys,
  type LoginKeys,
} from './login-limits.js';
import {
  BCRYPT_COST,
  burnPasswordCheck,
  generatePassword,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from './passwords.js';
import { RefreshTokens } from './refresh-tokens.js';
import {
  UserConflictError,
  countUsers,
  findUserByEmail,
  getMember,
  getUser,
  insertUser,
  listMembers,
  listUsers,
  lockPlatformAdmins,
  setPasswordHash,
  touchLogin,
  updateUser,
  type Member,
  type User,
} from './users.js';
import { AppError } from '../model/errors.js';

export { LOGIN_WINDOW_SECONDS };

/** Statuses from the catalogue: 401, 429 (with Retry-After), 400 for a password that is refused. */
export class AuthError extends AppError {
  constructor(
    override readonly code: 'invalid_credentials' | 'invalid_token' | 'too_many_failures' | 'invalid_password',
    message: string,
    retryAfterSeconds?: number,
  ) {
    super(code, message, {
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      ...(code === 'invalid_password' ? { errors: [{ field: 'password', message }] } : {}),
    });
    this.name = 'AuthError';
  }
}

export interface AuthOptions {
  secret: Uint8Array;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Seconds a used refresh token may come back without ending its session (refresh-tokens.ts); 0 unless set. */
  refreshReuseGraceSeconds?: number;
  /** Attempts per (account, address) and 15 minutes; the other login budgets are multiples (login-limits.ts). */
  loginMaxFailures: number;
  /** API keys a user may hold at once (default 20). */
  maxKeysPerUser?: number;
  clock?: Clock;
  failures?: FailureCounter;
  /** bcrypt cost; 12 unless a test needs speed. */
  bcryptCost?: number;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  /** The user as seen in the session's organisation (role there). */
  user: PublicUser;
}

export interface PublicUser {
  id: number;
  email: string;
  name: string;
  /** Role in the organisation the answer is about (platform administrators are admins everywhere). */
  role: MemberRole;
  platformAdmin: boolean;
  active: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

/** Who is calling: resolved from an access token or an API key. */
export interface Principal {
  user: User;
  via: 'token' | 'api_key';
  apiKeyId?: number;
  /** API key: its organisation, the only one it reaches. Token: the organisation chosen at login, if any. */
  orgId?: number;
  /** Token: the login session it belongs to. */
  sessionId?: string;
}

/** The organisation a request acts in, and the caller's effective role there. */
export interface OrgContext {
  id: number;
  slug: string;
  name: string;
  role: MemberRole;
}

export function publicUser(u: User, role: MemberRole): PublicUser {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role,
    platformAdmin: u.platformAdmin,
    active: u.active,
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
  };
}

/** A platform administrator is an admin in every organisation; anyone else has their membership's role. */
function effective(user: User, access: OrgAccess): OrgContext | undefined {
  const role: MemberRole | null = user.platformAdmin ? 'admin' : access.role;
  return role === null ? undefined : { id: access.id, slug: access.slug, name: access.name, role };
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
    this.refresh = new RefreshTokens(
      db,
      options.refreshTokenTtlSeconds,
      this.clock,
      options.refreshReuseGraceSeconds ?? 0,
    );
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

  private async session(user: User, org: OrgContext | undefined, chosen: boolean): Promise<Session> {
    const orgId = chosen ? (org?.id ?? null) : null;
    const refresh = await this.refresh.issue(user.id, orgId);
    return {
      accessToken: await this.access.sign(user.id, orgId, refresh.family),
      refreshToken: refresh.token,
      expiresIn: this.access.expiresIn,
      user: publicUser(user, org?.role ?? 'viewer'),
    };
  }

  // --- organisations a user can enter ---

  /**
   * The organisation a request acts in: the one named (path `:org` or the X-Org header), else the one of the API
   * key or chosen at login, else the caller's default one. Undefined when it does not exist or the caller is not
   * a member (the API answers 404 either way: slugs cannot be probed). An API key never leaves its organisation.
   */
  async resolveOrg(p: Principal, named: string | undefined): Promise<OrgContext | undefined> {
    if (p.via === 'api_key') {
      const access = await orgAccessById(this.db, p.user.id, p.orgId!);
      if (!access || (named !== undefined && named !== access.slug)) return undefined;
      // the key's owner must still be a member (or a platform administrator)
      return effective(p.user, access);
    }
    if (named !== undefined) {
      const access = await orgAccessBySlug(this.db, p.user.id, named);
      return access ? effective(p.user, access) : undefined;
    }
    if (p.orgId !== undefined) {
      const access = await orgAccessById(this.db, p.user.id, p.orgId);
      const org = access ? effective(p.user, access) : undefined;
      if (org) return org;
    }
    const access = await defaultOrgAccess(this.db, p.user.id, p.user.platformAdmin);
    return access ? effective(p.user, access) : undefined;
  }

  /** Every organisation the user can enter, with their effective role there. */
  async organisationsOf(user: User): Promise<OrgContext[]> {
    return (await listOrgAccess(this.db, user.id, user.platformAdmin))
      .map((a) => effective(user, a))
      .filter((o): o is OrgContext => o !== undefined);
  }

  /**
   * Password login, limited per (account, address), per address and per account (see login-limits.ts). The
   * attempt is reserved in every budget before its password is checked, so parallel guesses cannot overrun
   * them; past a budget, 429 with the time to wait, whether the password is right or not. A success clears its
   * (account, address) pair, gives its attempt back to the other budgets and marks the address as known.
   */
  async login(email: string, password: string, ip: string, orgSlug?: string): Promise<Session> {
    const keys = loginKeys(email, ip);
    const known = await this.failures.isMarked(keys.known);
    const budgets = loginBudgets(keys, this.options.loginMaxFailures, known);
    const reservation = await this.failures.reserve(budgets);
    if (!reservation.ok) {
      await this.recordBlocked(email, ip, keys, reservation.spent);
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
    const principal: Principal = { user, via: 'token' };
    const org = await this.resolveOrg(principal, orgSlug);
    if (orgSlug !== undefined && !org) {
      // the password was right, but the organisation is not theirs (or does not exist): same answer either way
      throw new AuthError('invalid_credentials', `no organisation '${orgSlug}' for this account`);
    }
    await touchLogin(this.db, user.id, this.clock.now());
    await this.record({ actorId: user.id, actor: user.email, action: 'login', ip, outcome: 'success' });
    return this.session({ ...user, lastLoginAt: this.clock.now() }, org, orgSlug !== undefined);
  }

  /**
   * A login refused before its password was checked. An attacker can repeat it without end, so the log keeps one
   * row per spent budget and login window (a budget is an (account, address) pair, an address or an account:
   * repeats at random accounts from a blocked address are one row), counting the attempts in `details.count`.
   */
  private async recordBlocked(email: string, ip: string, keys: LoginKeys, spent: string[]): Promise<void> {
    const now = this.clock.now();
    const windowMs = LOGIN_WINDOW_SECONDS * 1000;
    const since = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
    const key = `login-blocked:${[...spent].sort().join(',')}:${since.toISOString()}`;
    await auditRepeated(
      this.db,
      {
        actorId: null,
        actor: email,
        action: 'login',
        ip,
        outcome: 'denied',
        details: { reason: 'too many failures', limits: spent.map((k) => limitOf(keys, k)) },
      },
      { key: crypto.createHash('sha256').update(key).digest('hex').slice(0, 32), since },
      now,
    );
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
    const org = await this.resolveOrg({ user, via: 'token', ...(r.orgId ? { orgId: r.orgId } : {}) }, undefined);
    return {
      accessToken: await this.access.sign(user.id, r.orgId, r.family),
      refreshToken: r.token,
      expiresIn: this.access.expiresIn,
      user: publicUser(user, org?.role ?? 'viewer'),
    };
  }

  /**
   * Ends the session of a refresh token. The token is the session's own credential, so it is enough on its own
   * (a browser whose access token expired can still sign out); with an access token or key of another user it
   * ends nothing — one user cannot end another's session with a token they somehow hold. False: nothing was
   * ended (unknown, revoked or expired token, or another user's).
   */
  async logout(token: string, principal: Principal | undefined, ip: string): Promise<boolean> {
    const owner = await this.refresh.peekOwner(token);
    const mine = owner !== undefined && (principal === undefined || owner === principal.user.id);
    const ended = mine ? (await this.refresh.revoke(token)) !== undefined : false;
    const actor = principal?.user ?? (ended && owner !== undefined ? await getUser(this.db, owner) : undefined);
    if (actor) {
      await this.record({ actorId: actor.id, actor: actor.email, action: 'logout', ip, outcome: 'success' });
    }
    return ended;
  }

  /** A logout with an access token or key and no refresh token: nothing to end but the audit entry. */
  async recordLogout(principal: Principal, ip: string): Promise<void> {
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
      // a token of a session that ended (logout, password reset, a re-used refresh token) ends with it
      if (claims.sessionId !== undefined && !(await this.refresh.isOpen(claims.sessionId))) return undefined;
      const user = await getUser(this.db, claims.userId);
      return user?.active
        ? {
            user,
            via: 'token',
            ...(claims.orgId ? { orgId: claims.orgId } : {}),
            ...(claims.sessionId ? { sessionId: claims.sessionId } : {}),
          }
        : undefined;
    }
    if (credential.apiKey !== undefined) {
      const k = await this.keys.authenticate(credential.apiKey);
      if (!k) return undefined;
      const user = await getUser(this.db, k.userId);
      return user?.active ? { user, via: 'api_key', apiKeyId: k.keyId, orgId: k.orgId } : undefined;
    }
    return undefined;
  }

  // --- users ---

  countUsers(): Promise<number> {
    return countUsers(this.db);
  }

  /**
   * Creates a user, optionally a member of an organisation; without a password one is generated and returned
   * (once). The user and the membership are created together or not at all.
   */
  async createUser(input: {
    email: string;
    name: string;
    password?: string;
    platformAdmin?: boolean;
    member?: { orgId: number; role: MemberRole };
  }): Promise<{ user: User; generatedPassword: string | null }> {
    const generated = input.password === undefined ? generatePassword() : null;
    const password = input.password ?? generated!;
    const problem = passwordProblem(password);
    if (problem) throw new AuthError('invalid_password', `password ${problem}`);
    const passwordHash = await hashPassword(password, this.cost);
    const user = await this.db.transaction(async (tx) => {
      const u = await insertUser(tx, {
        email: input.email,
        name: input.name,
        platformAdmin: input.platformAdmin ?? false,
        passwordHash,
      });
      if (input.member) await upsertMembership(tx, input.member.orgId, u.id, input.member.role);
      return u;
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

  /** Edits the user itself; removing the last active platform administrator is a UserConflictError. */
  async updateUser(
    id: number,
    change: { name?: string; active?: boolean; platformAdmin?: boolean },
  ): Promise<User | undefined> {
    const user = await this.db.transaction(async (tx) => {
      await lockPlatformAdmins(tx);
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

  // --- members of an organisation ---

  listMembers(orgId: number, opts: { limit: number; afterId?: number }) {
    return listMembers(this.db, orgId, opts);
  }

  getMember(orgId: number, userId: number): Promise<Member | undefined> {
    return getMember(this.db, orgId, userId);
  }

  /** The user also belongs to other organisations: only a platform administrator may change the user itself. */
  async sharedWithOtherOrgs(userId: number, orgId: number): Promise<boolean> {
    return (await otherMembershipCount(this.db, userId, orgId)) > 0;
  }

  /**
   * Adds the user to the organisation with a role, or changes their role there. Taking the admin role from the
   * organisation's last active admin is a UserConflictError.
   */
  async setMemberRole(orgId: number, userId: number, role: MemberRole): Promise<void> {
    await this.db.transaction(async (tx) => {
      await lockOrgAdmins(tx, orgId);
      const current = await getMembership(tx, orgId, userId);
      if (current?.role === 'admin' && role !== 'admin') await this.keepAnAdmin(tx, orgId, userId);
      await upsertMembership(tx, orgId, userId, role);
    });
  }

  /** Removes the user from the organisation (their API keys there stop working at once). */
  async removeMember(orgId: number, userId: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await lockOrgAdmins(tx, orgId);
      const current = await getMembership(tx, orgId, userId);
      if (!current) return false;
      if (current.role === 'admin') await this.keepAnAdmin(tx, orgId, userId);
      await tx.query('UPDATE api_keys SET revoked_at = coalesce(revoked_at, $3) WHERE user_id = $1 AND org_id = $2', [
        userId,
        orgId,
        this.clock.now(),
      ]);
      return deleteMembership(tx, orgId, userId);
    });
  }

  /** Refuses (UserConflictError) when the user is the organisation's last active admin. */
  assertAnotherAdmin(orgId: number, userId: number): Promise<void> {
    return this.db.transaction(async (tx) => {
      await lockOrgAdmins(tx, orgId);
      await this.keepAnAdmin(tx, orgId, userId);
    });
  }

  private async keepAnAdmin(tx: Parameters<typeof countOtherOrgAdmins>[0], orgId: number, userId: number) {
    if ((await countOtherOrgAdmins(tx, orgId, userId)) === 0) {
      throw new UserConflictError(
        'last_admin',
        'this is the last active admin of the organisation: make another member admin first',
      );
    }
  }

  // --- API keys (one user, one organisation) ---

  /** A new key; a user holding DMARC_MAX_KEYS_PER_USER live keys already is refused (409 too_many_keys). */
  async createApiKey(
    userId: number,
    orgId: number,
    name: string,
    expiresAt: Date | null,
  ): Promise<{ key: string; record: ApiKey }> {
    const max = this.options.maxKeysPerUser ?? 20;
    return this.db.transaction(async (tx) => {
      await this.keys.lockOwner(tx, userId);
      if ((await this.keys.countLive(userId, tx)) >= max) {
        throw new AppError(
          'too_many_keys',
          `you hold ${max} API keys already (DMARC_MAX_KEYS_PER_USER): revoke one you no longer use first`,
        );
      }
      return this.keys.create(userId, orgId, name, expiresAt, tx);
    });
  }

  /** The owner of a live key with this visible prefix (rate limits count per user, whatever the key). */
  apiKeyOwner(prefix: string): Promise<number | undefined> {
    return this.keys.ownerOfPrefix(prefix);
  }

  listApiKeys(userId: number, orgId: number): Promise<ApiKey[]> {
    return this.keys.list(userId, orgId);
  }

  revokeApiKey(userId: number, orgId: number, id: number): Promise<boolean> {
    return this.keys.revoke(userId, orgId, id);
  }
}
