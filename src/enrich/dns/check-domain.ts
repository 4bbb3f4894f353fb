// One DNS check of a policy domain: every record looked up (DMARC, SPF and its tree, the DKIM selectors the reports
// show, MTA-STS, TLS-RPT, BIMI), the findings, and a digest of what is published (for change detection). Never
// throws for DNS trouble: a timeout or SERVFAIL is a finding ("could not check").
import { createHash } from 'node:crypto';
import type { DnsRecords, Finding, FindingSeverity } from '../../model/dns-checks.js';
import { checkDkim, lintDkim, type SeenSelector } from './dkim.js';
import { checkDmarc, lintDmarc, type ReportedPolicy } from './dmarc.js';
import { checkSpf } from './lookup-counter.js';
import { lintBimi, lintMtaSts, lintTlsRpt } from './mail-policies.js';
import { DnsQueries, type DnsCheckSettings } from './resolver.js';
import { lintSpf } from './spf.js';
import { readTxt } from './txt.js';

export interface DomainCheckInput {
  domain: string;
  /** The DKIM selectors the reports show for the domain (and its subdomains). */
  selectors: readonly SeenSelector[];
  /** The policy the latest reports show as published; null without reports. */
  reported: ReportedPolicy | null;
}

export interface DomainCheckResult {
  records: DnsRecords;
  findings: Finding[];
  digest: string;
  /** DNS queries sent. */
  queries: number;
}

const ORDER: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };

/** The findings about a domain's records, most severe first. Pure. */
export function lintRecords(input: DomainCheckInput, records: DnsRecords): Finding[] {
  const d = input.domain;
  const all = [
    ...lintDmarc(d, records.dmarc, input.reported),
    ...lintSpf(d, records.spf),
    ...lintDkim(records.dkim),
    ...lintMtaSts(d, records.mtaSts),
    ...lintTlsRpt(d, records.tlsRpt),
    ...lintBimi(d, records.bimi, records.dmarc.tags),
  ];
  return all
    .map((f, i) => ({ f, i }))
    .sort((a, b) => ORDER[a.f.severity] - ORDER[b.f.severity] || a.i - b.i)
    .map((x) => x.f);
}

/** The digest of what is published (not of counts that move every day, such as messages per selector). */
export function recordsDigest(records: DnsRecords): string {
  const published = {
    dmarc: [records.dmarc.status, records.dmarc.records, records.dmarc.rua.map((r) => [r.uri, r.authorised])],
    spf: [records.spf.status, records.spf.records, records.spf.includes, records.spf.lookups],
    dkim: records.dkim.map((s) => [s.name, s.status, s.keyType, s.bits, s.revoked]).sort(),
    mtaSts: [records.mtaSts.status, records.mtaSts.records],
    tlsRpt: [records.tlsRpt.status, records.tlsRpt.records],
    bimi: [records.bimi.status, records.bimi.records],
  };
  return createHash('sha256').update(JSON.stringify(published)).digest('hex');
}

export async function checkDomain(settings: DnsCheckSettings, input: DomainCheckInput): Promise<DomainCheckResult> {
  const dns = new DnsQueries(settings);
  const d = input.domain;
  const [dmarc, spf, dkim, mtaSts, tlsRpt, bimi] = await Promise.all([
    checkDmarc(dns, d),
    checkSpf(dns, d),
    checkDkim(dns, input.selectors),
    readTxt(dns, `_mta-sts.${d}`, 'STSv1'),
    readTxt(dns, `_smtp._tls.${d}`, 'TLSRPTv1'),
    readTxt(dns, `default._bimi.${d}`, 'BIMI1'),
  ]);
  const records: DnsRecords = { dmarc, spf, dkim, mtaSts, tlsRpt, bimi };
  return { records, findings: lintRecords(input, records), digest: recordsDigest(records), queries: dns.queries };
}
