// Special-purpose address ranges (IANA's IPv4 and IPv6 Special-Purpose Address Registries, RFC 6890 and later):
// private networks, loopback, link-local, carrier-grade NAT, documentation, benchmarking, multicast, ... An
// address in one is labelled with its kind and never looked up in DNS or in the location databases: it says
// nothing about who sent the mail (a reporter's own relay, a mis-written report) and its PTR would leak queries.
import type { ReservedKind } from '../model/ip-enrichment.js';
import { parseIp, type ParsedIp } from './ip-address.js';

interface V4Range {
  base: number;
  bits: number;
  kind: ReservedKind;
}
interface V6Range {
  groups: number[];
  bits: number;
  kind: ReservedKind;
}

function v4(cidr: string, kind: ReservedKind): V4Range {
  const [addr = '', bits = '32'] = cidr.split('/');
  const p = parseIp(addr);
  if (p?.family !== 4) throw new Error(`bad IPv4 range ${cidr}`);
  return { base: p.v4, bits: Number(bits), kind };
}

function v6(cidr: string, kind: ReservedKind): V6Range {
  const [addr = '', bits = '128'] = cidr.split('/');
  const p = parseIp(addr);
  if (p?.family !== 6) throw new Error(`bad IPv6 range ${cidr}`);
  return { groups: [...p.groups], bits: Number(bits), kind };
}

// Most specific first where ranges nest (a /32 inside a /8).
const V4_RANGES: readonly V4Range[] = [
  v4('255.255.255.255/32', 'broadcast'),
  v4('0.0.0.0/8', 'unspecified'), // "this network"
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'cgnat'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'), // IETF protocol assignments
  v4('192.0.2.0/24', 'documentation'), // TEST-NET-1
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'benchmarking'),
  v4('198.51.100.0/24', 'documentation'), // TEST-NET-2
  v4('203.0.113.0/24', 'documentation'), // TEST-NET-3
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'), // future use
];

const V6_RANGES: readonly V6Range[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('::/96', 'reserved'), // deprecated IPv4-compatible addresses
  v6('64:ff9b:1::/48', 'private'), // local-use IPv4/IPv6 translation
  v6('100::/64', 'reserved'), // discard-only
  v6('2001:2::/48', 'benchmarking'),
  v6('2001:10::/28', 'reserved'), // ORCHID (deprecated)
  v6('2001:20::/28', 'reserved'), // ORCHIDv2
  v6('2001:db8::/32', 'documentation'),
  v6('3fff::/20', 'documentation'),
  v6('5f00::/16', 'reserved'), // segment routing SIDs
  v6('fc00::/7', 'unique-local'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'reserved'), // site-local (deprecated)
  v6('ff00::/8', 'multicast'),
];

function inV4(n: number, r: V4Range): boolean {
  if (r.bits === 0) return true;
  // (bits 1-32: a shift of 0-31; >>> keeps the numbers unsigned)
  const shift = 32 - r.bits;
  return n >>> shift === r.base >>> shift;
}

function inV6(g: Uint16Array, r: V6Range): boolean {
  let bits = r.bits;
  for (let i = 0; i < 8 && bits > 0; i++) {
    const take = Math.min(16, bits);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if ((g[i]! & mask) !== (r.groups[i]! & mask)) return false;
    bits -= take;
  }
  return true;
}

/** The kind of special-purpose range a parsed address is in, or null for a public address. */
export function reservedKindOf(p: ParsedIp): ReservedKind | null {
  if (p.family === 4) {
    for (const r of V4_RANGES) if (inV4(p.v4, r)) return r.kind;
    return null;
  }
  for (const r of V6_RANGES) if (inV6(p.groups, r)) return r.kind;
  return null;
}

/** The kind of special-purpose range `ip` is in, or null for a public address (or a text that is no address). */
export function reservedKind(ip: string): ReservedKind | null {
  const p = parseIp(ip);
  return p ? reservedKindOf(p) : null;
}
