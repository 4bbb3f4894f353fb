// A digest as an e-mail: subject, plain text and HTML, both made from the same list of sections (so the two
// parts say the same thing), every value escaped in the HTML with the e-mail channel's escaping.
import { escapeHtml } from '../../alerts/channels/email.js';
import { countChange, domainText, num, pct, periodText, rateChange, timestamp } from '../pdf/format.js';
import type { DigestData, Headline } from './content.js';
import { periodLabel } from './period.js';

interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  /** Said instead of the table when it has no rows. */
  empty: string;
  /** Said under the table when it shows only the first rows. */
  more: string | null;
}

export interface DigestEmail {
  subject: string;
  text: string;
  html: string;
}

const CADENCE_WORDS = { daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly' } as const;

function moreText(shown: number, total: number, what: string): string | null {
  return total > shown ? `… and ${num(total - shown)} more ${what}` : null;
}

function headlineTable(d: DigestData): Table {
  const c: Headline = d.current;
  const p: Headline = d.previous;
  const rows = [
    ['Messages', num(c.messages), countChange(c.messages, p.messages).text],
    ['DMARC pass', num(c.dmarcPass), countChange(c.dmarcPass, p.dmarcPass).text],
    ['DMARC fail', num(c.dmarcFail), countChange(c.dmarcFail, p.dmarcFail).text],
    ['Compliance rate', pct(c.complianceRate), rateChange(c.complianceRate, p.complianceRate).text],
    ['Reports', num(c.reports), countChange(c.reports, p.reports).text],
  ];
  if (c.sources !== null && p.sources !== null) {
    rows.push(['Sources', num(c.sources), countChange(c.sources, p.sources).text]);
  }
  return {
    title: 'Headline figures',
    columns: [
      'Figure',
      'This period',
      `Change vs ${periodText({ from: d.previousPeriod.start, to: d.previousPeriod.end })}`,
    ],
    rows,
    empty: '',
    more: null,
  };
}

function tables(d: DigestData): Table[] {
  const out: Table[] = [headlineTable(d)];
  if (d.perDomain.length > 1 || d.domains.length > 1) {
    out.push({
      title: 'Domains',
      columns: ['Domain', 'Messages', 'Compliance rate', 'Change'],
      rows: d.perDomain.map((x) => [
        domainText(x.domain),
        num(x.messages),
        pct(x.complianceRate),
        rateChange(x.complianceRate, x.previousComplianceRate).text,
      ]),
      empty: 'No reports for these domains in the period.',
      more: null,
    });
  }
  // open alerts only when there are some
  if (d.openAlertsTotal > 0) {
    out.push({
      title: 'Open alerts',
      columns: ['Severity', 'Alert', 'Since'],
      rows: d.openAlerts.map((a) => [a.severity, `${a.ruleName}: ${a.summary}`, timestamp(a.firstSeenAt)]),
      empty: '',
      more: moreText(d.openAlerts.length, d.openAlertsTotal, 'open alerts'),
    });
  }
  out.push({
    title: 'Senders that fail DMARC',
    columns: ['Sender', 'Failing messages', 'Messages', 'Compliance rate'],
    rows: d.failingSenders.map((s) => [s.sender, num(s.dmarcFail), num(s.messages), pct(s.complianceRate)]),
    empty: 'No sender failed DMARC in the period.',
    more: moreText(d.failingSenders.length, d.failingSendersTotal, 'failing senders'),
  });
  out.push({
    title: 'New senders',
    columns: ['Sender', 'Messages', 'Compliance rate'],
    rows: d.newSenders.map((s) => [s.sender, num(s.messages), pct(s.complianceRate)]),
    empty: 'No new senders in the period.',
    more: moreText(d.newSenders.length, d.newSendersTotal, 'new senders'),
  });
  out.push({
    title: 'Files that failed to import',
    columns: ['File', 'Received', 'Why'],
    rows: d.failedFiles.map((f) => [f.name, timestamp(f.receivedAt), f.error ?? 'failed']),
    empty: 'No file failed to import in the period.',
    more: moreText(d.failedFiles.length, d.failedFilesTotal, 'failed files'),
  });
  return out;
}

function textTable(t: Table): string[] {
  const lines = [t.title, '-'.repeat(t.title.length)];
  if (t.rows.length === 0) return [...lines, t.empty, ''];
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  lines.push(fmt(t.columns), ...t.rows.map(fmt));
  if (t.more) lines.push(t.more);
  return [...lines, ''];
}

function htmlTable(t: Table): string {
  const h = `<h3 style="margin:20px 0 6px">${escapeHtml(t.title)}</h3>`;
  if (t.rows.length === 0) return `${h}<p>${escapeHtml(t.empty)}</p>`;
  const cell = 'padding:3px 12px 3px 0;text-align:left;vertical-align:top';
  const head = t.columns.map((c) => `<th style="${cell}">${escapeHtml(c)}</th>`).join('');
  const body = t.rows
    .map((r) => `<tr>${r.map((v) => `<td style="${cell}">${escapeHtml(v)}</td>`).join('')}</tr>`)
    .join('');
  const more = t.more ? `<p style="color:#666">${escapeHtml(t.more)}</p>` : '';
  return `${h}<table style="border-collapse:collapse"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${more}`;
}

/** The subject, plain text and HTML of a digest; `attachment` names the attached PDF, if any. */
export function digestEmail(d: DigestData, attachment: string | null): DigestEmail {
  const label = periodLabel(d.cadence, d.period);
  const subject = `DMARC digest · ${d.orgName} · ${label}`;
  const scope = d.domains.length === 0 ? 'all domains' : d.domains.map(domainText).join(', ');
  const lead =
    `${CADENCE_WORDS[d.cadence]} digest "${d.digestName}" for ${scope}: ` +
    `${periodText({ from: d.period.start, to: d.period.end })} (${d.timeZone}).`;
  const foot = [
    ...(attachment ? [`The full report is attached: ${attachment}.`] : []),
    'Days are the report periods\u2019 start dates (UTC), as on the dashboard.',
    '-- DMARC report platform',
  ];
  const ts = tables(d);
  const text = [subject, '', lead, '', ...ts.flatMap(textTable), ...foot].join('\n');
  const html =
    `<!doctype html><html><body style="font-family:sans-serif">` +
    `<h2>${escapeHtml(subject)}</h2><p>${escapeHtml(lead)}</p>` +
    ts.map(htmlTable).join('') +
    foot.map((f) => `<p style="color:#666">${escapeHtml(f)}</p>`).join('') +
    `</body></html>`;
  return { subject, text, html };
}
