// Aggregate reports whose records carry the evidence sender identification reads: per record its source IP,
// count, policy-evaluated outcome and DKIM (d=, s=, result) and SPF (domain, result) auth results.
export interface SenderRecord {
  ip: string;
  count?: number;
  dkim?: { d: string; s?: string; result?: string }[];
  spf?: { d: string; result?: string }[];
  /** Policy-evaluated results (default: pass, pass). */
  evaluated?: { dkim: 'pass' | 'fail'; spf: 'pass' | 'fail' };
}

export function senderReportXml(o: {
  reportId: string;
  records: readonly SenderRecord[];
  domain?: string;
  begin?: number;
  reporter?: string;
}): string {
  const domain = o.domain ?? 'example.com';
  const begin = o.begin ?? 1_767_225_600; // 2026-01-01
  const records = o.records
    .map((r) => {
      const ev = r.evaluated ?? { dkim: 'pass', spf: 'pass' };
      const dkim = (r.dkim ?? [])
        .map(
          (d) =>
            `<dkim><domain>${d.d}</domain>${d.s ? `<selector>${d.s}</selector>` : ''}<result>${d.result ?? 'pass'}</result></dkim>`,
        )
        .join('');
      const spf = (r.spf ?? []).map((s) => `<spf><domain>${s.d}</domain><result>${s.result ?? 'pass'}</result></spf>`);
      return `<record><row><source_ip>${r.ip}</source_ip><count>${r.count ?? 1}</count>
      <policy_evaluated><disposition>none</disposition><dkim>${ev.dkim}</dkim><spf>${ev.spf}</spf></policy_evaluated></row>
      <identifiers><header_from>${domain}</header_from></identifiers>
      <auth_results>${dkim}${spf.join('') || `<spf><domain>${domain}</domain><result>none</result></spf>`}</auth_results></record>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>${o.reporter ?? 'google.com'}</org_name><email>noreply-dmarc-support@google.com</email>
    <report_id>${o.reportId}</report_id><date_range><begin>${begin}</begin><end>${begin + 86_399}</end></date_range>
  </report_metadata>
  <policy_published><domain>${domain}</domain><adkim>r</adkim><aspf>r</aspf><p>none</p>
    <sp>none</sp><pct>100</pct></policy_published>
  ${records}
</feedback>`;
}
