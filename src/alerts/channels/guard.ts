// The private-address guard of webhook channels (no SSRF into the operator's network): a target whose host is,
// or resolves to, an address in a special-purpose range (private, loopback, link-local, carrier-grade NAT,
// documentation, benchmarking, multicast, unique-local, ...; src/enrich/reserved.ts) is refused unless the
// installation allows it (DMARC_WEBHOOK_ALLOW_PRIVATE=true). Checked when a channel is saved and again at every
// send, on the addresses the connection then uses (guardedLookup), so that a name re-pointed after the check
// (DNS rebinding) is refused too. Plain http is allowed only where private targets are (a test or lab setup).
import dns from 'node:dns';
import net from 'node:net';
import { parseIp } from '../../enrich/ip-address.js';
import { reservedKind } from '../../enrich/reserved.js';
import { PermanentDeliveryError } from './define.js';

/** The target is refused by the guard (a permanent failure). */
export class TargetRefusedError extends PermanentDeliveryError {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefusedError';
  }
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) read as the IPv4 address it carries. */
function unmapped(address: string): string {
  const p = parseIp(address);
  if (p?.family === 6 && p.groups.slice(0, 5).every((g) => g === 0) && p.groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = [p.groups[6], p.groups[7]];
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return address;
}

/** Why `address` may not be reached ('loopback', 'private', ...), or null when it is a public address. */
export function refusedKind(address: string): string | null {
  return reservedKind(unmapped(address));
}

/** The URL a webhook channel posts to, checked for its form: http(s), a host, no credentials. */
export function checkTargetUrl(url: string, allowPrivate: boolean): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TargetRefusedError('not a URL');
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && allowPrivate)) {
    throw new TargetRefusedError('must be an https:// URL');
  }
  if (u.username !== '' || u.password !== '') throw new TargetRefusedError('must not hold a user name or password');
  return u;
}

function hostOf(u: URL): string {
  return u.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Resolves the URL's host and refuses it when any of its addresses is not public (unless allowed). */
export async function checkTarget(url: string, allowPrivate: boolean): Promise<void> {
  const u = checkTargetUrl(url, allowPrivate);
  if (allowPrivate) return;
  const host = hostOf(u);
  let addresses: string[];
  if (net.isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await dns.promises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw new TargetRefusedError(`the host ${host} does not resolve`);
    }
  }
  for (const a of addresses) {
    const kind = refusedKind(a);
    if (kind) throw new TargetRefusedError(`the host ${host} is a ${kind} address (${a}): refused`);
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http(s).request: resolves as usual, then refuses the connection when an address is not public
 * (unless allowed). The connection goes to exactly the addresses checked here.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses;
      if (!allowPrivate) {
        for (const a of list) {
          const kind = refusedKind(a.address);
          if (kind) return callback(new TargetRefusedError(`the host ${hostname} is a ${kind} address: refused`), '');
        }
      }
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(new TargetRefusedError(`the host ${hostname} has no address`), '');
      return callback(null, first.address, first.family);
    });
  };
}

/** The same check for a URL whose host is an IP literal (http.request does not look those up). */
export function checkLiteralHost(u: URL, allowPrivate: boolean): void {
  const host = hostOf(u);
  if (allowPrivate || net.isIP(host) === 0) return;
  const kind = refusedKind(host);
  if (kind) throw new TargetRefusedError(`the host ${host} is a ${kind} address: refused`);
}
