// Domain names as sender identification compares them: lower case, without the root's trailing dot, and matched
// on label boundaries only (`mail.sendgrid.net` is under `sendgrid.net`; `evilsendgrid.net` and
// `sendgrid.net.evil.example` are not). Pure string work, no DNS.

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** `Mail.SendGrid.NET.` → `mail.sendgrid.net`; blank → null. */
export function normaliseName(name: string | null | undefined): string | null {
  if (name === null || name === undefined) return null;
  let n = name.trim().toLowerCase();
  if (n.endsWith('.')) n = n.slice(0, -1);
  return n === '' ? null : n;
}

/**
 * A host or domain name of two labels or more, each of letters, digits and inner hyphens (IDNs in their
 * `xn--` form), 253 characters at most, whose last label is not all digits (so that `192.0.2.1` is not a name).
 * Expects a normalised (lower-case) name.
 */
export function isDomainName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (labels.length < 2) return false;
  for (const label of labels) if (!LABEL.test(label)) return false;
  return !/^[0-9]+$/.test(labels[labels.length - 1]!);
}

/**
 * The first of `name`'s label-boundary suffixes (longest first: the name itself, then without its first label,
 * and so on down to two labels) that `lookup` knows, with what it returned. The most specific pattern wins.
 * Cost: one map lookup per label, whatever the size of the catalogue.
 */
export function longestSuffixMatch<T>(
  name: string,
  lookup: (suffix: string) => T | undefined,
): { suffix: string; value: T } | null {
  let start = 0;
  for (;;) {
    const suffix = start === 0 ? name : name.slice(start);
    // A single label (a TLD) is never a pattern; stop before it.
    if (suffix.indexOf('.') < 0) return null;
    const value = lookup(suffix);
    if (value !== undefined) return { suffix, value };
    const dot = name.indexOf('.', start);
    if (dot < 0) return null;
    start = dot + 1;
  }
}

/** Is `name` equal to `domain` or under it (on a label boundary)? Both normalised. */
export function isUnder(name: string, domain: string): boolean {
  return name === domain || (name.endsWith(domain) && name.charCodeAt(name.length - domain.length - 1) === 46);
}
