// The JSON event of one record: field names and value forms as parsedmarc's flat aggregate output
// (parsed_aggregate_reports_to_csv_rows) wherever the same thing is meant, so that dashboards built for it in Splunk
// or Kibana keep working — dates 'YYYY-MM-DD HH:MM:SS' UTC, alignment as booleans, list fields comma-joined,
// override reasons comma-joined and comments '|'-joined. Added: the organisation (org_id, org_slug), the ASN of
// the source, and event_id, stable per record, which Elasticsearch uses as the document _id (a re-send overwrites
// rather than duplicates) and Splunk users can `dedup` on.
import type { EventRow } from '../store/output-outbox.js';

export type OutputEvent = Record<string, string | number | boolean | null> & {
  event_id: string;
  begin_date: string | null;
};

function stamp(d: Date | null): string | null {
  return d ? d.toISOString().slice(0, 19).replace('T', ' ') : null;
}

const joined = (xs: readonly string[]) => xs.join(',');

export function recordEvent(r: EventRow): OutputEvent {
  const dkimAligned = r.dkim === 'pass';
  const spfAligned = r.spf === 'pass';
  return {
    event_id: `dmarc-${r.orgId}-${r.reportId}-${r.idx}`,
    org_id: r.orgId,
    org_slug: r.orgSlug,
    xml_schema: r.version ?? 'draft',
    org_name: r.orgName,
    org_email: r.email,
    org_extra_contact_info: r.extraContactInfo,
    report_id: r.externalReportId,
    begin_date: stamp(r.beginAt),
    end_date: stamp(r.endAt),
    errors: r.reporterErrors.join('|'),
    domain: r.domain,
    adkim: r.adkim,
    aspf: r.aspf,
    p: r.p,
    sp: r.sp,
    np: r.np,
    pct: r.pct,
    fo: r.fo,
    source_ip_address: r.sourceIp,
    source_country: r.country,
    source_reverse_dns: r.ptr,
    source_base_domain: r.baseDomain,
    source_asn: r.asn,
    source_as_name: r.asOrg,
    count: r.count,
    spf_aligned: spfAligned,
    dkim_aligned: dkimAligned,
    dmarc_aligned: spfAligned || dkimAligned,
    disposition: r.disposition,
    policy_override_reasons: joined(r.reasonTypes),
    policy_override_comments: r.reasonComments.join('|'),
    envelope_from: r.envelopeFrom,
    header_from: r.headerFrom,
    envelope_to: r.envelopeTo,
    dkim_domains: joined(r.dkimDomains),
    dkim_selectors: joined(r.dkimSelectors),
    dkim_results: joined(r.dkimResults),
    spf_domains: joined(r.spfDomains),
    spf_scopes: joined(r.spfScopes),
    spf_results: joined(r.spfResults),
  };
}

/** The event's time (its period begin) in Unix seconds, now when unknown. */
export function eventTime(e: OutputEvent, now: Date): number {
  return e.begin_date ? Date.parse(`${e.begin_date.replace(' ', 'T')}Z`) / 1000 : Math.floor(now.getTime() / 1000);
}
