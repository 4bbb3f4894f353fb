// What the Sources search box takes: an IP address or a network in CIDR notation, checked in the browser the way
// the API checks source_ip (src/api/filters.ts parseAddressOrCidr), so that a name typed into it is answered at
// once in words rather than by three requests that fail. Pure.

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

export function isIPv6(s: string): boolean {
  if (s.includes('%')) return false; // a zone id names an interface of the reporter's host, not an address
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string): string[] | null => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return false;
  const all = [...head, ...tail];
  // the last group may be an IPv4 address (::ffff:192.0.2.1), counting as two
  let count = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!isIPv4(last)) return false;
    all.pop();
    count += 1;
  }
  if (!all.every((g) => HEX_GROUP.test(g))) return false;
  return halves.length === 2 ? count < 8 : count === 8;
}

export type ParsedSource = { ok: true; value: string; network: boolean } | { ok: false; reason: string };

/** "192.0.2.1", "2001:db8::1", "192.0.2.0/24", "2001:db8::/32" → the text to search for; else why not. */
export function parseSourceSearch(text: string): ParsedSource {
  const t = text.trim();
  if (t === '') return { ok: false, reason: 'Type an IP address or a network.' };
  const [addr, bits, ...rest] = t.split('/');
  const v4 = isIPv4(addr!);
  const v6 = !v4 && isIPv6(addr!);
  if (rest.length > 0 || (!v4 && !v6)) {
    return {
      ok: false,
      reason: `“${t}” is not an IP address or network. Searching by name (reverse DNS, ASN, sender) is not available yet.`,
    };
  }
  if (bits === undefined) return { ok: true, value: addr!.toLowerCase(), network: false };
  const max = v4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) {
    return {
      ok: false,
      reason: `“/${bits}” is not a network size: use /0 to /${max} for an IPv${v4 ? 4 : 6} address.`,
    };
  }
  return { ok: true, value: `${addr!.toLowerCase()}/${Number(bits)}`, network: true };
}
