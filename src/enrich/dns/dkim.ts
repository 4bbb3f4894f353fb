// DKIM keys (RFC 6376 §3.6.1) of the selectors the reports show signing for the domain: published at
// <selector>._domainkey.<d>? Which key type and size (RSA under 1024 bits is an error, 1024 a warning, RFC 8301)?
// Revoked (empty p=)? Parsing and linting are pure; checkDkim does the lookups.
import { createPublicKey } from 'node:crypto';
import type { DkimSelectorState, Finding } from '../../model/dns-checks.js';
import { failureText, isDefiniteAbsence, type DnsQueries } from './resolver.js';
import { parseTagList } from './txt.js';

export interface ParsedDkimKey {
  keyType: string;
  bits: number | null;
  revoked: boolean;
  errors: string[];
}

/** The size of a public key given as base64 (SubjectPublicKeyInfo, or a bare PKCS#1 RSA key); null if unreadable. */
export function keyBits(keyType: string, base64: string): number | null {
  const der = Buffer.from(base64.replace(/\s+/g, ''), 'base64');
  if (der.length === 0) return null;
  if (keyType === 'ed25519') return der.length === 32 ? 256 : null;
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      const key = createPublicKey({ key: der, format: 'der', type });
      return key.asymmetricKeyDetails?.modulusLength ?? null;
    } catch {
      // not this encoding
    }
  }
  return null;
}

/** Parses a DKIM key record. Pure. */
export function parseDkimKey(record: string): ParsedDkimKey {
  const { tags, errors } = parseTagList(record);
  const v = tags.get('v');
  if (v !== undefined && v !== 'DKIM1') errors.push(`v=${v.slice(0, 20)}: expected DKIM1`);
  const keyType = (tags.get('k') ?? 'rsa').toLowerCase();
  if (keyType !== 'rsa' && keyType !== 'ed25519') errors.push(`k=${keyType.slice(0, 20)}: expected rsa or ed25519`);
  const p = tags.get('p');
  if (p === undefined) {
    errors.push('the p= tag (the public key) is missing');
    return { keyType, bits: null, revoked: false, errors };
  }
  if (p.replace(/\s+/g, '') === '') return { keyType, bits: null, revoked: true, errors };
  if (!/^[A-Za-z0-9+/=\s]+$/.test(p)) errors.push('p= is not base64');
  const bits = keyBits(keyType, p);
  if (bits === null) errors.push('the public key in p= cannot be read');
  return { keyType, bits, revoked: false, errors };
}

/** A DKIM selector the reports show, with the messages signed with it. */
export interface SeenSelector {
  selector: string;
  domain: string;
  messages: number;
}

const SELECTOR = /^[a-z0-9_](?:[a-z0-9_.-]{0,62})$/i;

/** Looks up every selector's key at once (a silent server costs one time limit, not one per selector). */
export function checkDkim(dns: DnsQueries, seen: readonly SeenSelector[]): Promise<DkimSelectorState[]> {
  return Promise.all(seen.map((s) => checkSelector(dns, s)));
}

async function checkSelector(dns: DnsQueries, s: SeenSelector): Promise<DkimSelectorState> {
  const name = `${s.selector}._domainkey.${s.domain}`;
  const base = {
    selector: s.selector,
    domain: s.domain,
    name,
    messages: s.messages,
    keyType: null,
    bits: null,
    revoked: false,
  };
  if (!SELECTOR.test(s.selector)) return { ...base, status: 'missing' };
  const a = await dns.txt(name);
  if (!a.ok) {
    return isDefiniteAbsence(a.failure)
      ? { ...base, status: 'missing' }
      : { ...base, status: 'unknown', failure: failureText(a.failure) };
  }
  const key = a.records.find((r) => /(^|;)\s*p\s*=/i.test(r));
  if (!key) return { ...base, status: 'missing' };
  const parsed = parseDkimKey(key);
  return { ...base, status: 'found', keyType: parsed.keyType, bits: parsed.bits, revoked: parsed.revoked };
}

/** The findings about the selectors. Pure. */
export function lintDkim(selectors: readonly DkimSelectorState[]): Finding[] {
  const out: Finding[] = [];
  const f = (code: string, severity: Finding['severity'], text: string) =>
    out.push({ code, severity, text, record: 'dkim' });
  for (const s of selectors) {
    const who = `the DKIM selector ${s.selector} of ${s.domain} (${s.messages} messages in the reports)`;
    if (s.status === 'unknown') {
      f(
        'dkim_unchecked',
        'warning',
        `Could not check ${who}: ${s.failure ?? 'DNS error'}. Checked again at the next run.`,
      );
    } else if (s.status === 'missing') {
      f(
        'dkim_key_missing',
        'warning',
        `No key is published for ${who} at ${s.name}: mail signed with it fails DKIM. Publish the key your mail service gives you, or stop signing with this selector if it is retired.`,
      );
    } else if (s.revoked) {
      f(
        'dkim_key_revoked',
        'warning',
        `The key of ${who} is revoked (empty p=): mail still signed with it fails DKIM. Make the sender use a current selector.`,
      );
    } else if (s.keyType === 'rsa' && s.bits !== null && s.bits < 1024) {
      f(
        'dkim_key_weak',
        'error',
        `The RSA key of ${who} has only ${s.bits} bits: receivers reject keys under 1024 bits (RFC 8301) and it can be broken. Publish a 2048-bit key under a new selector and switch signing to it.`,
      );
    } else if (s.keyType === 'rsa' && s.bits !== null && s.bits < 2048) {
      f(
        'dkim_key_short',
        'warning',
        `The RSA key of ${who} has ${s.bits} bits: the minimum, no longer considered safe. Rotate to a 2048-bit key under a new selector.`,
      );
    } else if (s.bits === null) {
      f(
        'dkim_key_invalid',
        'error',
        `The key published for ${who} cannot be read: mail signed with it fails DKIM. Publish it again as given by your mail service.`,
      );
    }
  }
  return out;
}
