// The enrichment settings: defaults, DNS servers as users write them, and every bad value refused in one line.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

function issueOf(env: Record<string, string>): { variable: string; message: string } {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.message).not.toContain('\n');
    return e.issues[0]!;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('enrichment settings', () => {
  it('default to reverse DNS on the system resolvers, 90 days, no city database', () => {
    expect(loadConfig({}).enrich).toEqual({
      ttlDays: 90,
      negativeTtlMs: 86_400_000,
      rdns: true,
      dns: { servers: null, timeoutMs: 2000, concurrency: 16 },
      cityDb: null,
    });
  });

  it('read every variable', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-cfg-'));
    const file = path.join(dir, 'City.mmdb');
    await fs.writeFile(file, 'x');
    try {
      const c = loadConfig({
        DMARC_ENRICH_TTL_DAYS: '30',
        DMARC_RDNS: 'off',
        DMARC_DNS_SERVERS: '192.0.2.53, 198.51.100.1:5353,2001:db8::53,[2001:db8::54]:53,[::1]',
        DMARC_DNS_TIMEOUT_MS: '750',
        DMARC_DNS_CONCURRENCY: '4',
        DMARC_DNS_NEGATIVE_TTL: '6h',
        DMARC_GEOIP_CITY_DB: file,
      }).enrich;
      expect(c).toEqual({
        ttlDays: 30,
        negativeTtlMs: 6 * 3_600_000,
        rdns: false,
        dns: {
          servers: ['192.0.2.53', '198.51.100.1:5353', '2001:db8::53', '[2001:db8::54]:53', '::1'],
          timeoutMs: 750,
          concurrency: 4,
        },
        cityDb: file,
      });
      expect(loadConfig({ DMARC_RDNS: 'on' }).enrich.rdns).toBe(true);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['dns.example.com', 'dns.example.com'],
    ['192.0.2.53:0', '192.0.2.53:0'],
    ['192.0.2.53:65536', '192.0.2.53:65536'],
    ['192.0.2.53:dns', '192.0.2.53:dns'],
    ['2001:db8::53:5353x', '2001:db8::53:5353x'],
    ['[192.0.2.53]:53', '[192.0.2.53]:53'],
    ['1.2.3', '1.2.3'],
    ['192.0.2.53,,bogus', 'bogus'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
    [',', null],
  ])('refuses DMARC_DNS_SERVERS=%s', (value, bad) => {
    const issue = issueOf({ DMARC_DNS_SERVERS: value });
    expect(issue.variable).toBe('DMARC_DNS_SERVERS');
    expect(issue.message).toMatch(/^expected IP addresses of DNS servers with an optional port/);
    if (bad) expect(issue.message).toContain(`not one: '${bad}'`);
  });

  it.each([
    ['DMARC_RDNS', 'maybe', 'expected true or false'],
    ['DMARC_DNS_TIMEOUT_MS', '0', 'expected a positive integer up to 60000'],
    ['DMARC_DNS_TIMEOUT_MS', '2s', 'expected a positive integer up to 60000'],
    ['DMARC_DNS_CONCURRENCY', '5000', 'expected a positive integer up to 1000'],
    ['DMARC_ENRICH_TTL_DAYS', '-1', 'expected a positive integer up to 3650'],
    ['DMARC_DNS_NEGATIVE_TTL', 'soon', 'expected a duration'],
  ])('refuses %s=%s', (name, value, message) => {
    const issue = issueOf({ [name]: value });
    expect(issue).toEqual({ variable: name, message: expect.stringContaining(message) as string });
  });

  it('refuses a city database that is missing, a folder or empty', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-cfg-'));
    try {
      const empty = path.join(dir, 'empty.mmdb');
      await fs.writeFile(empty, '');
      expect(issueOf({ DMARC_GEOIP_CITY_DB: path.join(dir, 'none.mmdb') })).toEqual({
        variable: 'DMARC_GEOIP_CITY_DB',
        message: `cannot read ${path.join(dir, 'none.mmdb')}: ENOENT`,
      });
      expect(issueOf({ DMARC_GEOIP_CITY_DB: dir }).message).toBe(`${dir} is not a file`);
      expect(issueOf({ DMARC_GEOIP_CITY_DB: empty }).message).toBe(`${empty} is empty`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
