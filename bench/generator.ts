// Deterministic synthetic DMARC aggregate reports (same seed → same bytes), for benchmarks and tests.
// Realistic shape: IPv4 and some IPv6 sources, 1-2 DKIM and 1 SPF auth results, mostly passing mail.

export interface SyntheticReportSpec {
  seed: number;
  records: number;
  /** The reporter (org_name); one of a few real ones by default. */
  reporterOrg?: string;
  reportId?: string;
  domain?: string;
  /** Unix seconds; the period is one day from here. */
  begin?: number;
  /** Number of distinct source IPs to draw from. */
  ipPool?: number;
  /**
   * Each pool index is one address, the same in every report (a domain's senders recur day after day, as in real
   * data). Default: a random third octet per record (nearly every record a new address: the worst case).
   */
  stableIps?: boolean;
  /** Emit the DMARCbis namespace and elements. */
  dmarcbis?: boolean;
}

export interface SyntheticTotals {
  records: number;
  messages: number;
  dmarcPass: number;
}

/** mulberry32: tiny, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ORGS = ['google.com', 'Outlook.com', 'Yahoo', 'Mail.Ru', 'AMAZON-SES', 'Fastmail Pty Ltd', 'GMX', 'Zoho'];

function ipFor(rand: () => number, n: number, stable = false): string {
  if (n % 17 === 0) return `2001:db8:${(n >>> 16).toString(16)}::${(n & 0xffff).toString(16)}`;
  return `${10 + (n % 200)}.${(n >>> 8) & 255}.${stable ? (n * 37) & 255 : Math.floor(rand() * 256)}.${n & 255}`;
}

/**
 * Yields the report XML in chunks (one per record), so that a 200,000-record report never has to exist
 * as one string. `totals` is filled in as the chunks are produced.
 */
export function* syntheticReportChunks(spec: SyntheticReportSpec, totals?: SyntheticTotals): Generator<string> {
  const rand = prng(spec.seed);
  const org = spec.reporterOrg ?? ORGS[spec.seed % ORGS.length]!;
  const domain = spec.domain ?? `example${spec.seed % 5}.com`;
  const begin = spec.begin ?? 1_700_000_000 + (spec.seed % 90) * 86_400;
  const reportId = spec.reportId ?? `synthetic-${spec.seed}`;
  const pool = spec.ipPool ?? 5000;
  const ns = spec.dmarcbis ? ' xmlns="urn:ietf:params:xml:ns:dmarc-2.0"' : '';
  yield `<?xml version="1.0" encoding="UTF-8"?>
<feedback${ns}>
  <version>1.0</version>
  <report_metadata>
    <org_name>${org}</org_name>
    <email>noreply-dmarc@${org.toLowerCase().replace(/[^a-z0-9.]/g, '')}</email>
    <report_id>${reportId}</report_id>
    <date_range><begin>${begin}</begin><end>${begin + 86_399}</end></date_range>
  </report_metadata>
  <policy_published>
    <domain>${domain}</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp>${spec.dmarcbis ? '<np>reject</np><testing>n</testing><discovery_method>treewalk</discovery_method>' : '<pct>100</pct>'}<fo>1</fo>
  </policy_published>
`;
  for (let i = 0; i < spec.records; i++) {
    const ip = ipFor(rand, Math.floor(rand() * pool), spec.stableIps);
    const count = 1 + Math.floor(rand() ** 3 * 1000);
    const dkimPass = rand() < 0.8;
    const spfPass = rand() < 0.7;
    const disposition = dkimPass || spfPass ? 'none' : rand() < 0.5 ? 'quarantine' : 'reject';
    const forwarded = !dkimPass && !spfPass && rand() < 0.2;
    if (totals) {
      totals.records++;
      totals.messages += count;
      if (dkimPass || spfPass) totals.dmarcPass += count;
    }
    const selector = rand() < 0.5 ? 'google' : 's1';
    yield `  <record>
    <row>
      <source_ip>${ip}</source_ip>
      <count>${count}</count>
      <policy_evaluated>
        <disposition>${disposition}</disposition>
        <dkim>${dkimPass ? 'pass' : 'fail'}</dkim>
        <spf>${spfPass ? 'pass' : 'fail'}</spf>${forwarded ? '\n        <reason><type>forwarded</type><comment>list</comment></reason>' : ''}
      </policy_evaluated>
    </row>
    <identifiers>
      <header_from>${domain}</header_from>
      <envelope_from>${spfPass ? domain : 'bounce.example.net'}</envelope_from>
    </identifiers>
    <auth_results>
      <dkim><domain>${dkimPass ? domain : 'esp.example.net'}</domain><selector>${selector}</selector><result>${dkimPass ? 'pass' : 'fail'}</result></dkim>${rand() < 0.3 ? `\n      <dkim><domain>esp.example.net</domain><selector>k1</selector><result>pass</result></dkim>` : ''}
      <spf><domain>${spfPass ? domain : 'bounce.example.net'}</domain><scope>mfrom</scope><result>${spfPass ? 'pass' : 'softfail'}</result></spf>
    </auth_results>
  </record>
`;
  }
  yield '</feedback>\n';
}

export function syntheticReportXml(spec: SyntheticReportSpec, totals?: SyntheticTotals): string {
  return [...syntheticReportChunks(spec, totals)].join('');
}
