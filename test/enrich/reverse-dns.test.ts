// Reverse DNS against a real DNS server on loopback (dns2): forward-confirmed and not, no PTR, SERVFAIL, a server
// that never answers, the breaker when the servers are gone, and reserved addresses never asked about.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceEnricher, type EnrichSettings } from '../../src/enrich/enricher.js';
import { ReverseDns } from '../../src/enrich/reverse-dns.js';
import { reverseName, startDnsServer, type TestDnsServer } from '../support/dns-server.js';

// Addresses of the documentation ranges are reserved (never looked up), so the public-looking ones below are
// made up: only the loopback server knows them.
const ZONE = {
  [reverseName('8.8.4.4')]: { PTR: ['dns.google.'] },
  'dns.google': { A: ['8.8.4.4', '8.8.8.8'] },
  [reverseName('209.85.220.41')]: { PTR: ['mail-sor-f41.google.com.'] },
  'mail-sor-f41.google.com': { A: ['209.85.220.41'] },
  // unconfirmed: the name points elsewhere
  [reverseName('45.12.1.9')]: { PTR: ['o1.ptr1234.sendgrid.net'] },
  'o1.ptr1234.sendgrid.net': { A: ['167.89.1.1'] },
  // unconfirmed: the name does not exist
  [reverseName('45.12.1.10')]: { PTR: ['ghost.example.net'] },
  // two names, the second confirms
  [reverseName('45.12.1.11')]: { PTR: ['wrong.example.org', 'mx.shop.co.uk'] },
  'wrong.example.org': { A: ['45.12.9.9'] },
  'mx.shop.co.uk': { A: ['45.12.1.11'] },
  // a forward lookup that fails: not checked
  [reverseName('45.12.1.12')]: { PTR: ['broken.example.com'] },
  'broken.example.com': { fail: 'SERVFAIL' as const },
  [reverseName('45.12.1.13')]: { fail: 'SERVFAIL' as const },
  [reverseName('45.12.1.14')]: { fail: 'silent' as const },
  [reverseName('45.12.1.15')]: { fail: 'REFUSED' as const },
  // a PTR that is no host name
  [reverseName('45.12.1.16')]: { PTR: ['not a host!'] },
  // IPv6, confirmed
  [reverseName('2001:4860:4860:0:0:0:0:8888')]: { PTR: ['dns.google'] },
  'dns.google.': { AAAA: ['2001:4860:4860::8888'] },
};

describe('reverse DNS against a DNS server on loopback', () => {
  let server: TestDnsServer;
  let dns: ReverseDns;

  beforeAll(async () => {
    server = await startDnsServer({
      ...ZONE,
      'dns.google': { A: ['8.8.4.4', '8.8.8.8'], AAAA: ['2001:4860:4860::8888', '2001:4860:4860::8844'] },
    });
    dns = new ReverseDns({ servers: [server.address], timeoutMs: 600, concurrency: 4 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('confirms a PTR whose name points back (FCrDNS), with its base domain', async () => {
    expect(await dns.lookup('8.8.4.4')).toEqual({
      status: 'ok',
      ptr: 'dns.google',
      fcrdns: true,
      baseDomain: 'dns.google',
    });
    expect(await dns.lookup('209.85.220.41')).toEqual({
      status: 'ok',
      ptr: 'mail-sor-f41.google.com',
      fcrdns: true,
      baseDomain: 'google.com',
    });
    expect(server.queries).toContain(`${reverseName('209.85.220.41')} PTR`);
    expect(server.queries).toContain('mail-sor-f41.google.com A');
  });

  it('confirms IPv6 against AAAA records', async () => {
    expect(await dns.lookup('2001:4860:4860::8888')).toEqual({
      status: 'ok',
      ptr: 'dns.google',
      fcrdns: true,
      baseDomain: 'dns.google',
    });
    expect(server.queries).toContain('dns.google AAAA');
  });

  it('does not confirm a name that points elsewhere or does not exist', async () => {
    expect(await dns.lookup('45.12.1.9')).toEqual({
      status: 'ok',
      ptr: 'o1.ptr1234.sendgrid.net',
      fcrdns: false,
      baseDomain: 'sendgrid.net',
    });
    expect(await dns.lookup('45.12.1.10')).toEqual({
      status: 'ok',
      ptr: 'ghost.example.net',
      fcrdns: false,
      baseDomain: 'example.net',
    });
  });

  it('takes the name that confirms among several, with the public suffix list (co.uk)', async () => {
    expect(await dns.lookup('45.12.1.11')).toEqual({
      status: 'ok',
      ptr: 'mx.shop.co.uk',
      fcrdns: true,
      baseDomain: 'shop.co.uk',
    });
  });

  it('leaves FCrDNS unchecked (null) when the forward lookup fails', async () => {
    expect(await dns.lookup('45.12.1.12')).toEqual({
      status: 'ok',
      ptr: 'broken.example.com',
      fcrdns: null,
      baseDomain: 'example.com',
    });
  });

  it('reports NXDOMAIN, SERVFAIL, REFUSED and a timeout as such', async () => {
    const none = { ptr: null, fcrdns: null, baseDomain: null };
    expect(await dns.lookup('45.12.1.200')).toEqual({ status: 'nxdomain', ...none });
    expect(await dns.lookup('45.12.1.13')).toEqual({ status: 'servfail', ...none });
    expect(await dns.lookup('45.12.1.15')).toEqual({ status: 'refused', ...none });
    const before = dns.stats().timeouts;
    expect(await dns.lookup('45.12.1.14')).toEqual({ status: 'timeout', ...none });
    expect(dns.stats().timeouts).toBe(before + 1);
  });

  it('ignores a PTR that is not a host name', async () => {
    expect(await dns.lookup('45.12.1.16')).toEqual({ status: 'ok', ptr: null, fcrdns: null, baseDomain: null });
  });

  it('never has more lookups in flight than its concurrency', async () => {
    const silent = await startDnsServer({}, { hold: true });
    try {
      const limited = new ReverseDns({ servers: [silent.address], timeoutMs: 5000, concurrency: 3 });
      const all = Promise.all(Array.from({ length: 10 }, (_, i) => limited.lookup(`45.13.0.${i + 1}`)));
      // wait until the server has seen what may be in flight
      for (let i = 0; i < 100 && silent.queries.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      expect(new Set(silent.queries).size).toBe(3);
      silent.release();
      const results = await all;
      expect(results.map((r) => r.status)).toEqual(Array(10).fill('nxdomain'));
      expect(new Set(silent.queries).size).toBe(10);
    } finally {
      await silent.close();
    }
  });

  it('stops asking servers that do not answer (the breaker): the rest fail at once as timeouts', async () => {
    const silent = await startDnsServer({}, { hold: true });
    try {
      const d = new ReverseDns({ servers: [silent.address], timeoutMs: 150, concurrency: 10 });
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => d.lookup(`45.14.0.${i + 1}`)));
      expect(results.every((r) => r.status === 'timeout')).toBe(true);
      const s = d.stats();
      // 2 x concurrency lookups in a row time out, then the breaker opens (a few more may have started as the
      // first ones' slots freed: at most one more round)
      expect(s.lookups).toBeGreaterThanOrEqual(20);
      expect(s.lookups).toBeLessThanOrEqual(30);
      expect(s.timeouts).toBe(s.lookups);
      expect(s.shortCircuited).toBe(60 - s.lookups);
      expect(new Set(silent.queries).size).toBe(s.lookups);
    } finally {
      await silent.close();
    }
  });
});

describe('the enricher and DNS', () => {
  let server: TestDnsServer;
  const settings = (address: string): EnrichSettings => ({
    ttlDays: 90,
    negativeTtlMs: 86_400_000,
    rdns: true,
    dns: { servers: [address], timeoutMs: 600, concurrency: 8 },
    cityDb: null,
  });

  beforeAll(async () => {
    server = await startDnsServer(ZONE);
  });
  afterAll(async () => {
    await server.close();
  });

  it('never sends a reserved address (IPv4 or IPv6) to DNS', async () => {
    const enricher = await SourceEnricher.open(settings(server.address));
    const reserved = [
      '10.1.2.3',
      '172.20.0.1',
      '192.168.7.7',
      '127.0.0.1',
      '169.254.10.10',
      '100.64.1.1',
      '192.0.2.10',
      '198.51.100.20',
      '203.0.113.30',
      '224.0.0.251',
      '0.0.0.0',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1234',
      '2001:db8::25',
      'ff02::fb',
      '::ffff:10.0.0.1',
    ];
    const before = server.queries.length;
    const rows = await enricher.enrich(reserved);
    expect(server.queries.length).toBe(before);
    expect(rows).toHaveLength(reserved.length);
    for (const r of rows) {
      expect(r.reserved, r.ip).not.toBeNull();
      expect(r.dnsStatus).toBe('skipped');
      expect([r.country, r.asn, r.ptr]).toEqual([null, null, null]);
    }
    // a public address beside them is asked about
    const [pub] = await enricher.enrich(['209.85.220.41']);
    expect(pub).toMatchObject({ reserved: null, dnsStatus: 'ok', ptr: 'mail-sor-f41.google.com', fcrdns: true });
    expect(server.queries.length).toBeGreaterThan(before);
  });

  it('with DMARC_RDNS=off asks DNS nothing and says so', async () => {
    const enricher = await SourceEnricher.open({ ...settings(server.address), rdns: false });
    const before = server.queries.length;
    const [r] = await enricher.enrich(['209.85.220.41']);
    expect(server.queries.length).toBe(before);
    expect(r).toMatchObject({ dnsStatus: 'off', ptr: null, fcrdns: null, country: 'US', asn: 15169 });
    expect(enricher.dnsStats()).toBeNull();
  });

  it('asks about the IPv4 address inside an IPv4-mapped IPv6 address', async () => {
    const enricher = await SourceEnricher.open(settings(server.address));
    const [r] = await enricher.enrich(['::ffff:209.85.220.41']);
    expect(r).toMatchObject({ ip: '::ffff:209.85.220.41', ptr: 'mail-sor-f41.google.com', fcrdns: true });
  });
});
