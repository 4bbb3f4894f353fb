// Login limits under parallel guessing and as a weapon: an attempt is reserved before its password is checked,
// so parallel guesses never evaluate more than DMARC_LOGIN_MAX_FAILURES per (account, address) and window;
// lockouts are per (account, address) and grow; a looser limit per address across accounts; a per-account
// budget that addresses the user logged in from are exempt from; password hashing off the event loop.
import type { AddressInfo } from 'node:net';
import bcrypt from 'bcryptjs';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { passwordHashingStats } from '../../src/auth/passwords.js';
import { clientNetwork } from '../../src/auth/login-limits.js';
import { LOGIN_WINDOW_SECONDS } from '../../src/auth/service.js';
import { TEST_PASSWORD, createTestApp, type TestApp } from '../support/app.js';
import { DEFAULT_ORG_ID } from '../support/org.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';

const haveRedis = await redisAvailable('the Redis-backed login limit tests');
const stores = haveRedis ? (['memory', 'redis'] as const) : (['memory'] as const);

const MAX = 10; // DMARC_LOGIN_MAX_FAILURES in these tests (the default)

describe('the address a login is counted by', () => {
  it('is the IPv4 address (also IPv4-mapped), or the /64 of an IPv6 address', () => {
    expect(clientNetwork('192.0.2.7')).toBe('192.0.2.7');
    expect(clientNetwork('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientNetwork('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(clientNetwork('2001:DB8:0:1:ffff:1:2:3')).toBe('2001:db8:0:1::/64');
    expect(clientNetwork('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64');
    expect(clientNetwork('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientNetwork('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });
});

describe.each(stores)('login limits with %s counters', (store) => {
  let redis: Redis | undefined;
  let x: TestApp;

  beforeAll(() => {
    if (store === 'redis') redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  });
  afterAll(async () => {
    await redis?.quit();
  });
  beforeEach(async () => {
    // A fresh app, clock and Redis key prefix per test: no test sees another's counters.
    x = await createTestApp(
      'pglite',
      { DMARC_LOGIN_MAX_FAILURES: String(MAX), DMARC_QUEUE_PREFIX: `test-${Math.random().toString(36).slice(2, 10)}` },
      redis ? { redis } : {},
    );
  });
  afterEach(async () => {
    await x.close();
    if (redis) {
      const keys = await redis.keys(`${x.config.redisPrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  });

  const login = (email: string, password: string, ip: string) =>
    x.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password }, remoteAddress: ip });

  /** Login attempts whose password was actually checked (audited as a failure or a success). */
  async function evaluated(email: string): Promise<number> {
    const r = await x.t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log
        WHERE action = 'login' AND lower(actor) = lower($1) AND outcome IN ('failure', 'success')`,
      [email],
    );
    return r.rows[0]!.n;
  }

  /** Lets every running lockout of an (account, address) pair end; what it has learnt (strikes) stays. */
  async function endPairLocks(seconds: number): Promise<void> {
    x.clock.advance(seconds + 1); // the memory counters follow the clock
    if (redis) {
      // Redis keys expire in real time: end them by hand (the key names are the counters' own).
      const keys = await redis.keys(`${x.config.redisPrefix}:fail:login:pair:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  }

  it('60 parallel guesses at one account from one address: 10 evaluated, the right password (37th) refused', async () => {
    const email = x.users.analyst.email;
    const before = passwordHashingStats();
    const rs = await Promise.all(
      Array.from({ length: 60 }, (_, i) => login(email, i === 36 ? TEST_PASSWORD : `wrong guess ${i}`, '203.0.113.10')),
    );
    const codes = rs.map((r) => r.statusCode);
    expect(codes[36]).toBe(429);
    expect(codes.filter((c) => c === 200)).toHaveLength(0);
    expect(codes.filter((c) => c === 401)).toHaveLength(MAX);
    expect(codes.filter((c) => c === 429)).toHaveLength(60 - MAX);
    for (const r of rs.filter((r) => r.statusCode === 429)) expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(await evaluated(email)).toBe(MAX);
    expect(passwordHashingStats().verifications - before.verifications).toBe(MAX);
    // that address stays locked out of that account; the account itself is not locked
    expect((await login(email, TEST_PASSWORD, '203.0.113.10')).statusCode).toBe(429);
    expect((await login(email, TEST_PASSWORD, '192.0.2.44')).statusCode).toBe(200);
  });

  it.runIf(store === 'redis')(
    'two API processes sharing Redis evaluate 10 of 60 parallel guesses between them',
    async () => {
      const other = await createTestApp(
        'pglite',
        { DMARC_LOGIN_MAX_FAILURES: String(MAX), DMARC_QUEUE_PREFIX: x.config.redisPrefix },
        { redis: redis! },
      );
      try {
        const email = x.users.analyst.email;
        const rs = await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            (i % 2 === 0 ? x : other).app.inject({
              method: 'POST',
              url: '/auth/login',
              payload: { email, password: i === 36 ? TEST_PASSWORD : `wrong guess ${i}` },
              remoteAddress: '203.0.113.11',
            }),
          ),
        );
        expect(rs[36]!.statusCode).toBe(429);
        expect(rs.filter((r) => r.statusCode === 401)).toHaveLength(MAX);
        expect(rs.filter((r) => r.statusCode === 429)).toHaveLength(60 - MAX);
      } finally {
        await other.close();
      }
    },
  );

  it('failures from other addresses do not lock the admin out; a success clears its (account, address) pair', async () => {
    const admin = x.users.admin.email;
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      const rs = await Promise.all(Array.from({ length: MAX + 2 }, () => login(admin, 'not the password', ip)));
      expect(rs.filter((r) => r.statusCode === 401)).toHaveLength(MAX);
      expect(rs.filter((r) => r.statusCode === 429)).toHaveLength(2);
    }
    expect((await login(admin, TEST_PASSWORD, '192.0.2.1')).statusCode).toBe(200);
    // typos, a success, typos: the success wiped the pair's count
    for (let i = 0; i < MAX - 1; i++) expect((await login(admin, 'typo', '192.0.2.2')).statusCode).toBe(401);
    expect((await login(admin, TEST_PASSWORD, '192.0.2.2')).statusCode).toBe(200);
    for (let i = 0; i < MAX; i++) expect((await login(admin, 'typo', '192.0.2.2')).statusCode).toBe(401);
    expect((await login(admin, TEST_PASSWORD, '192.0.2.2')).statusCode).toBe(429);
  });

  it('each lockout of an (account, address) pair lasts longer than the one before, until a success', async () => {
    const email = x.users.viewer.email;
    const ip = '203.0.113.20';
    /** Spends the pair's budget and answers the Retry-After of the lockout that follows. */
    const spend = async (): Promise<number> => {
      for (let i = 0; i < MAX; i++) expect((await login(email, `wrong ${i}`, ip)).statusCode).toBe(401);
      const r = await login(email, TEST_PASSWORD, ip);
      expect(r.statusCode).toBe(429);
      return Number(r.headers['retry-after']);
    };
    const first = await spend();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(LOGIN_WINDOW_SECONDS);
    await endPairLocks(first);
    const second = await spend();
    expect(second).toBeGreaterThan(first);
    await endPairLocks(second);
    const third = await spend();
    expect(third).toBeGreaterThan(second);
    await endPairLocks(third);
    // the right password once the lockout is over: the pair and its history are cleared
    expect((await login(email, TEST_PASSWORD, ip)).statusCode).toBe(200);
    expect(await spend()).toBeLessThanOrEqual(first);
  });

  it('limits one address across accounts (credential stuffing) more loosely; a success there does not reset it', async () => {
    const ip = '203.0.113.30';
    const stuff = (from: number, n: number) =>
      Promise.all(
        Array.from({ length: n }, (_, i) => login(`stuffed-${from + i}@nowhere.example`, 'password1234', ip)),
      );
    const first = await stuff(0, 25);
    expect(first.every((r) => r.statusCode === 401)).toBe(true);
    // a user of this address logs in between: their attempt is given back, the 25 failures stay
    expect((await login(x.users.viewer.email, TEST_PASSWORD, ip)).statusCode).toBe(200);
    const second = await stuff(25, 25);
    expect(second.every((r) => r.statusCode === 401)).toBe(true);
    const refused = await stuff(50, 1);
    expect(refused[0]!.statusCode).toBe(429);
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThan(0);
    // an account never logged in from here is refused from here, and only from here
    expect((await login(x.users.analyst.email, TEST_PASSWORD, ip)).statusCode).toBe(429);
    expect((await login(x.users.analyst.email, TEST_PASSWORD, '192.0.2.50')).statusCode).toBe(200);
    // the user who logged in from this address still can
    expect((await login(x.users.viewer.email, TEST_PASSWORD, ip)).statusCode).toBe(200);
  });

  it('a per-account budget slows guesses from many addresses, without locking the user out of their own', async () => {
    const email = x.users.analyst.email;
    expect((await login(email, TEST_PASSWORD, '192.0.2.10')).statusCode).toBe(200); // the user's own address
    const rs = await Promise.all(
      Array.from({ length: 120 }, (_, i) => login(email, `guess ${i}`, `198.18.${i >> 8}.${i & 255}`)),
    );
    const budget = 10 * MAX;
    expect(rs.filter((r) => r.statusCode === 401)).toHaveLength(budget);
    expect(rs.filter((r) => r.statusCode === 429)).toHaveLength(120 - budget);
    expect(await evaluated(email)).toBe(budget + 1);
    // a new address is refused, even with the right password, until the window ends ...
    expect((await login(email, TEST_PASSWORD, '198.18.200.1')).statusCode).toBe(429);
    // ... but the address the user logged in from is not
    expect((await login(email, TEST_PASSWORD, '192.0.2.10')).statusCode).toBe(200);
  });

  it('counts an IPv6 client by its /64, not by each of its addresses', async () => {
    const email = x.users.viewer.email;
    for (let i = 1; i <= MAX; i++)
      expect((await login(email, 'not the password', `2001:db8:0:1::${i.toString(16)}`)).statusCode).toBe(401);
    expect((await login(email, TEST_PASSWORD, '2001:db8:0:1:ffff:1:2:3')).statusCode).toBe(429);
    expect((await login(email, TEST_PASSWORD, '2001:db8:0:2::1')).statusCode).toBe(200);
  });

  /** The audit rows of logins refused before their password was checked. */
  async function blockedRows(): Promise<{ actor: string; ip: string; details: Record<string, unknown> }[]> {
    const r = await x.t.db.query<{ actor: string; ip: string; details: Record<string, unknown> }>(
      `SELECT actor, ip, details FROM audit_log WHERE action = 'login' AND outcome = 'denied' ORDER BY id`,
    );
    return r.rows;
  }

  it('500 parallel blocked logins leave one audit row per spent budget and window, counting them', async () => {
    const email = x.users.analyst.email;
    const ip = '203.0.113.40';
    const rs = await Promise.all(Array.from({ length: 510 }, (_, i) => login(email, `wrong guess ${i}`, ip)));
    expect(rs.filter((r) => r.statusCode === 401)).toHaveLength(MAX);
    expect(rs.filter((r) => r.statusCode === 429)).toHaveLength(500);
    // every blocked attempt is in the log, as a count on one row: the log says how many, and is not flooded
    const rows = await blockedRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: email,
      ip,
      details: { reason: 'too many failures', limits: ['account_address'], count: 500 },
    });
    expect(Date.parse(String(rows[0]!.details.lastAt))).not.toBeNaN();
    // the failures whose password was checked keep a row each
    expect(await evaluated(email)).toBe(MAX);

    // an administrator reads it through the API
    const list = await x.app.inject({
      method: 'GET',
      url: '/api/audit?action=login&outcome=denied',
      headers: { authorization: `Bearer ${await x.token('admin')}` },
    });
    expect(list.statusCode).toBe(200);
    const items = list.json<{ items: { details: { count: number } }[] }>().items;
    expect(items.map((i) => i.details.count)).toEqual([500]);

    // another address blocked at the same account is a row of its own
    const other = await Promise.all(Array.from({ length: MAX + 20 }, (_, i) => login(email, `g${i}`, '203.0.113.41')));
    expect(other.filter((r) => r.statusCode === 429)).toHaveLength(20);
    expect((await blockedRows()).map((r) => [r.ip, r.details.count])).toEqual([
      [ip, 500],
      ['203.0.113.41', 20],
    ]);
  });

  it('a blocked address trying 300 random accounts in parallel makes one row, not one per account', async () => {
    const ip = '203.0.113.42';
    // spend the address's budget across accounts (credential stuffing)
    const spend = await Promise.all(
      Array.from({ length: 5 * MAX }, (_, i) => login(`stuffed-${i}@nowhere.example`, 'password1234', ip)),
    );
    expect(spend.every((r) => r.statusCode === 401)).toBe(true);
    const rs = await Promise.all(
      Array.from({ length: 300 }, (_, i) => login(`random-${i}@nowhere.example`, 'password1234', ip)),
    );
    expect(rs.every((r) => r.statusCode === 429)).toBe(true);
    const rows = await blockedRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ip, details: { limits: ['address'], count: 300 } });
  });

  it('hashes off the event loop: a trivial route answers while a burst of 30 logins is still being checked', async () => {
    // 30 accounts whose hashes cost more than the tests' usual 4, so that the burst lasts a while
    const emails = Array.from({ length: 30 }, (_, i) => `burst-${i}@example.com`);
    for (const email of emails)
      await x.auth.createUser({
        email,
        name: email,
        member: { orgId: DEFAULT_ORG_ID, role: 'viewer' },
        password: TEST_PASSWORD,
      });
    await x.t.db.query(`UPDATE users SET password_hash = $1 WHERE email LIKE 'burst-%'`, [
      bcrypt.hashSync(TEST_PASSWORD, 9),
    ]);
    await x.app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(x.app.server.address() as AddressInfo).port}`;
    const spies = (['compare', 'compareSync', 'hash', 'hashSync'] as const).map((m) => vi.spyOn(bcrypt, m));
    const before = passwordHashingStats();
    try {
      let done = 0;
      const burst = emails.map((email) =>
        fetch(`${base}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: TEST_PASSWORD }),
        }).then(async (r) => {
          await r.arrayBuffer();
          done++;
          return r.status;
        }),
      );
      const health = await fetch(`${base}/health`);
      const doneWhenHealthAnswered = done;
      expect(health.status).toBe(200);
      expect(await Promise.all(burst)).toEqual(emails.map(() => 200));
      expect(doneWhenHealthAnswered).toBeLessThan(emails.length);
      // no bcrypt ran on this (the main) thread; all 30 ran in the pool, never more at once than its size
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      const after = passwordHashingStats();
      expect(after.verifications - before.verifications).toBe(emails.length);
      expect(after.peakRunning).toBeLessThanOrEqual(after.size);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

// PostgreSQL runs the blocked attempts' audit writes on several connections at once: still one row.
describe.runIf(inject('postgresTemplate') !== null)('blocked logins audited on PostgreSQL', () => {
  it('500 parallel blocked logins: one row counting 500', async () => {
    const x = await createTestApp('postgres', { DMARC_LOGIN_MAX_FAILURES: String(MAX) });
    try {
      const email = x.users.viewer.email;
      const rs = await Promise.all(
        Array.from({ length: 510 }, (_, i) =>
          x.app.inject({
            method: 'POST',
            url: '/auth/login',
            payload: { email, password: `wrong guess ${i}` },
            remoteAddress: '203.0.113.43',
          }),
        ),
      );
      expect(rs.filter((r) => r.statusCode === 429)).toHaveLength(500);
      const rows = await x.t.db.query<{ details: { count: number } }>(
        `SELECT details FROM audit_log WHERE action = 'login' AND outcome = 'denied'`,
      );
      expect(rows.rows.map((r) => r.details.count)).toEqual([500]);
    } finally {
      await x.close();
    }
  });
});
