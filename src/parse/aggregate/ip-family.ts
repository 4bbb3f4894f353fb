// Which textual IP address family a string is, without node:net (parse/ is pure: no module that does I/O).
// Accepts what node's net.isIP accepts, except zone ids (`fe80::1%eth0`), which a report's source_ip never
// needs: test/parse/aggregate/ip-family.test.ts checks the two against each other.

const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Dotted-quad IPv4, four decimal octets 0-255, no leading zeros (`010.0.0.1` is not an address). */
function isIpv4(t: string): boolean {
  const octets = t.split('.');
  return octets.length === 4 && octets.every((o) => DECIMAL_OCTET.test(o) && Number(o) <= 255);
}

/** Number of 16-bit groups written in `part` (a side of `::`, or the whole address), or -1 if malformed. */
function countGroups(part: string, last: boolean): number {
  if (part === '') return 0;
  const groups = part.split(':');
  let n = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] ?? '';
    // an embedded IPv4 address (the last 32 bits) counts as two groups
    if (HEX_GROUP.test(g)) n += 1;
    else if (last && i === groups.length - 1 && isIpv4(g)) n += 2;
    else return -1;
  }
  return n;
}

/** RFC 4291 §2.2 text: eight groups, or fewer with one `::` standing for at least one zero group. */
function isIpv6(t: string): boolean {
  const gap = t.indexOf('::');
  if (gap < 0) return countGroups(t, true) === 8;
  const head = t.slice(0, gap);
  const tail = t.slice(gap + 2);
  if (tail.includes('::')) return false;
  const before = countGroups(head, false);
  const after = countGroups(tail, true);
  return before >= 0 && after >= 0 && before + after <= 7;
}

/** 4 or 6 when `t` is an IPv4 or IPv6 address in text form, 0 otherwise (as node's net.isIP, zones aside). */
export function ipFamily(t: string): 0 | 4 | 6 {
  if (isIpv4(t)) return 4;
  if (t.includes(':') && isIpv6(t)) return 6;
  return 0;
}
