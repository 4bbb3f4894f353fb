// DNS checks against a real DNS server on loopback (dns2, on 127.0.0.53 which no other suite binds, a random port):
// good records, a missing DMARC record, two DMARC records, SPF with 11 lookups, +all, an include loop, DKIM keys
// missing, 512-bit and revoked, external rua with and without authorisation, and a server that never answers or
// answers SERVFAIL: findings, never a crash. Plus the pure parsers and the change detection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffChecks } from '../../src/enrich/dns/changes.js';
import { checkDomain, type DomainCheckInput } from '../../src/enrich/dns/check-domain.js';
import { parseDkimKey } from '../../src/enrich/dns/dkim.js';
import { isExternal, parseDmarc } from '../../src/enrich/dns/dmarc.js';
import { parseSpf } from '../../src/enrich/dns/spf.js';
import type { Finding } from '../../src/model/dns-checks.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { DNS_TEST_HOST, KEY1024, testZone } from '../support/dns-zone.js';

const codes = (fs: Finding[]) => fs.map((f) => f.code);
const input = (domain: string, selectors: DomainCheckInput['selectors'] = []): DomainCheckInput => ({
  domain,
  selectors,
  reported: null,
});

describe('DNS checks against a DNS server on loopback', () => {
  let server: TestDnsServer;
  let settings: { servers: string[]; timeoutMs: number };

  beforeAll(async () => {
    server = await startDnsServer(testZone(), { host: DNS_TEST_HOST });
    settings = { servers: [server.address], timeoutMs: 500 };
  });
  afterAll(async () => {
    await server.close();
  });

  it('finds nothing wrong with good records, and reads each of them', async () => {
    const r = await checkDomain(
      settings,
      input('goodmail.com', [{ selector: 's1', domain: 'goodmail.com', messages: 40 }]),
    );
    expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(r.records.dmarc).toMatchObject({ status: 'found', tags: { p: 'reject', sp: 'reject', adkim: 's' } });
    expect(r.records.dmarc.rua).toEqual([
      { uri: 'mailto:dmarc@goodmail.com', domain: 'goodmail.com', external: false, authorised: true },
    ]);
    expect(r.records.spf).toMatchObject({
      status: 'found',
      lookups: 1,
      voidLookups: 0,
      all: '-all',
      includes: ['_spf.sender.net'],
    });
    expect(r.records.dkim).toEqual([
      expect.objectContaining({ selector: 's1', status: 'found', keyType: 'rsa', bits: 2048, revoked: false }),
    ]);
    expect(r.records.mtaSts.status).toBe('found');
    expect(r.records.tlsRpt.status).toBe('found');
    expect(r.records.bimi.status).toBe('found');
    expect(r.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(server.queries).toContain('_dmarc.goodmail.com TXT');
  });

  it('a missing DMARC record is an error that says what to publish; +all is an error', async () => {
    const r = await checkDomain(settings, input('nodmarc.com'));
    const missing = r.findings.find((f) => f.code === 'dmarc_missing')!;
    expect(missing).toMatchObject({ severity: 'error', record: 'dmarc' });
    expect(missing.text).toContain('v=DMARC1; p=none');
    expect(r.findings.find((f) => f.code === 'spf_plus_all')?.severity).toBe('error');
    expect(r.findings.find((f) => f.code === 'mta_sts_missing')?.severity).toBe('info');
    expect(r.records.dmarc.status).toBe('missing');
  });

  it('two DMARC records are an error; ?all is a warning', async () => {
    const r = await checkDomain(settings, input('twodmarc.com'));
    expect(r.findings.find((f) => f.code === 'dmarc_multiple')?.severity).toBe('error');
    expect(r.records.dmarc.records).toHaveLength(2);
    expect(r.findings.find((f) => f.code === 'spf_neutral_all')?.severity).toBe('warning');
    expect(r.findings.find((f) => f.code === 'dmarc_no_rua')?.severity).toBe('warning');
  });

  it('counts SPF lookups through includes: 11 is over the limit of 10', async () => {
    const r = await checkDomain(settings, input('manylookups.com'));
    expect(r.records.spf.lookups).toBe(11);
    const f = r.findings.find((x) => x.code === 'spf_too_many_lookups')!;
    expect(f.severity).toBe('error');
    expect(f.text).toContain('11 DNS lookups');
    // h1..h7 do not exist: 7 void lookups, over the limit of 2
    expect(r.records.spf.voidLookups).toBe(7);
    expect(codes(r.findings)).toContain('spf_void_lookups');
  });

  it('an include loop and an include without a record are errors', async () => {
    const r = await checkDomain(settings, input('loopy.com'));
    expect(r.records.spf.loops).toEqual(['loopy.com → a.loopy.com → b.loopy.com → a.loopy.com']);
    expect(r.records.spf.missingIncludes).toEqual(['nothing.loopy.com']);
    expect(r.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(
      expect.arrayContaining(['spf_include_loop', 'spf_include_missing']),
    );
    expect(codes(r.findings)).toContain('dmarc_policy_none');
  });

  it('DKIM: a selector with no key, a 512-bit key (error), a 1024-bit key (warning), a revoked key', async () => {
    const r = await checkDomain(
      settings,
      input('keys.com', [
        { selector: 'gone', domain: 'keys.com', messages: 5 },
        { selector: 'weak', domain: 'keys.com', messages: 6 },
        { selector: 'short', domain: 'keys.com', messages: 7 },
        { selector: 'old', domain: 'keys.com', messages: 8 },
      ]),
    );
    const by = (code: string) => r.findings.filter((f) => f.code === code);
    expect(by('dkim_key_missing')).toHaveLength(1);
    expect(by('dkim_key_missing')[0]!.text).toContain('gone._domainkey.keys.com');
    expect(by('dkim_key_weak')[0]).toMatchObject({ severity: 'error' });
    expect(by('dkim_key_weak')[0]!.text).toContain('512 bits');
    expect(by('dkim_key_short')[0]).toMatchObject({ severity: 'warning' });
    expect(by('dkim_key_revoked')).toHaveLength(1);
    expect(r.records.dkim.map((s) => [s.selector, s.status, s.bits])).toEqual([
      ['gone', 'missing', null],
      ['weak', 'found', 512],
      ['short', 'found', 1024],
      ['old', 'found', null],
    ]);
  });

  it('an external rua without authorisation is an error; one with authorisation is fine', async () => {
    const r = await checkDomain(settings, input('keys.com'));
    expect(r.records.dmarc.rua).toEqual([
      { uri: 'mailto:agg@reports-vendor.net', domain: 'reports-vendor.net', external: true, authorised: false },
      { uri: 'mailto:x@authorised-vendor.net', domain: 'authorised-vendor.net', external: true, authorised: true },
    ]);
    const f = r.findings.filter((x) => x.code === 'dmarc_external_unauthorised');
    expect(f).toHaveLength(1);
    expect(f[0]!.text).toContain('keys.com._report._dmarc.reports-vendor.net');
    expect(server.queries).toContain('keys.com._report._dmarc.authorised-vendor.net TXT');
  });

  it('SERVFAIL gives "could not check" findings, not a crash', async () => {
    const r = await checkDomain(settings, input('broken.com'));
    expect(r.records.dmarc.status).toBe('unknown');
    const f = r.findings.find((x) => x.code === 'dmarc_unchecked')!;
    expect(f.severity).toBe('warning');
    expect(f.text).toContain('SERVFAIL');
    expect(codes(r.findings)).toContain('spf_unchecked');
    expect(codes(r.findings)).not.toContain('dmarc_missing');
  });

  it('a server that never answers gives "could not check: DNS timeout"', async () => {
    const r = await checkDomain(settings, input('silent.com'));
    expect(r.findings.find((x) => x.code === 'dmarc_unchecked')!.text).toContain('DNS timeout');
    expect(r.findings.find((x) => x.code === 'spf_unchecked')!.text).toContain('DNS timeout');
    const keys = await checkDomain(
      settings,
      input('silent.com', [
        { selector: 'a', domain: 'silent.com', messages: 1 },
        { selector: 'b', domain: 'silent.com', messages: 1 },
      ]),
    );
    expect(keys.records.dkim.map((k) => [k.selector, k.status, k.failure])).toEqual([
      ['a', 'unknown', 'DNS timeout'],
      ['b', 'unknown', 'DNS timeout'],
    ]);
    expect(keys.findings.filter((f) => f.code === 'dkim_unchecked')).toHaveLength(2);
  });

  it('an external rua whose authorisation the DNS does not answer is "could not check", not an error', async () => {
    const r = await checkDomain(settings, input('slowrua.com'));
    expect(r.records.dmarc.rua).toEqual([
      { uri: 'mailto:a@silent-vendor.net', domain: 'silent-vendor.net', external: true, authorised: null },
    ]);
    expect(r.findings.find((f) => f.code === 'dmarc_external_unchecked')?.severity).toBe('warning');
    expect(r.findings.map((f) => f.code)).not.toContain('dmarc_external_unauthorised');
  });

  it('no DNS server at all (a port nobody listens on) gives findings too', async () => {
    const r = await checkDomain({ servers: [`${DNS_TEST_HOST}:9`], timeoutMs: 300 }, input('goodmail.com'));
    expect(r.records.dmarc.status).toBe('unknown');
    expect(codes(r.findings)).toContain('dmarc_unchecked');
  });

  it('notices a policy weakened, a record removed, SPF broken and a selector gone', async () => {
    const before = await checkDomain(
      settings,
      input('goodmail.com', [{ selector: 's1', domain: 'goodmail.com', messages: 1 }]),
    );
    const zone = testZone();
    zone['_dmarc.goodmail.com'] = { TXT: ['v=DMARC1; p=none; rua=mailto:dmarc@goodmail.com'] };
    zone['goodmail.com'] = { TXT: ['v=spf1 include:gone.sender.net -all'] };
    delete zone['s1._domainkey.goodmail.com'];
    delete zone['_mta-sts.goodmail.com'];
    const changed = await startDnsServer(zone, { host: DNS_TEST_HOST });
    try {
      const after = await checkDomain(
        { servers: [changed.address], timeoutMs: 500 },
        input('goodmail.com', [{ selector: 's1', domain: 'goodmail.com', messages: 1 }]),
      );
      expect(after.digest).not.toBe(before.digest);
      const changes = diffChecks('goodmail.com', before, after);
      expect(changes.map((c) => c.kind).sort()).toEqual([
        'policy_weakened',
        'record_removed',
        'selector_gone',
        'spf_broken',
      ]);
      expect(changes.find((c) => c.kind === 'policy_weakened')!.text).toContain('p reject → none');
      expect(diffChecks('goodmail.com', after, after)).toEqual([]);
      expect(diffChecks('goodmail.com', null, after)).toEqual([]);
    } finally {
      await changed.close();
    }
  });
});

describe('record parsers', () => {
  it('DMARC: tag values, version first, unknown tags', () => {
    expect(parseDmarc('v=DMARC1; p=reject; pct=50; rua=mailto:a@b.com!10m').errors).toEqual([]);
    expect(parseDmarc('p=reject; v=DMARC1').errors[0]).toContain('start with v=DMARC1');
    expect(parseDmarc('v=DMARC1; p=block').errors).toEqual(['p=block: expected none, quarantine or reject']);
    expect(parseDmarc('v=DMARC1; p=none; pct=150').errors).toEqual(['pct=150: expected a whole number from 0 to 100']);
    expect(parseDmarc('v=DMARC1; p=none; adkim=x; aspf=y').errors).toHaveLength(2);
    expect(parseDmarc('v=DMARC1; p=none; rua=dmarc@x.com').errors[0]).toContain('not a mailto: or https:');
    expect(parseDmarc('v=DMARC1; sp=none').errors).toContain('the p= tag (the policy) is missing');
    expect(parseDmarc('v=DMARC1; p=none; p=reject').errors).toContain('the tag p appears twice');
    expect(parseDmarc('v=DMARC1; p=none; foo=bar').unknown).toEqual(['foo']);
  });

  it('external destinations by organisational domain', () => {
    expect(isExternal('mail.example.co.uk', 'example.co.uk')).toBe(false);
    expect(isExternal('example.com', 'vendor.net')).toBe(true);
  });

  it('SPF: mechanisms, modifiers and bad terms', () => {
    const p = parseSpf('v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 include:x.com ~all redirect=y.com');
    expect(p.errors).toEqual([]);
    expect(p.terms.map((t) => t.name)).toEqual(['ip4', 'ip6', 'include', 'all', 'redirect']);
    expect(parseSpf('v=spf1 ip4:300.1.1.1 -all').errors[0]).toContain('not an IPv4');
    expect(parseSpf('v=spf1 includes:x.com').errors[0]).toContain('not an SPF mechanism');
    expect(parseSpf('v=spf1 include -all').errors[0]).toContain('include needs a domain');
    expect(parseSpf('spf1 -all').errors[0]).toContain('start with v=spf1');
  });

  it('DKIM keys: size, revoked, unreadable', () => {
    expect(parseDkimKey(`v=DKIM1; p=${KEY1024}`)).toMatchObject({
      keyType: 'rsa',
      bits: 1024,
      revoked: false,
      errors: [],
    });
    expect(parseDkimKey('v=DKIM1; p=')).toMatchObject({ revoked: true });
    expect(parseDkimKey('v=DKIM1; p=AAAA').errors).toContain('the public key in p= cannot be read');
    expect(parseDkimKey('v=DKIM1; k=dsa; p=AAAA').errors[0]).toContain('expected rsa or ed25519');
    expect(parseDkimKey('v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=')).toMatchObject({
      bits: 256,
    });
  });
});
