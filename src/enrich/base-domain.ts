// The registrable domain of a host name ("base domain": mail-ed1-f41.google.com → google.com,
// o1.ptr4321.sendgrid.net → sendgrid.net), from the Public Suffix List's ICANN section (tldts). Private suffixes
// (e.g. compute.amazonaws.com) are left out on purpose: a sender is grouped under amazonaws.com, not under every
// customer's own host name.
import { getDomain } from 'tldts';

const HOST = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** A host name in lower case, without the trailing dot; null when it is not a valid one. */
export function normaliseHostName(name: string): string | null {
  const n = name.trim().toLowerCase().replace(/\.$/, '');
  return HOST.test(n) ? n : null;
}

/** The registrable domain of a (normalised) host name, or null (a bare public suffix, a single label, an IP). */
export function baseDomainOf(host: string): string | null {
  return getDomain(host, { allowPrivateDomains: false, validateHostname: true, detectIp: true }) ?? null;
}
