// The corpus's failure reports (MANIFEST.tsv kind `forensic`) parse to their ground truth; their reduced copies
// (what is kept) hold no body, only the listed headers, and parse to the same report.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FailureReport } from '../../../src/model/failure.js';
import { DEFAULT_FAILURE_PRIVACY, parseFailureReport } from '../../../src/parse/failure/index.js';
import { redactFailureMail } from '../../../src/parse/failure/redact.js';
import { DEFAULT_UNPACK_LIMITS } from '../../../src/parse/types.js';
import { unpack } from '../../../src/parse/unpack/index.js';
import { readManifest } from '../../support/manifest.js';

const rows = readManifest().filter((r) => r.kind === 'forensic');

async function arfOf(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  const parts = [];
  for await (const p of unpack(bytes, name, DEFAULT_UNPACK_LIMITS)) parts.push(p);
  expect(parts.map((p) => p.type)).toEqual(['arf']);
  const [part] = parts;
  if (part?.type !== 'arf') throw new Error('no arf part');
  return part.raw;
}

/** Ground truth keys of MANIFEST.tsv → the parsed report's value. */
function truthOf(r: FailureReport, key: string): unknown {
  switch (key) {
    case 'feedback-type':
      return r.feedbackType;
    case 'user-agent':
      return r.userAgent;
    case 'version':
      return r.version;
    case 'auth-failure':
      return r.authFailure;
    case 'source-ip':
      return r.sourceIp;
    case 'reported-domain':
      return r.reportedDomain;
    case 'original-mail-from':
      return r.originalMailFrom;
    case 'original-rcpt-to':
      return r.originalRcptTo[0];
    case 'arrival-date':
      return r.arrivalDateRaw;
    case 'delivery-result':
      return r.deliveryResult;
    case 'dkim-domain':
      return r.dkimDomain;
    case 'identity-alignment':
      return r.identityAlignment;
    case 'has_authentication_results':
      return r.authenticationResults.length > 0;
    case 'original_message_part':
      return r.original !== 'none';
    case 'arf_part':
      return r.format === 'arf';
    default:
      return undefined;
  }
}

describe('failure reports of the corpus', () => {
  it('has forensic rows', () => expect(rows.length).toBeGreaterThanOrEqual(10));

  it.each(rows)('$path parses to its ground truth', async (row) => {
    const bytes = fs.readFileSync(row.absPath);
    const report = await parseFailureReport(await arfOf(bytes, 'f.eml'), DEFAULT_FAILURE_PRIVACY);
    const expected = row.expected as Record<string, unknown>;
    let checked = 0;
    for (const [key, value] of Object.entries(expected)) {
      const got = truthOf(report, key);
      if (got === undefined) continue; // report_type, quirks: about the mail, not the report
      checked++;
      if (key === 'source-ip') expect(got, key).toBe(String(value).split(' ')[0]);
      else if (typeof value === 'string' && key !== 'arrival-date' && key !== 'original-mail-from')
        expect(String(got).toLowerCase(), key).toBe(value.toLowerCase());
      else expect(got, key).toEqual(value);
    }
    expect(checked).toBeGreaterThanOrEqual(2);
    // only the default headers of the original message, never anything of its body
    for (const h of report.headers) expect(['from', 'to', 'subject', 'message-id']).toContain(h.name.toLowerCase());
  });

  it.each(rows)('$path: the kept copy holds no body and parses to the same report', async (row) => {
    const raw = await arfOf(fs.readFileSync(row.absPath), 'f.eml');
    const reduced = await redactFailureMail(raw, DEFAULT_FAILURE_PRIVACY);
    const before = await parseFailureReport(raw, DEFAULT_FAILURE_PRIVACY);
    const after = await parseFailureReport(await arfOf(reduced, 'f.eml'), DEFAULT_FAILURE_PRIVACY);
    // the copy holds the original as headers only, whatever the reporter attached
    expect({ ...after, original: before.original }).toEqual(before);
    expect(after.reporter).toBe(before.reporter);
    const text = Buffer.from(reduced).toString('utf8');
    expect(text).not.toMatch(/^(Received|DKIM-Signature|Return-Path|Content-Type: text\/html):/im);
  });
});
