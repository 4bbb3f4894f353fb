// Offline lookups against the databases shipped in npm packages (country: ip-location-db geo-whois-asn-country;
// AS: ip-location-db asn), IPv4 and IPv6, the special-purpose ranges, country names and the attribution.
import { beforeAll, describe, expect, it } from 'vitest';
import { IP_DATA_ATTRIBUTION } from '../../src/enrich/attribution.js';
import { baseDomainOf, normaliseHostName } from '../../src/enrich/base-domain.js';
import { SourceEnricher } from '../../src/enrich/enricher.js';
import { parseIp, reverseLookupName } from '../../src/enrich/ip-address.js';
import { reservedKind } from '../../src/enrich/reserved.js';
import { countryName } from '../../src/model/countries.js';
import { RESERVED_KINDS } from '../../src/model/ip-enrichment.js';

describe('the shipped databases', () => {
  let enricher: SourceEnricher;
  beforeAll(async () => {
    enricher = await SourceEnricher.open({
      ttlDays: 90,
      negativeTtlMs: 86_400_000,
      rdns: false,
      dns: { servers: null, timeoutMs: 1000, concurrency: 1 },
      cityDb: null,
    });
  });

  it('locate well-known addresses, IPv4 and IPv6', async () => {
    const rows = await enricher.enrich(['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888', '2606:4700:4700::1111']);
    const by = Object.fromEntries(rows.map((r) => [r.ip, r]));
    expect(by['8.8.8.8']).toMatchObject({ country: 'US', asn: 15169, asOrg: 'Google LLC', reserved: null });
    expect(by['1.1.1.1']).toMatchObject({ asn: 13335, asOrg: 'Cloudflare, Inc.', reserved: null });
    expect(by['1.1.1.1']!.country).toMatch(/^[A-Z]{2}$/);
    expect(by['2001:4860:4860::8888']).toMatchObject({ country: 'US', asn: 15169, asOrg: 'Google LLC' });
    expect(by['2606:4700:4700::1111']).toMatchObject({ asn: 13335 });
    for (const r of rows) {
      expect(r).toMatchObject({ region: null, city: null, latitude: null, longitude: null, dnsStatus: 'off' });
    }
  });

  it('read an IPv4-mapped IPv6 address as its IPv4 address', async () => {
    const [r] = await enricher.enrich(['::ffff:8.8.8.8']);
    expect(r).toMatchObject({ ip: '::ffff:8.8.8.8', country: 'US', asn: 15169 });
  });

  it('leave addresses they do not know unlocated, and skip texts that are no addresses', async () => {
    const rows = await enricher.enrich(['not-an-ip', '1.2.3', '300.1.1.1', 'fe80::1%eth0', '2c0f:ffff:ffff::1']);
    expect(rows.map((r) => r.ip)).toEqual(['2c0f:ffff:ffff::1']);
  });
});

describe('special-purpose ranges', () => {
  it.each([
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.100.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.255', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['192.0.2.55', 'documentation'],
    ['198.51.100.1', 'documentation'],
    ['203.0.113.200', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['224.0.0.251', 'multicast'],
    ['239.1.1.1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.9', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fdff:ffff::1', 'unique-local'],
    ['2001:db8::1', 'documentation'],
    ['2001:db8:ffff:ffff::1', 'documentation'],
    ['3fff:fff::1', 'documentation'],
    ['ff02::1', 'multicast'],
    ['ff0e::101', 'multicast'],
    ['2001:2::1', 'benchmarking'],
    ['100::1', 'reserved'],
    ['fec0::1', 'reserved'],
    ['::ffff:192.168.1.1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
  ])('%s is %s', (ip, kind) => {
    expect(reservedKind(ip)).toBe(kind);
  });

  it.each([
    '9.255.255.255',
    '11.0.0.1',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.255.255',
    '192.169.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '8.8.8.8',
    '2001:4860:4860::8888',
    '2001:db9::1',
    '2002:c000:0201::1',
    'fbff::1',
    'fe00::1',
    '3fff:1000::1',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('%s is public', (ip) => {
    expect(reservedKind(ip)).toBeNull();
  });

  it('every kind is one the table accepts', () => {
    const kinds = new Set(
      ['10.0.0.1', '127.0.0.1', '169.254.0.1', '100.64.0.1', '192.0.2.1', '198.18.0.1', '224.0.0.1', '0.0.0.0']
        .concat(['255.255.255.255', 'fc00::1', '240.0.0.1'])
        .map(reservedKind),
    );
    expect([...kinds].sort()).toEqual([...RESERVED_KINDS].sort());
  });
});

describe('addresses, names and the attribution', () => {
  it('parses IPv4 and IPv6 text, with the reverse-lookup name of each', () => {
    expect(reverseLookupName(parseIp('8.8.4.4')!)).toBe('4.4.8.8.in-addr.arpa');
    expect(reverseLookupName(parseIp('2001:db8::567:89ab')!)).toBe(
      'b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
    );
    expect(parseIp('::ffff:1.2.3.4')).toEqual({ family: 4, v4: 0x01020304 });
    expect(parseIp('1::')).toMatchObject({ family: 6 });
    expect(parseIp('1.2.3.04')).toBeUndefined();
  });

  it('finds the registrable domain of PTR names (ICANN suffixes; private ones ignored)', () => {
    expect(baseDomainOf('mail-ed1-f41.google.com')).toBe('google.com');
    expect(baseDomainOf('o1.ptr1234.sendgrid.net')).toBe('sendgrid.net');
    expect(baseDomainOf('a8-33.smtp-out.amazonses.com')).toBe('amazonses.com');
    expect(baseDomainOf('ec2-3-4-5-6.compute-1.amazonaws.com')).toBe('amazonaws.com');
    expect(baseDomainOf('mx.example.co.uk')).toBe('example.co.uk');
    expect(baseDomainOf('sendgrid.net.evil.example')).toBe('evil.example');
    expect(baseDomainOf('co.uk')).toBeNull();
    expect(baseDomainOf('localhost')).toBeNull();
    expect(normaliseHostName('Mail.Example.COM.')).toBe('mail.example.com');
    expect(normaliseHostName('bad name')).toBeNull();
    expect(normaliseHostName(`${'a'.repeat(64)}.com`)).toBeNull();
  });

  it('names countries from their ISO code', () => {
    expect(countryName('US')).toBe('United States');
    expect(countryName('DE')).toBe('Germany');
    expect(countryName('us')).toBeNull();
    expect(countryName('QQ')).toBeNull();
    expect(countryName(null)).toBeNull();
  });

  it('carries the attribution every licence of the shipped data asks for', () => {
    const a = IP_DATA_ATTRIBUTION;
    for (const who of ['nro.net', 'routeviews.org', 'db-ip.com', 'CC BY 4.0', 'ip-location-db']) {
      expect(a.text).toContain(who);
    }
    expect(a.dbIpLink).toEqual({ text: 'IP Geolocation by DB-IP', url: 'https://db-ip.com' });
    expect(a.sources.map((s) => s.name)).toEqual(expect.arrayContaining(['RouteViews', 'DB-IP']));
  });
});
