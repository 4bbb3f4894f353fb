// Every SMTP TLS report of the shared corpus (MANIFEST.tsv kind smtp_tls), unpacked and parsed, against its
// independently derived ground truth. New manifest rows are picked up automatically.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../../src/parse/parse-file.js';
import { DEFAULT_UNPACK_LIMITS } from '../../../src/parse/types.js';
import { readManifest } from '../../support/manifest.js';

interface TlsTruth {
  organization_name: string;
  report_id: string;
  start: string;
  end: string;
  policies: number;
  policy_types: string[];
  policy_domains: string[];
  successful: number;
  failed: number;
  failure_details: number;
}

const rows = readManifest().filter((r) => r.kind === 'smtp_tls');
const seconds = (iso: string): number => Date.parse(iso) / 1000;

describe('SMTP TLS corpus (MANIFEST.tsv ground truth)', () => {
  it('has the smtp_tls rows the corpus README announces', () => {
    expect(rows.length).toBe(16);
  });

  // a report whose policies all leave out policy-domain names no domain to file it under: refused, precisely
  const named = rows.filter((r) => (r.expected as TlsTruth).policy_domains.length > 0);
  const unnamed = rows.filter((r) => (r.expected as TlsTruth).policy_domains.length === 0);

  it.each(named)('$path → its report', async (row) => {
    const truth = row.expected as TlsTruth;
    const parsed = await parseFile(readFileSync(row.absPath), row.path.split('/').pop()!, DEFAULT_UNPACK_LIMITS);
    expect(parsed.error).toBeNull();
    expect(parsed.status).toBe('ok');
    expect(parsed.reports).toEqual([]);
    expect(parsed.tlsReports).toHaveLength(1);
    const r = parsed.tlsReports[0]!;
    expect(r.organizationName).toBe(truth.organization_name);
    expect(r.reportId).toBe(truth.report_id);
    expect(r.start).toBe(seconds(truth.start));
    expect(r.end).toBe(seconds(truth.end));
    expect(r.policies).toHaveLength(truth.policies);
    expect([...new Set(r.policies.map((p) => p.policyType))].sort()).toEqual([...truth.policy_types].sort());
    expect([...new Set(r.policies.flatMap((p) => (p.policyDomain ? [p.policyDomain] : [])))]).toEqual(
      truth.policy_domains.map((d) => d.toLowerCase()),
    );
    expect(r.domain).toBe(truth.policy_domains[0]!.toLowerCase());
    expect(r.policies.reduce((a, p) => a + p.successfulSessions, 0)).toBe(truth.successful);
    expect(r.policies.reduce((a, p) => a + p.failedSessions, 0)).toBe(truth.failed);
    expect(r.policies.reduce((a, p) => a + p.failureDetails.length, 0)).toBe(truth.failure_details);
  });

  it.each(unnamed)('$path → refused: no policy names its domain', async (row) => {
    const parsed = await parseFile(readFileSync(row.absPath), row.path.split('/').pop()!, DEFAULT_UNPACK_LIMITS);
    expect(parsed.status).toBe('failed');
    expect(parsed.error).toBe(
      'SMTP TLS report: policies[0].policy.policy-domain is missing (no policy names its domain)',
    );
  });

  it('keeps a detail of the RFC 8460 example in full', async () => {
    const row = rows.find((r) => r.path === 'parsedmarc/rfc8460.json')!;
    const parsed = await parseFile(readFileSync(row.absPath), 'rfc8460.json', DEFAULT_UNPACK_LIMITS);
    const p = parsed.tlsReports[0]!.policies[0]!;
    expect(p.policyString.length).toBeGreaterThan(0);
    expect(p.mxHost.length).toBeGreaterThan(0);
    expect(p.failureDetails[0]).toMatchObject({
      resultType: expect.any(String),
      failedSessionCount: expect.any(Number),
    });
  });
});
