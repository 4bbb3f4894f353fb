// Per-user API keys: "dmarc_<prefix>_<secret>", shown once, stored as SHA-256, recognised by the prefix.
import crypto from 'node:crypto';
import type { Queryable } from '../store/database.js';
import type { Clock } from './clock.js';
import { sha256 } from './refresh-tokens.js';

export interface ApiKey {
  id: number;
  /** The one organisation the key acts in. */
  orgId: number;
  name: string;
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = `id, org_id AS "orgId", name, prefix, created_at AS "createdAt", expires_at AS "expiresAt", last_used_at AS "lastUsedAt",
  revoked_at AS "revokedAt"`;

const KEY_PATTERN = /^dmarc_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

/** The visible prefix of a well-formed key, else undefined (used to key rate limits before lookup). */
export function apiKeyPrefix(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/** Last-used time is written at most this often per key (not on every request). */
const TOUCH_INTERVAL_MS = 60_000;

export class ApiKeys {
  /** prefix → owner, for a minute: the rate limiter asks on every request. */
  private readonly owners = new Map<string, { userId: number; until: number }>();

  constructor(
    private readonly db: Queryable,
    private readonly clock: Clock,
  ) {}

  async create(
    userId: number,
    orgId: number,
    name: string,
    expiresAt: Date | null,
    q: Queryable = this.db,
  ): Promise<{ key: string; record: ApiKey }> {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const prefix = Array.from(crypto.randomBytes(8), (b) => alphabet[b % alphabet.length]).join('');
    const key = `dmarc_${prefix}_${crypto.randomBytes(32).toString('base64url')}`;
    const r = await q.query<ApiKey>(
      `INSERT INTO api_keys (user_id, org_id, name, prefix, key_hash, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [userId, orgId, name, prefix, sha256(key), this.clock.now(), expiresAt],
    );
    return { key, record: r.rows[0]! };
  }

  /**
   * Within a transaction: holds the user's row until it ends, so that key creations of one user take turns
   * (each counts the keys the previous one made; parallel requests would all count the same and all insert).
   */
  async lockOwner(tx: Queryable, userId: number): Promise<void> {
    await tx.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [userId]);
  }

  /** Keys of the user that still work (not revoked, not expired), in every organisation. */
  async countLive(userId: number, q: Queryable = this.db): Promise<number> {
    const r = await q.query<{ n: number }>(
      `SELECT count(*) AS n FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL
         AND (expires_at IS NULL OR expires_at > $2)`,
      [userId, this.clock.now()],
    );
    return r.rows[0]?.n ?? 0;
  }

  /** The owner of the live key with this prefix (prefixes are random; a clash only merges two rate buckets). */
  async ownerOfPrefix(prefix: string): Promise<number | undefined> {
    const now = this.clock.now().getTime();
    const cached = this.owners.get(prefix);
    if (cached && cached.until > now) return cached.userId;
    const r = await this.db.query<{ user_id: number }>(
      'SELECT user_id FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL LIMIT 1',
      [prefix],
    );
    const userId = r.rows[0]?.user_id;
    if (userId !== undefined) {
      if (this.owners.size > 10_000) this.owners.clear();
      this.owners.set(prefix, { userId, until: now + 60_000 });
    }
    return userId;
  }

  /** Revokes every live key of the user (all organisations); returns how many. */
  async revokeAllOf(userId: number): Promise<number> {
    const r = await this.db.query(
      'UPDATE api_keys SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id',
      [userId, this.clock.now()],
    );
    return r.rowCount;
  }

  /** The user's keys in one organisation. */
  async list(userId: number, orgId: number): Promise<ApiKey[]> {
    return (
      await this.db.query<ApiKey>(`SELECT ${COLUMNS} FROM api_keys WHERE user_id = $1 AND org_id = $2 ORDER BY id`, [
        userId,
        orgId,
      ])
    ).rows;
  }

  /** Revokes one of the user's keys in the organisation; false when there is no such key. */
  async revoke(userId: number, orgId: number, id: number): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $4) WHERE id = $1 AND user_id = $2 AND org_id = $3
       RETURNING id`,
      [id, userId, orgId, this.clock.now()],
    );
    return r.rowCount > 0;
  }

  /** The owner and organisation of a valid (known, not revoked, not expired) key. */
  async authenticate(key: string): Promise<{ userId: number; keyId: number; orgId: number } | undefined> {
    if (!KEY_PATTERN.test(key)) return undefined;
    const r = await this.db.query<{
      id: number;
      user_id: number;
      expires_at: Date | null;
      revoked_at: Date | null;
      last_used_at: Date | null;
      org_id: number;
    }>('SELECT id, user_id, org_id, expires_at, revoked_at, last_used_at FROM api_keys WHERE key_hash = $1', [
      sha256(key),
    ]);
    const row = r.rows[0];
    const now = this.clock.now();
    if (!row || row.revoked_at !== null) return undefined;
    if (row.expires_at !== null && row.expires_at.getTime() <= now.getTime()) return undefined;
    if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > TOUCH_INTERVAL_MS) {
      await this.db.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [row.id, now]);
    }
    return { userId: row.user_id, keyId: row.id, orgId: row.org_id };
  }
}
