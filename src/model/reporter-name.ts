// One name per reporting organisation. The report keeps the name as it was written (`reporter_org`); charts,
// filters and figures group by this canonical name, so that "google.com", "Google" and "Google, Inc." are
// one reporter. See known-reporters.ts for the table.
import crypto from 'node:crypto';
import { KNOWN_REPORTERS } from './known-reporters.js';

/** Raise when canonicalReporter names a reporter differently for the same input (not for table changes). */
const RULES_VERSION = 1;

/** Changes whenever the table or the rules do: stored names made with another version are out of date. */
export const REPORTER_NAMES_VERSION = `r${RULES_VERSION}-${crypto
  .createHash('sha256')
  .update(JSON.stringify(KNOWN_REPORTERS))
  .digest('hex')
  .slice(0, 16)}`;

const byDomain = new Map<string, string>();
const byAlias = new Map<string, string>();
for (const r of KNOWN_REPORTERS) {
  for (const d of r.domains) byDomain.set(d, r.name);
  for (const a of r.aliases) byAlias.set(a, r.name);
  byAlias.set(normaliseName(r.name), r.name);
}

/** Lower case, letters and digits only (any script), single spaces; a trailing "inc", "llc"... kept. */
export function normaliseName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * The name as a person would write it: no surrounding or stray quotes, no control characters, single spaces.
 * Reports quote their org_name ('"Google"', "'Yahoo'") or leave half a quote behind; what is left of an empty
 * name is the empty string.
 */
export function cleanReporterName(name: string): string {
  return (
    name
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/^[\s"'`\u2018\u2019\u201c\u201d]+|[\s"'`\u2018\u2019\u201c\u201d]+$/g, '')
      .replace(/\s+/g, ' ')
  );
}

/** The domain of an e-mail address, lower case, without a trailing dot; undefined when there is none. */
function emailDomain(email: string | null | undefined): string | undefined {
  if (!email) return undefined;
  // Reports write "mailto:" before it, angle brackets around it, or several addresses: the first one counts.
  const m = /@([a-z0-9.-]+[a-z0-9])/i.exec(email);
  return m?.[1]?.toLowerCase().replace(/\.$/, '');
}

/** The known reporter whose mail domain is `domain` or a parent of it. */
function knownByDomain(domain: string): string | undefined {
  for (let d = domain; d.includes('.'); d = d.slice(d.indexOf('.') + 1)) {
    const name = byDomain.get(d);
    if (name !== undefined) return name;
  }
  return undefined;
}

/**
 * The canonical reporter for a report's org_name and e-mail: the known reporter its e-mail domain belongs to,
 * else the known reporter its name is an alias of, else its own cleaned name ("(unnamed reporter)" for none).
 */
export function canonicalReporter(orgName: string, email: string | null | undefined): string {
  const domain = emailDomain(email);
  const byMail = domain === undefined ? undefined : knownByDomain(domain);
  if (byMail !== undefined) return byMail;
  const cleaned = cleanReporterName(orgName);
  const known = byAlias.get(normaliseName(cleaned));
  if (known !== undefined) return known;
  // A name that is a known reporter's mail domain ("google.com", "mail.ru").
  const asDomain = knownByDomain(cleaned.toLowerCase());
  if (asDomain !== undefined && /^[a-z0-9.-]+$/i.test(cleaned)) return asDomain;
  return cleaned === '' ? '(unnamed reporter)' : cleaned;
}
