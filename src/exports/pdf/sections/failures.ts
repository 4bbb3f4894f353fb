// What fails and why: the sources with the most messages failing DMARC, each with what the reporters saw (From
// domain, the aligned DKIM/SPF results and the raw results with their domains), and the receivers' policy
// overrides (forwarded, mailing list, ...) with their reasons.
import type { ReportData } from '../data.js';
import { COLOR, type ReportDocument } from '../document.js';
import { num, share } from '../format.js';

const REASON: Record<string, string> = {
  forwarded: 'Forwarded',
  sampled_out: 'Sampled out (pct)',
  trusted_forwarder: 'Trusted forwarder',
  mailing_list: 'Mailing list',
  local_policy: 'Local policy',
  other: 'Other',
  policy_test_mode: 'Policy test mode',
};

function authText(aligned: string | null, results: string[]): string {
  const raw = results.length === 0 ? 'no result' : results.join(' ');
  return `${aligned ?? '–'} · ${raw}`;
}

export function drawFailures(r: ReportDocument, d: ReportData): void {
  r.addPage();
  const failing = d.summary.messages - d.summary.dmarcPass;
  r.heading(
    'What fails and why',
    failing === 0
      ? 'No message failed DMARC in this period.'
      : `${num(failing)} messages (${share(failing, d.summary.messages)}) failed DMARC: neither DKIM nor SPF ` +
          'passed aligned with the From domain. The sources with the most failing messages, and what the ' +
          'reporters saw (aligned result · raw results with their domains):',
  );
  if (d.failingSources.length > 0) {
    const rows: string[][] = [];
    const colors: (string | undefined)[][] = [];
    for (const s of d.failingSources) {
      const causes = d.causes.filter((c) => c.sourceIp === s.sourceIp);
      const sender = s.ptr && s.ptr !== s.sender ? `${s.sender} · ${s.ptr}` : s.sender;
      if (causes.length === 0) {
        rows.push([s.sourceIp ?? '(no address)', sender, num(s.dmarcFail), '–', '–', '–']);
        colors.push([undefined, undefined, COLOR.fail]);
        continue;
      }
      causes.forEach((c, i) => {
        rows.push([
          i === 0 ? (s.sourceIp ?? '(no address)') : '',
          i === 0 ? sender : '',
          num(c.messages),
          c.headerFrom ?? '–',
          authText(c.dkim, c.dkimResults),
          authText(c.spf, c.spfResults),
        ]);
        colors.push([undefined, undefined, COLOR.fail]);
      });
    }
    r.table(
      [
        { header: 'Source IP', width: 2.3 },
        { header: 'Sender', width: 2.8 },
        { header: 'Failing', width: 1.3, align: 'right' },
        { header: 'From domain', width: 2.4 },
        { header: 'DKIM', width: 3.6 },
        { header: 'SPF', width: 3.6 },
      ],
      rows,
      { size: 7.2, colors, maxLines: 3 },
    );
  }

  r.subheading('Policy overrides by the receivers');
  if (d.overrides.items.length === 0) {
    r.paragraph('No receiver reported overriding the published policy in this period.', { color: COLOR.muted });
    return;
  }
  r.paragraph(
    `${num(d.overrides.messages)} messages carried an override reason: the receiver applied another disposition ` +
      'than the policy asked for.',
    { color: COLOR.muted, size: 8.5 },
  );
  r.table(
    [
      { header: 'Reason', width: 2.6 },
      { header: 'Messages', width: 1.6, align: 'right' },
      { header: 'Records', width: 1.4, align: 'right' },
      { header: 'Reports', width: 1.4, align: 'right' },
      { header: 'Largest reports (reporter, domain, date)', width: 6 },
    ],
    d.overrides.items.map((o) => [
      REASON[o.type] ?? o.type,
      num(o.messages),
      num(o.records),
      num(o.reports),
      o.examples
        .slice(0, 2)
        .map((e) => `${e.orgName}, ${e.domain}${e.date ? `, ${e.date}` : ''}`)
        .join('; '),
    ]),
  );
}
