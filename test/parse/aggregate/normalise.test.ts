import { describe, expect, it } from 'vitest';
import {
  canonicalIp,
  normaliseDomain,
  parseAlignedResult,
  parseAlignment,
  parseDiscoveryMethod,
  parseDisposition,
  parseDkimResult,
  parsePercent,
  parsePolicyAction,
  parseSpfResult,
  parseSpfScope,
  parseTesting,
  parseLenientTimestamp,
  parseUnixSeconds,
  parseWholeNumber,
  quote,
} from '../../../src/parse/aggregate/normalise.js';

describe('enums', () => {
  it('lower-cases values and accepts long alignment names', () => {
    expect(parseAlignedResult('PASS')).toBe('pass');
    expect(parseAlignedResult('Fail')).toBe('fail');
    expect(parsePolicyAction('Reject')).toBe('reject');
    expect(parseAlignment('relaxed')).toBe('r');
    expect(parseAlignment('STRICT')).toBe('s');
    expect(parseAlignment('S')).toBe('s');
    expect(parseTesting('Y')).toBe('y');
    expect(parseDiscoveryMethod('TreeWalk')).toBe('treewalk');
    expect(parseSpfScope('MFROM')).toBe('mfrom');
  });

  it('accepts disposition pass (DMARCbis) but not as a policy action', () => {
    expect(parseDisposition('pass')).toBe('pass');
    expect(parsePolicyAction('pass')).toBeUndefined();
  });

  it('maps legacy SPF result names', () => {
    expect(parseSpfResult('hardfail')).toBe('fail');
    expect(parseSpfResult('HardFail')).toBe('fail');
    expect(parseSpfResult('unknown')).toBe('permerror');
    expect(parseSpfResult('error')).toBe('temperror');
    expect(parseSpfResult('softfail')).toBe('softfail');
  });

  it('does not map legacy names where they have no meaning', () => {
    expect(parseDkimResult('hardfail')).toBeUndefined();
    expect(parseDkimResult('policy')).toBe('policy');
    expect(parseAlignedResult('softfail')).toBeUndefined();
  });

  it('returns undefined for unknown values', () => {
    expect(parseAlignment('invalid')).toBeUndefined();
    expect(parseDisposition('discard')).toBeUndefined();
    expect(parseTesting('yes')).toBeUndefined();
    expect(parseDiscoveryMethod('dns')).toBeUndefined();
    expect(parseSpfScope('pra')).toBeUndefined();
  });
});

describe('numbers', () => {
  it('reads Unix seconds, flooring decimals', () => {
    expect(parseUnixSeconds('1700000000')).toBe(1700000000);
    expect(parseUnixSeconds('1700000000.0')).toBe(1700000000);
    expect(parseUnixSeconds('1700000000.9')).toBe(1700000000);
    expect(parseUnixSeconds('0')).toBe(0);
  });

  it('rejects timestamps that are not non-negative decimals', () => {
    for (const t of ['', 'not-a-number', '-5', '1e9', '2024-01-01', '0x10', '99999999999999999999']) {
      expect(parseUnixSeconds(t), t).toBeUndefined();
    }
  });

  it('reads the schema-breaking forms of a timestamp: milliseconds, ISO 8601 dates (UTC unless zoned)', () => {
    expect(parseLenientTimestamp('1700000000000')).toEqual({ seconds: 1700000000, how: 'milliseconds' });
    expect(parseLenientTimestamp('2023-11-14')).toEqual({ seconds: 1699920000, how: 'date' });
    expect(parseLenientTimestamp('2023-11-14T00:00:00Z')).toEqual({ seconds: 1699920000, how: 'date' });
    expect(parseLenientTimestamp('2023-11-14 00:00:00')).toEqual({ seconds: 1699920000, how: 'date' });
    expect(parseLenientTimestamp('2023-11-14T02:00:00+02:00')).toEqual({ seconds: 1699920000, how: 'date' });
    expect(parseLenientTimestamp('2023-11-13T19:00:00-0500')).toEqual({ seconds: 1699920000, how: 'date' });
    expect(parseLenientTimestamp('2023-11-14T23:59:59.999Z')).toEqual({ seconds: 1700006399, how: 'date' });
    // a plain Unix timestamp is not lenient; nonsense and impossible dates are unreadable
    for (const t of ['1700000000', '', 'yesterday', '2023-02-30', '2023-13-01', '14/11/2023', '2023-11-14T25:00:00Z'])
      expect(parseLenientTimestamp(t), t).toBeUndefined();
  });

  it('reads whole numbers, also written "5.0"', () => {
    expect(parseWholeNumber('5')).toBe(5);
    expect(parseWholeNumber('5.0')).toBe(5);
    expect(parseWholeNumber('0')).toBe(0);
    for (const t of ['5.5', '-1', 'abc', '', '1e3', '99999999999999999999'])
      expect(parseWholeNumber(t), t).toBeUndefined();
  });

  it('reads pct only in 0..100', () => {
    expect(parsePercent('100')).toBe(100);
    expect(parsePercent('0')).toBe(0);
    expect(parsePercent('101')).toBeUndefined();
    expect(parsePercent('-1')).toBeUndefined();
    expect(parsePercent('50.5')).toBeUndefined();
  });
});

describe('domains', () => {
  it('lower-cases and drops a trailing dot', () => {
    expect(normaliseDomain('Example.COM.')).toBe('example.com');
    expect(normaliseDomain('example.com')).toBe('example.com');
    expect(normaliseDomain('.')).toBe('.');
  });
});

describe('canonicalIp', () => {
  it('keeps IPv4 as written', () => {
    expect(canonicalIp('192.0.2.1')).toBe('192.0.2.1');
  });

  it('lower-cases and compresses IPv6', () => {
    expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIp('2001:0db8:0000:0000:0000:ff00:0042:8329')).toBe('2001:db8::ff00:42:8329');
    expect(canonicalIp('::1')).toBe('::1');
  });

  it('strips brackets', () => {
    expect(canonicalIp('[2001:db8::1]')).toBe('2001:db8::1');
    expect(canonicalIp('[192.0.2.1]')).toBe('192.0.2.1');
  });

  it('keeps IPv4-mapped IPv6 as IPv6 with a dotted tail', () => {
    expect(canonicalIp('::FFFF:192.0.2.1')).toBe('::ffff:192.0.2.1');
    expect(canonicalIp('0:0:0:0:0:ffff:c000:0201')).toBe('::ffff:192.0.2.1');
  });

  it('rejects what is not an address', () => {
    for (const t of [
      '',
      'x',
      'not-an-ip-address',
      '010.1.1.1',
      '1.2.3',
      '256.1.1.1',
      'fe80::1%eth0',
      '2001:db8::g',
      'mail.example.com',
    ]) {
      expect(canonicalIp(t), t).toBeUndefined();
    }
  });
});

describe('quote', () => {
  it('bounds long values', () => {
    expect(quote('abc')).toBe("'abc'");
    expect(quote('x'.repeat(500)).length).toBeLessThan(90);
  });
});
