// A small aggregate report with the source addresses a test needs, and storing it as an entry point would (file
// intake, then the pipeline and its "report stored" sink).
import type { ReportStoredSink } from '../../src/events/report-stored.js';
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile, type ProcessResult } from '../../src/ingest/process-file.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import type { Database } from '../../src/store/database.js';

export function reportXml(o: { reportId: string; ips: readonly string[]; domain?: string; begin?: number }): string {
  const begin = o.begin ?? 1_767_225_600; // 2026-01-01
  const records = o.ips
    .map(
      (ip, i) => `<record><row><source_ip>${ip}</source_ip><count>${i + 1}</count>
      <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
      <identifiers><header_from>${o.domain ?? 'example.com'}</header_from></identifiers>
      <auth_results><dkim><domain>${o.domain ?? 'example.com'}</domain><result>pass</result></dkim>
      <spf><domain>${o.domain ?? 'example.com'}</domain><result>pass</result></spf></auth_results></record>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>google.com</org_name><email>noreply-dmarc-support@google.com</email>
    <report_id>${o.reportId}</report_id><date_range><begin>${begin}</begin><end>${begin + 86_399}</end></date_range>
  </report_metadata>
  <policy_published><domain>${o.domain ?? 'example.com'}</domain><adkim>r</adkim><aspf>r</aspf><p>none</p>
    <sp>none</sp><pct>100</pct></policy_published>
  ${records}
</feedback>`;
}

/** Stores the report as `dmarc import` would (intake, pipeline, sink); returns the pipeline's result. */
export async function storeReport(
  db: Database,
  orgId: number,
  xml: string,
  sink: ReportStoredSink,
): Promise<ProcessResult> {
  const bytes = Buffer.from(xml);
  const intake = await intakeFile(db, { orgId, bytes, name: 'report.xml', source: 'cli' });
  return processFile(db, { orgId, fileId: intake.fileId }, { limits: DEFAULT_UNPACK_LIMITS, sink });
}
