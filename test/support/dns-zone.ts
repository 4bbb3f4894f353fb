// The zone the DNS check tests serve (test/enrich/dns-checks.test.ts, the task, API and e2e tests): good and broken
// domains of every kind the checks know, on 127.0.0.53 (a loopback address no other suite binds).
import { generateKeyPairSync } from 'node:crypto';
import type { ZoneEntry } from './dns-server.js';

export const DNS_TEST_HOST = '127.0.0.53';

function rsaKey(bits: number): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}
const KEY2048 = rsaKey(2048);
export const KEY1024 = rsaKey(1024);
const KEY512 = rsaKey(512);

/** A zone of good and broken domains. */
export function testZone(): Record<string, ZoneEntry> {
  const zone: Record<string, ZoneEntry> = {
    // good: everything in order
    '_dmarc.goodmail.com': { TXT: ['v=DMARC1; p=reject; sp=reject; adkim=s; rua=mailto:dmarc@goodmail.com'] },
    'goodmail.com': {
      TXT: ['v=spf1 include:_spf.sender.net ip4:192.0.2.0/24 -all', 'google-site-verification=x'],
      MX: ['mx.goodmail.com'],
    },
    'mx.goodmail.com': { A: ['192.0.2.25'] },
    '_spf.sender.net': { TXT: ['v=spf1 ip4:198.51.100.0/24 -all'] },
    's1._domainkey.goodmail.com': { TXT: [`v=DKIM1; k=rsa; p=${KEY2048}`] },
    '_mta-sts.goodmail.com': { TXT: ['v=STSv1; id=20260101'] },
    '_smtp._tls.goodmail.com': { TXT: ['v=TLSRPTv1; rua=mailto:tls@goodmail.com'] },
    'default._bimi.goodmail.com': { TXT: ['v=BIMI1; l=https://goodmail.com/logo.svg'] },
    // missing DMARC; SPF +all
    'nodmarc.com': { TXT: ['v=spf1 +all'] },
    // two DMARC records; ?all
    '_dmarc.twodmarc.com': { TXT: ['v=DMARC1; p=none', 'v=DMARC1; p=reject'] },
    'twodmarc.com': { TXT: ['v=spf1 a ?all'], A: ['192.0.2.1'] },
    // SPF with 11 lookups (4 at the top, 7 in the include)
    '_dmarc.manylookups.com': { TXT: ['v=DMARC1; p=quarantine; rua=mailto:d@manylookups.com'] },
    'manylookups.com': {
      TXT: ['v=spf1 a mx include:big.manylookups.com exists:%{i}.x.manylookups.com -all'],
      A: ['192.0.2.2'],
      MX: ['mx.manylookups.com'],
    },
    'mx.manylookups.com': { A: ['192.0.2.3'] },
    'big.manylookups.com': {
      TXT: [
        'v=spf1 a:h1.manylookups.com a:h2.manylookups.com a:h3.manylookups.com a:h4.manylookups.com a:h5.manylookups.com a:h6.manylookups.com a:h7.manylookups.com -all',
      ],
    },
    // an include loop, and an include without a record
    '_dmarc.loopy.com': { TXT: ['v=DMARC1; p=none; rua=mailto:d@loopy.com'] },
    'loopy.com': { TXT: ['v=spf1 include:a.loopy.com include:nothing.loopy.com -all'] },
    'a.loopy.com': { TXT: ['v=spf1 include:b.loopy.com -all'] },
    'b.loopy.com': { TXT: ['v=spf1 include:a.loopy.com -all'] },
    // DKIM: no key, 512 bits, 1024 bits, revoked; external rua without and with authorisation
    '_dmarc.keys.com': {
      TXT: ['v=DMARC1; p=reject; rua=mailto:agg@reports-vendor.net,mailto:x@authorised-vendor.net'],
    },
    'keys.com': { TXT: ['v=spf1 -all'] },
    'weak._domainkey.keys.com': { TXT: [`v=DKIM1; k=rsa; p=${KEY512}`] },
    'short._domainkey.keys.com': { TXT: [`k=rsa; p=${KEY1024}`] },
    'old._domainkey.keys.com': { TXT: ['v=DKIM1; p='] },
    'keys.com._report._dmarc.authorised-vendor.net': { TXT: ['v=DMARC1'] },
    // a server failure and a name that never answers
    '_dmarc.broken.com': { fail: 'SERVFAIL' },
    'broken.com': { fail: 'SERVFAIL' },
    '_dmarc.silent.com': { fail: 'silent' },
    'silent.com': { fail: 'silent' },
    'a._domainkey.silent.com': { fail: 'silent' },
    'b._domainkey.silent.com': { fail: 'silent' },
    // an external rua whose authorisation the DNS never answers
    '_dmarc.slowrua.com': { TXT: ['v=DMARC1; p=reject; rua=mailto:a@silent-vendor.net'] },
    'slowrua.com': { TXT: ['v=spf1 -all'] },
    'slowrua.com._report._dmarc.silent-vendor.net': { fail: 'silent' },
  };
  return zone;
}
