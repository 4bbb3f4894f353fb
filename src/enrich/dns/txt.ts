// Reading the TXT records of one kind at a name: the records starting with the kind's version tag (v=DMARC1,
// v=spf1, ...), as the check stores them, with what the lookup said when there are none.
import type { TxtRecordState } from '../../model/dns-checks.js';
import { failureText, isDefiniteAbsence, type DnsQueries } from './resolver.js';

/** Whether a TXT record is of the kind whose version tag is `version` (v=DMARC1: "v=DMARC1" then ; or end). */
export function hasVersion(record: string, version: string, separator: RegExp): boolean {
  const head = record.trim().split(separator, 1)[0] ?? '';
  return head.replace(/\s+/g, '').toLowerCase() === `v=${version.toLowerCase()}`;
}

export async function readTxt(
  dns: DnsQueries,
  name: string,
  version: string,
  separator: RegExp = /;/,
): Promise<TxtRecordState> {
  const a = await dns.txt(name);
  if (!a.ok) {
    return isDefiniteAbsence(a.failure)
      ? { name, status: 'missing', records: [] }
      : { name, status: 'unknown', records: [], failure: failureText(a.failure) };
  }
  const records = a.records.filter((r) => hasVersion(r, version, separator));
  return { name, status: records.length > 0 ? 'found' : 'missing', records };
}

/** Tag=value pairs of a tag list (RFC 6376 §3.2, as DMARC, MTA-STS, TLS-RPT and BIMI records use it). */
export function parseTagList(record: string): { tags: Map<string, string>; errors: string[] } {
  const tags = new Map<string, string>();
  const errors: string[] = [];
  for (const part of record.split(';')) {
    const t = part.trim();
    if (t === '') continue;
    const eq = t.indexOf('=');
    if (eq <= 0) {
      errors.push(`'${t.slice(0, 40)}' is not a tag=value pair`);
      continue;
    }
    const name = t.slice(0, eq).trim().toLowerCase();
    const value = t.slice(eq + 1).trim();
    if (!/^[a-z][a-z0-9_]*$/.test(name)) {
      errors.push(`'${name.slice(0, 40)}' is not a tag name`);
      continue;
    }
    if (tags.has(name)) errors.push(`the tag ${name} appears twice`);
    else tags.set(name, value);
  }
  return { tags, errors };
}
