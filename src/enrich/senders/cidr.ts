// IPv4 and IPv6 ranges (CIDR) as a user writes them in a sender rule: parsed strictly, written back in one
// canonical form, and matched against source addresses. The address arithmetic is ipaddr.js's.
import ipaddr from 'ipaddr.js';

export interface Cidr {
  readonly family: 4 | 6;
  readonly address: ipaddr.IPv4 | ipaddr.IPv6;
  readonly bits: number;
  /** `203.0.113.0/28`, `2001:db8::/32`. */
  readonly text: string;
}

export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; message: string };

/**
 * `203.0.113.0/28`, `2001:db8::/32`, or one address (`/32` or `/128` implied). IPv4 in four-part decimal only
 * (not `10.1` or `0x7f.1`); no IPv6 zone (`%eth0`); no host bits after the prefix (`203.0.113.5/28` is refused
 * with the network it probably meant). An IPv4-mapped IPv6 range (`::ffff:203.0.113.0/120`) is turned into its
 * IPv4 range, since IPv4-mapped sources are matched as IPv4.
 */
export function parseCidr(input: string): CidrResult {
  const text = input.trim();
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const bitsText = slash < 0 ? null : text.slice(slash + 1);
  const bad = (why: string): CidrResult => ({
    ok: false,
    message: `'${input}' is not an IPv4 or IPv6 address or CIDR range (${why}); for example 203.0.113.0/28 or 2001:db8::/48`,
  });

  let address: ipaddr.IPv4 | ipaddr.IPv6;
  if (ipaddr.IPv4.isValidFourPartDecimal(addrText)) address = ipaddr.IPv4.parse(addrText);
  else if (!addrText.includes('%') && addrText.includes(':') && ipaddr.IPv6.isValid(addrText)) {
    address = ipaddr.IPv6.parse(addrText);
  } else return bad(addrText === '' ? 'no address' : `'${addrText}' is not an IP address`);

  const max = address.kind() === 'ipv4' ? 32 : 128;
  let bits = max;
  if (bitsText !== null) {
    if (!/^[0-9]{1,3}$/.test(bitsText) || Number(bitsText) > max) {
      return bad(`the prefix length must be a number from 0 to ${max}`);
    }
    bits = Number(bitsText);
  }

  if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() && bits >= 96) {
    address = address.toIPv4Address();
    bits -= 96;
  }

  const network = networkOf(address, bits);
  const family = address.kind() === 'ipv4' ? 4 : 6;
  const canonical = `${network.toString()}/${bits}`;
  if (network.toString() !== address.toString()) {
    return {
      ok: false,
      message: `'${input}' has bits set after its /${bits} prefix; the range is ${canonical}`,
    };
  }
  return { ok: true, cidr: { family, address: network, bits, text: canonical } };
}

function networkOf(address: ipaddr.IPv4 | ipaddr.IPv6, bits: number): ipaddr.IPv4 | ipaddr.IPv6 {
  const bytes = address.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return ipaddr.fromByteArray(bytes);
}

/** A source address as matched against ranges: IPv4-mapped IPv6 as IPv4; null when it is not an address. */
export function parseSourceIp(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const t = ip.trim();
  if (!ipaddr.IPv4.isValidFourPartDecimal(t) && !(t.includes(':') && ipaddr.IPv6.isValid(t))) return null;
  return ipaddr.process(t);
}

export function cidrContains(cidr: Cidr, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.kind() !== cidr.address.kind()) return false;
  return address.match(cidr.address, cidr.bits);
}
