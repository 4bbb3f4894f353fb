// Refresh tokens: opaque random strings, stored as SHA-256, rotated on every use. A token that was already
// exchanged and is presented again means it was copied: its whole family (the login session) is revoked —
// unless it comes back within a short grace period of its use. That is the browser, not a thief: a page that
// navigated away while its refresh was in flight (the server rotated, the new cookie never arrived), or two
// requests that refreshed at once. Within the grace period it gets a fresh token of the same family (the
// "reuse interval" of Auth0, the "grace period" of Okta).
import crypto from 'node:crypto';
import type { Database, Queryable } from '../store/database.js';
import type { Clock } from './clock.js';

export const sha256 = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');

export type RefreshOutcome =
  | { ok: true; userId: number; token: string; family: string; orgId: number | null }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused'; userId?: number };

export class RefreshTokens {
  constructor(
    private readonly db: Database,
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
    /** Seconds after its use during which a token may be presented again; 0: never. */
    private readonly reuseGraceSeconds = 0,
  ) {}

  private async insert(tx: Queryable, userId: number, family: string, orgId: number | null): Promise<string> {
    const token = crypto.randomBytes(32).toString('base64url');
    const expires = new Date(this.clock.now().getTime() + this.ttlSeconds * 1000);
    await tx.query(
      `INSERT INTO refresh_tokens (user_id, family, token_hash, created_at, expires_at, org_id)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [userId, family, sha256(token), this.clock.now(), expires, orgId],
    );
    return token;
  }

  /** A new session (login), optionally in a chosen organisation; `family` names the session. */
  async issue(userId: number, orgId: number | null = null): Promise<{ token: string; family: string }> {
    const family = crypto.randomUUID();
    return { token: await this.insert(this.db, userId, family, orgId), family };
  }

  /**
   * Whether a session is still open: not logged out, not revoked by a re-used token, a password reset or a
   * deactivation, not expired. Access tokens name their session, so that they end with it.
   */
  async isOpen(family: string): Promise<boolean> {
    const r = await this.db.query<{ open: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family = $1 AND revoked_at IS NULL AND expires_at > $2)
         AS open`,
      [family, this.clock.now()],
    );
    return r.rows[0]?.open === true;
  }

  /** Exchanges a token for a new one of the same family, or says why not. */
  rotate(token: string): Promise<RefreshOutcome> {
    return this.db.transaction(async (tx) => {
      const r = await tx.query<{
        id: number;
        user_id: number;
        family: string;
        expires_at: Date;
        used_at: Date | null;
        revoked_at: Date | null;
        org_id: number | null;
      }>(
        `SELECT id, user_id, family, expires_at, used_at, revoked_at, org_id FROM refresh_tokens
         WHERE token_hash = $1 FOR UPDATE`,
        [sha256(token)],
      );
      const row = r.rows[0];
      if (!row) return { ok: false, reason: 'unknown' };
      const now = this.clock.now();
      const live = row.revoked_at === null && row.expires_at.getTime() > now.getTime();
      if (row.used_at !== null) {
        if (live && now.getTime() - row.used_at.getTime() <= this.reuseGraceSeconds * 1000) {
          // the same client again (see above): a sibling token of the same family
          const sibling = await this.insert(tx, row.user_id, row.family, row.org_id);
          return { ok: true, userId: row.user_id, token: sibling, family: row.family, orgId: row.org_id };
        }
        // Theft detection: the token was already exchanged; whoever holds the newer one loses it too.
        await tx.query('UPDATE refresh_tokens SET revoked_at = $2 WHERE family = $1 AND revoked_at IS NULL', [
          row.family,
          now,
        ]);
        return { ok: false, reason: 'reused', userId: row.user_id };
      }
      if (row.revoked_at !== null) return { ok: false, reason: 'revoked', userId: row.user_id };
      if (row.expires_at.getTime() <= now.getTime()) return { ok: false, reason: 'expired', userId: row.user_id };
      await tx.query('UPDATE refresh_tokens SET used_at = $2 WHERE id = $1', [row.id, now]);
      const next = await this.insert(tx, row.user_id, row.family, row.org_id);
      return { ok: true, userId: row.user_id, token: next, family: row.family, orgId: row.org_id };
    });
  }

  /** The user a token belongs to (valid or not), without changing anything. */
  async peekOwner(token: string): Promise<number | undefined> {
    const r = await this.db.query<{ user_id: number }>('SELECT user_id FROM refresh_tokens WHERE token_hash = $1', [
      sha256(token),
    ]);
    return r.rows[0]?.user_id;
  }

  /** Logout: the token's whole family (that session) is revoked. Returns the user id, when known. */
  async revoke(token: string): Promise<number | undefined> {
    const r = await this.db.query<{ user_id: number }>(
      `UPDATE refresh_tokens SET revoked_at = $2
       WHERE family = (SELECT family FROM refresh_tokens WHERE token_hash = $1) AND revoked_at IS NULL
       RETURNING user_id`,
      [sha256(token), this.clock.now()],
    );
    return r.rows[0]?.user_id;
  }

  /** Every session of a user (deactivation, password reset). */
  async revokeAllOf(userId: number): Promise<void> {
    await this.db.query('UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [
      userId,
      this.clock.now(),
    ]);
  }
}
