// parse/ may not use node:net (it is pure), so it has its own address check: it must agree with net.isIP.
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipFamily } from '../../../src/parse/aggregate/ip-family.js';

const KNOWN = [
  '',
  '0.0.0.0',
  '192.0.2.1',
  '255.255.255.255',
  '256.0.0.1',
  '01.2.3.4',
  '1.2.3',
  '1.2.3.4.5',
  '1.2.3.4 ',
  ' 1.2.3.4',
  '0x1.2.3.4',
  '::',
  '::1',
  '1::',
  ':1',
  '1:',
  ':::',
  '1:::2',
  '1::2::3',
  '2001:db8::1',
  '2001:DB8:0:0:0:0:0:1',
  '2001:0db8:0000:0000:0000:ff00:0042:8329',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7::',
  '::2:3:4:5:6:7:8',
  '1:2:3:4::5:6:7:8',
  '::ffff:192.0.2.1',
  '::192.0.2.1',
  '1:2:3:4:5:6:192.0.2.1',
  '1:2:3:4:5:6:7:192.0.2.1',
  '1:2:3:4:5::192.0.2.1',
  '1:2:3:4:5:6::192.0.2.1',
  '192.0.2.1::',
  '::ffff:01.2.3.4',
  '12345::',
  'g::1',
  '[::1]',
];

const TOKENS = [
  '',
  '0',
  '1',
  'a',
  'ffff',
  'FFFF',
  '0db8',
  '12345',
  'g',
  '1.2.3.4',
  '01.2.3.4',
  '255.0.0.256',
  ':',
  '::',
];

/** Deterministic strings built from address-like pieces, so that most are near misses. */
function* generated(count: number): Generator<string> {
  let seed = 0x2545f491;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(next() * 16);
    let s = '';
    for (let j = 0; j < n; j++) s += TOKENS[Math.floor(next() * TOKENS.length)];
    yield s;
  }
}

describe('ipFamily', () => {
  it('agrees with node:net isIP on known cases', () => {
    for (const s of KNOWN) expect([s, ipFamily(s)]).toEqual([s, isIP(s)]);
  });

  it('agrees with node:net isIP on generated near-addresses (zone ids aside)', () => {
    const disagree: string[] = [];
    let v6 = 0;
    for (const s of generated(200_000)) {
      const want = isIP(s);
      if (want === 6) v6++;
      if (ipFamily(s) !== want) disagree.push(s);
    }
    expect(disagree.slice(0, 10)).toEqual([]);
    expect(v6).toBeGreaterThan(1000); // the generator does reach valid addresses
  });

  it('rejects zone ids, which net.isIP accepts', () => {
    expect(isIP('fe80::1%eth0')).toBe(6);
    expect(ipFamily('fe80::1%eth0')).toBe(0);
  });
});
