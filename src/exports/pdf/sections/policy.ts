// The published policy of each domain (from the reports' policy_published, the latest in the period) and what
// still blocks enforcement: a plain summary of the failing volume by sender.
import type { ReportData } from '../data.js';
import { COLOR, type ReportDocument } from '../document.js';
import { domainText, num, pct, share } from '../format.js';
import { verdictText } from './senders.js';

export function drawPolicy(r: ReportDocument, d: ReportData): void {
  r.heading(
    'Published policy',
    'As the reporters saw it: the policy of the most recent report of each domain in this period.',
  );
  r.table(
    [
      { header: 'Domain', width: 4 },
      { header: 'p', width: 1.5 },
      { header: 'sp', width: 1.5 },
      { header: 'pct', width: 0.8, align: 'right' },
      { header: 'adkim', width: 1.1 },
      { header: 'aspf', width: 1 },
      { header: 'Messages', width: 1.6, align: 'right' },
      { header: 'Pass rate', width: 1.3, align: 'right' },
      { header: 'As of', width: 1.6 },
    ],
    d.policies.map((x) => [
      domainText(x.domain),
      x.policy.p ?? '–',
      x.policy.sp ?? '–',
      x.policy.pct === null ? '–' : String(x.policy.pct),
      x.policy.adkim ?? '–',
      x.policy.aspf ?? '–',
      num(x.messages),
      pct(x.complianceRate),
      x.policyDate ?? '–',
    ]),
  );

  r.heading('What still blocks enforcement');
  const failing = d.summary.messages - d.summary.dmarcPass;
  const notEnforced = d.policies.filter((x) => x.policy.p === 'none' || (x.policy.pct !== null && x.policy.pct < 100));
  if (notEnforced.length > 0) {
    r.paragraph(
      `Not enforced yet: ${notEnforced
        .map(
          (x) =>
            `${domainText(x.domain)} (p=${x.policy.p ?? '?'}${x.policy.pct !== null && x.policy.pct < 100 ? `, pct=${x.policy.pct}` : ''})`,
        )
        .join(', ')}. Receivers deliver failing mail for these domains as usual.`,
    );
  }
  if (failing === 0) {
    r.paragraph(
      'No message failed DMARC in this period: with every legitimate sender passing, nothing in these reports ' +
        'blocks moving the policy to quarantine or reject.',
    );
    return;
  }
  r.paragraph(
    `${num(failing)} messages (${share(failing, d.summary.messages)}) failed DMARC. Under p=reject they would be ` +
      'rejected. Before enforcing, the senders below that are yours (or that you approve) need DKIM signing with ' +
      'your domain or an SPF-aligned envelope sender; the rest is mail you want refused.',
  );
  r.table(
    [
      { header: 'Sender', width: 4.4 },
      { header: 'Verdict', width: 1.5 },
      { header: 'Failing messages', width: 2, align: 'right' },
      { header: 'Share of failures', width: 2, align: 'right' },
      { header: 'Its pass rate', width: 1.7, align: 'right' },
      { header: 'Sources', width: 1.3, align: 'right' },
    ],
    d.failingSenders.map((s) => [
      s.sender,
      verdictText(s.verdict),
      num(s.dmarcFail),
      share(s.dmarcFail, failing),
      pct(s.complianceRate),
      num(s.sources),
    ]),
    { colors: d.failingSenders.map(() => [undefined, undefined, COLOR.fail]) },
  );
}
