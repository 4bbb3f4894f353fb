// Access tokens: HS256 JWTs, short-lived. Only HS256 is accepted (alg "none" and every other algorithm are
// refused), and expiry / not-before are checked against the injected clock.
import crypto from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { Clock } from './clock.js';

const ISSUER = 'dmarc-report-processor';
const AUDIENCE = 'dmarc-api';

export interface AccessClaims {
  userId: number;
  /** The organisation chosen at login (what /api/... means), if any. Never a role: that is read per request. */
  orgId?: number;
  /** The login session (refresh token family) the token belongs to: it stops working when the session ends. */
  sessionId?: string;
}

export class AccessTokens {
  constructor(
    private readonly secret: Uint8Array,
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
  ) {}

  get expiresIn(): number {
    return this.ttlSeconds;
  }

  async sign(userId: number, orgId?: number | null, sessionId?: string): Promise<string> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    return new SignJWT({ ...(orgId ? { org: orgId } : {}), ...(sessionId ? { sid: sessionId } : {}) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(userId))
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + this.ttlSeconds)
      .setJti(crypto.randomUUID())
      .sign(this.secret);
  }

  /** The claims of a valid token, or undefined for anything else (bad signature, alg, expired, ...). */
  async verify(token: string): Promise<AccessClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: this.clock.now(),
        requiredClaims: ['sub', 'exp', 'iat', 'nbf'],
      });
      const userId = Number(payload.sub);
      if (!Number.isSafeInteger(userId) || userId <= 0) return undefined;
      const { org, sid } = payload;
      if (org !== undefined && !(typeof org === 'number' && Number.isSafeInteger(org) && org > 0)) return undefined;
      if (sid !== undefined && !(typeof sid === 'string' && sid.length > 0 && sid.length <= 64)) return undefined;
      return {
        userId,
        ...(org !== undefined ? { orgId: org } : {}),
        ...(sid !== undefined ? { sessionId: sid } : {}),
      };
    } catch {
      return undefined;
    }
  }
}
