// Aggregate reports for the advice tests: per record its source IP, count, header_from, policy-evaluated DKIM and
// SPF, override reasons, and DKIM (d=, s=, result) and SPF (domain, result) auth results.
export interface AdviceRecord {
  ip: string;
  count?: number;
  headerFrom?: string;
  dkim?: { d: string; s?: string; result?: string }[];
  spf?: { d: string; result?: string }[];
  /** Policy-evaluated [dkim, spf] (default: pass, pass). */
  evaluated?: ['pass' | 'fail', 'pass' | 'fail'];
  reasons?: string[];
}

export function adviceReportXml(o: {
  reportId: string;
  records: readonly AdviceRecord[];
  domain?: string;
  begin?: number;
  reporter?: string;
  p?: string;
  sp?: string;
  pct?: number;
}): string {
  const domain = o.domain ?? 'example.com';
  const begin = o.begin ?? 1_767_225_600;
  const records = o.records
    .map((r) => {
      const [dkim, spf] = r.evaluated ?? ['pass', 'pass'];
      const reasons = (r.reasons ?? []).map((t) => `<reason><type>${t}</type><comment>${t} seen</comment></reason>`);
      const dk = (r.dkim ?? [])
        .map(
          (d) =>
            `<dkim><domain>${d.d}</domain>${d.s ? `<selector>${d.s}</selector>` : ''}<result>${d.result ?? 'pass'}</result></dkim>`,
        )
        .join('');
      const sp = (r.spf ?? []).map((s) => `<spf><domain>${s.d}</domain><result>${s.result ?? 'pass'}</result></spf>`);
      return `<record><row><source_ip>${r.ip}</source_ip><count>${r.count ?? 1}</count>
      <policy_evaluated><disposition>none</disposition><dkim>${dkim}</dkim><spf>${spf}</spf>${reasons.join('')}</policy_evaluated></row>
      <identifiers><header_from>${r.headerFrom ?? domain}</header_from></identifiers>
      <auth_results>${dk}${sp.join('') || `<spf><domain>${domain}</domain><result>none</result></spf>`}</auth_results></record>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>${o.reporter ?? 'google.com'}</org_name><email>dmarc@reporter.example</email>
    <report_id>${o.reportId}</report_id><date_range><begin>${begin}</begin><end>${begin + 86_399}</end></date_range>
  </report_metadata>
  <policy_published><domain>${domain}</domain><adkim>r</adkim><aspf>r</aspf><p>${o.p ?? 'none'}</p>
    <sp>${o.sp ?? o.p ?? 'none'}</sp><pct>${o.pct ?? 100}</pct></policy_published>
  ${records}
</feedback>`;
}
