// Who sends mail as the domains: the top senders (src/analytics/senders.ts), the countries of the sources
// (src/analytics/countries.ts) and the top source addresses (src/analytics/sources.ts).
import { countriesChart, sendersChart } from '../charts.js';
import type { ReportData } from '../data.js';
import { COLOR, type ReportDocument } from '../document.js';
import { num, pct } from '../format.js';

const VERDICT: Record<string, string> = { approved: 'approved', not_ours: 'not ours', own: 'own', mixed: 'mixed' };

export function verdictText(v: string | null): string {
  return v === null ? '–' : (VERDICT[v] ?? v);
}

export function drawSenders(r: ReportDocument, d: ReportData): void {
  r.addPage();
  r.heading(
    'Who sends mail as your domains',
    'Senders are identified from each source address (known services, else its reverse DNS or network); ' +
      'countries from offline geolocation of the sources.',
  );
  const half = (r.width - 20) / 2;
  const rows = Math.max(d.senders.length, Math.min(d.countries.length, 8), 3);
  const h = 50 + rows * 20;
  const top = r.y;
  r.line('Top senders', r.left, top, half, { size: 10, role: 'bold' });
  r.line('Countries of the sources', r.left + half + 20, top, half, { size: 10, role: 'bold' });
  r.svg(sendersChart(d.senders, half, h), r.left, top + 18, half, h);
  r.svg(countriesChart(d.countries.slice(0, 8), half, h), r.left + half + 20, top + 18, half, h);
  r.y = top + 18 + h + 12;

  r.subheading('Top senders');
  r.table(
    [
      { header: 'Sender', width: 4.2 },
      { header: 'Type', width: 2 },
      { header: 'Verdict', width: 1.5 },
      { header: 'Messages', width: 1.8, align: 'right' },
      { header: 'DMARC fail', width: 1.8, align: 'right' },
      { header: 'Pass rate', width: 1.5, align: 'right' },
      { header: 'Sources', width: 1.3, align: 'right' },
    ],
    d.senders.map((s) => [
      s.sender,
      s.type.replace(/_/g, ' '),
      verdictText(s.verdict),
      num(s.messages),
      num(s.dmarcFail),
      pct(s.complianceRate),
      num(s.sources),
    ]),
    {
      colors: d.senders.map((s) => [
        undefined,
        COLOR.muted,
        undefined,
        undefined,
        s.dmarcFail > 0 ? COLOR.fail : undefined,
      ]),
    },
  );

  r.subheading('Countries');
  const countries = d.countries.slice(0, 10);
  r.table(
    [
      { header: 'Country', width: 4 },
      { header: 'Messages', width: 2, align: 'right' },
      { header: 'DMARC fail', width: 2, align: 'right' },
      { header: 'Pass rate', width: 1.6, align: 'right' },
      { header: 'Sources', width: 1.6, align: 'right' },
    ],
    countries.map((c) => [
      c.country === null ? 'Not located' : `${c.name ?? c.country} (${c.country})`,
      num(c.messages),
      num(c.dmarcFail),
      pct(c.complianceRate),
      num(c.sources),
    ]),
  );

  r.addPage();
  r.heading('Sources and reporters', 'The source addresses with the most messages, and who reported them.');
  r.subheading('Top sources');
  r.table(
    [
      { header: 'Source IP', width: 2.4 },
      { header: 'Sender / reverse DNS', width: 4.4 },
      { header: 'Country', width: 1.3 },
      { header: 'Messages', width: 1.6, align: 'right' },
      { header: 'Pass rate', width: 1.4, align: 'right' },
      { header: 'DKIM aligned', width: 1.5, align: 'right' },
      { header: 'SPF aligned', width: 1.5, align: 'right' },
      { header: 'Reporters', width: 1.4, align: 'right' },
    ],
    d.topSources.map((s) => [
      s.sourceIp ?? '(no address)',
      s.ptr && s.ptr !== s.sender ? `${s.sender} · ${s.ptr}` : s.sender,
      s.country ?? '–',
      num(s.messages),
      pct(s.complianceRate),
      num(s.dkimAlignedPass),
      num(s.spfAlignedPass),
      num(s.reporters.length),
    ]),
    { size: 7.5 },
  );

  r.subheading('Reporters');
  r.table(
    [
      { header: 'Reporter', width: 5 },
      { header: 'Reports', width: 1.4, align: 'right' },
      { header: 'Messages', width: 1.8, align: 'right' },
      { header: 'DMARC fail', width: 1.8, align: 'right' },
      { header: 'Pass rate', width: 1.5, align: 'right' },
      { header: 'First – last report', width: 3 },
    ],
    d.reporterItems.map((x) => [
      x.orgName,
      num(x.reports),
      num(x.messages),
      num(x.dmarcFail),
      pct(x.complianceRate),
      x.firstDate && x.lastDate ? (x.firstDate === x.lastDate ? x.firstDate : `${x.firstDate} – ${x.lastDate}`) : '–',
    ]),
  );
}
