// Whose X-Forwarded-For is believed: only that of the proxies in DMARC_TRUSTED_PROXIES, or of loopback with
// DMARC_TRUST_PROXY=true alone. The client address it yields is what login limits and the audit log use.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { createTestApp, type TestApp } from '../support/app.js';

describe('DMARC_TRUST_PROXY and DMARC_TRUSTED_PROXIES', () => {
  it('reads the list of trusted proxies; DMARC_TRUST_PROXY=true alone means loopback only', () => {
    expect(loadConfig({}).security.trustProxy).toBe(false);
    expect(loadConfig({ DMARC_TRUST_PROXY: 'false' }).security.trustProxy).toBe(false);
    expect(loadConfig({ DMARC_TRUST_PROXY: 'true' }).security.trustProxy).toEqual(['127.0.0.0/8', '::1/128']);
    expect(loadConfig({ DMARC_TRUSTED_PROXIES: ' 10.0.0.0/8, 192.0.2.1 ,fd00::/8' }).security.trustProxy).toEqual([
      '10.0.0.0/8',
      '192.0.2.1',
      'fd00::/8',
    ]);
    expect(
      loadConfig({ DMARC_TRUST_PROXY: 'true', DMARC_TRUSTED_PROXIES: '172.16.0.0/12' }).security.trustProxy,
    ).toEqual(['172.16.0.0/12']);
  });

  it('refuses entries that are not addresses or CIDRs, and a list with DMARC_TRUST_PROXY=false', () => {
    for (const bad of ['proxy.example.com', '10.0.0.0/33', '::1/129', '1.2.3', '10.0.0.0/8,,x', '*']) {
      expect(() => loadConfig({ DMARC_TRUSTED_PROXIES: bad }), bad).toThrow(ConfigError);
      try {
        loadConfig({ DMARC_TRUSTED_PROXIES: bad });
      } catch (err) {
        expect((err as ConfigError).variable).toBe('DMARC_TRUSTED_PROXIES');
      }
    }
    expect(() => loadConfig({ DMARC_TRUST_PROXY: 'false', DMARC_TRUSTED_PROXIES: '10.0.0.1' })).toThrow(
      /DMARC_TRUSTED_PROXIES/,
    );
  });
});

describe('the client address behind a proxy', () => {
  let x: TestApp | undefined;
  afterEach(async () => {
    await x?.close();
    x = undefined;
  });

  /** A failed login from remoteAddress with that X-Forwarded-For; answers the address the audit log recorded. */
  async function auditedIp(app: TestApp, remoteAddress: string, forwardedFor?: string): Promise<string> {
    const email = `nobody-${Math.random().toString(36).slice(2)}@nowhere.example`;
    const r = await app.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email, password: 'not the password' },
      remoteAddress,
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    });
    expect(r.statusCode).toBe(401);
    const row = await app.t.db.query<{ ip: string }>('SELECT ip FROM audit_log WHERE actor = $1', [email]);
    return row.rows[0]!.ip;
  }

  it('believes X-Forwarded-For only from the listed proxies, and takes the last untrusted hop', async () => {
    x = await createTestApp('pglite', { DMARC_TRUSTED_PROXIES: '203.0.113.0/24' });
    expect(await auditedIp(x, '203.0.113.5', '198.51.100.7')).toBe('198.51.100.7');
    expect(await auditedIp(x, '203.0.113.5', '198.51.100.9, 203.0.113.6')).toBe('198.51.100.9');
    // what the client wrote itself before the proxy's entry is not believed
    expect(await auditedIp(x, '203.0.113.5', '1.2.3.4, 198.51.100.10')).toBe('198.51.100.10');
    // a client reaching the app directly cannot choose its address
    expect(await auditedIp(x, '192.0.2.9', '198.51.100.8')).toBe('192.0.2.9');
    expect(await auditedIp(x, '127.0.0.1', '198.51.100.8')).toBe('127.0.0.1');
  });

  it('DMARC_TRUST_PROXY=true alone believes a proxy on loopback only', async () => {
    x = await createTestApp('pglite', { DMARC_TRUST_PROXY: 'true' });
    expect(await auditedIp(x, '127.0.0.1', '198.51.100.7')).toBe('198.51.100.7');
    expect(await auditedIp(x, '203.0.113.5', '198.51.100.7')).toBe('203.0.113.5');
  });

  it('a forged X-Forwarded-For does not buy fresh login attempts', async () => {
    // 3 per (account, address), 15 per address: each forged address would otherwise start afresh
    x = await createTestApp('pglite', { DMARC_TRUST_PROXY: 'true', DMARC_LOGIN_MAX_FAILURES: '3' });
    const attempt = (email: string, i: number) =>
      x!.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email, password: 'not the password' },
        remoteAddress: '203.0.113.5',
        headers: { 'x-forwarded-for': `198.51.100.${i + 1}` },
      });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await attempt(x.users.admin.email, i)).statusCode);
    expect(codes).toEqual([401, 401, 401, 429, 429]);
    const stuffing: number[] = [];
    for (let i = 0; i < 16; i++) stuffing.push((await attempt(`stuffed-${i}@nowhere.example`, 10 + i)).statusCode);
    // the admin's 3 failures counted for the address too (the 2 refused ones did not)
    expect(stuffing.slice(0, 12)).toEqual(Array(12).fill(401));
    expect(stuffing.slice(12)).toEqual([429, 429, 429, 429]);
  });
});
