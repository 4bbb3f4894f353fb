// The Sources search box takes what the API's source_ip takes (an address or a CIDR network), and says in words
// why anything else is not searched for.
import { describe, expect, it } from 'vitest';
import { isIPv4, isIPv6, parseSourceSearch } from '../../web/src/lib/ip';

describe('source search', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1', false],
    [' 192.0.2.1 ', '192.0.2.1', false],
    ['192.0.2.0/24', '192.0.2.0/24', true],
    ['10.0.0.0/8', '10.0.0.0/8', true],
    ['0.0.0.0/0', '0.0.0.0/0', true],
    ['2001:DB8::1', '2001:db8::1', false],
    ['2001:db8::/32', '2001:db8::/32', true],
    ['::1', '::1', false],
    ['::', '::', false],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1', false],
    ['2001:db8:85a3:1234:5678:8a2e:370:7334', '2001:db8:85a3:1234:5678:8a2e:370:7334', false],
    ['2001:db8::/128', '2001:db8::/128', true],
  ])('%s is searched for as %s', (text, value, network) => {
    expect(parseSourceSearch(text)).toEqual({ ok: true, value, network });
  });

  it.each([
    ['amazon', /“amazon” is not an IP address or network.*not available yet/],
    ['amazonses.com', /not an IP address or network/],
    ['', /Type an IP address or a network/],
    ['   ', /Type an IP address or a network/],
    ['192.0.2', /not an IP address/],
    ['192.0.2.256', /not an IP address/],
    ['01.2.3.4', /not an IP address/],
    ['192.0.2.0/33', /“\/33” is not a network size: use \/0 to \/32/],
    ['2001:db8::/129', /use \/0 to \/128 for an IPv6/],
    ['192.0.2.0/x', /not a network size/],
    ['192.0.2.0/24/8', /not an IP address/],
    ['fe80::1%eth0', /not an IP address/],
    ['2001:db8:::1', /not an IP address/],
    ['1:2:3:4:5:6:7:8:9', /not an IP address/],
    ['1::2::3', /not an IP address/],
    ['12345::1', /not an IP address/],
    ['::ffff:192.0.2.999', /not an IP address/],
  ])('%j is refused: %s', (text, reason) => {
    const r = parseSourceSearch(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('knows the address families', () => {
    expect([isIPv4('198.51.100.7'), isIPv4('2001:db8::1'), isIPv6('2001:db8::1'), isIPv6('1:2:3:4:5:6:7:8')]).toEqual([
      true,
      false,
      true,
      true,
    ]);
    expect([isIPv6('1:2:3:4:5:6:7'), isIPv6('1:2:3:4:5:6:7::'), isIPv6('1:2:3:4:5:6:1.2.3.4')]).toEqual([
      false,
      true,
      true,
    ]);
  });
});
