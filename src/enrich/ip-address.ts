// IP address text → numbers, for range checks and binary searches. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d)
// are the IPv4 address they carry: that is the host that sent the mail, and what the databases and DNS know.
import net from 'node:net';

export type ParsedIp =
  | { family: 4; /** The address as an unsigned 32-bit number. */ v4: number }
  | { family: 6; /** The eight 16-bit groups. */ groups: Uint16Array };

function parseV4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const b = Number(p);
    if (b > 255) return undefined;
    n = n * 256 + b;
  }
  return n;
}

function parseV6(text: string): Uint16Array | undefined {
  let s = text;
  const tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) > 0) {
    // embedded IPv4 in the last 32 bits
    const v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail.push(Math.floor(v4 / 65536), v4 % 65536);
    s = `${s.slice(0, lastColon + 1)}`;
    s = s.endsWith('::') ? s : s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const words = [...head, ...rest].map((h) => (/^[0-9a-f]{1,4}$/i.test(h) ? parseInt(h, 16) : NaN));
  if (words.some(Number.isNaN)) return undefined;
  const given = words.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const out = new Uint16Array(8);
  head.forEach((_, i) => (out[i] = words[i]!));
  const end = [...words.slice(head.length), ...tail];
  end.forEach((w, i) => (out[8 - end.length + i] = w));
  return out;
}

/** The address, or undefined when the text is not one (zone ids such as fe80::1%eth0 are not addresses here). */
export function parseIp(text: string): ParsedIp | undefined {
  const family = net.isIP(text);
  if (family === 4) {
    const v4 = parseV4(text);
    return v4 === undefined ? undefined : { family: 4, v4 };
  }
  if (family !== 6 || text.includes('%')) return undefined;
  const groups = parseV6(text);
  if (!groups) return undefined;
  if (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  ) {
    return { family: 4, v4: groups[6]! * 65536 + groups[7]! };
  }
  return { family: 6, groups };
}

/** The dotted form of an unsigned 32-bit number. */
export function v4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The address as one 128-bit number (IPv6). */
export function v6BigInt(groups: Uint16Array): bigint {
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}

/** The text the DNS and the databases are asked with: the IPv4 address for a mapped one, else the address. */
export function lookupText(p: ParsedIp, original: string): string {
  return p.family === 4 ? v4Text(p.v4) : original;
}

/**
 * The name a PTR record of the address sits at: 4.4.8.8.in-addr.arpa, or the 32 nibbles under ip6.arpa. (Asked
 * for with a PTR query rather than getHostByAddr, which answers "not found" for every failure.)
 */
export function reverseLookupName(p: ParsedIp): string {
  if (p.family === 4) return `${p.v4 & 255}.${(p.v4 >>> 8) & 255}.${(p.v4 >>> 16) & 255}.${p.v4 >>> 24}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (let i = 7; i >= 0; i--) {
    const g = p.groups[i]!;
    for (let k = 0; k < 4; k++) nibbles.push(((g >> (4 * k)) & 15).toString(16));
  }
  return `${nibbles.join('.')}.ip6.arpa`;
}
