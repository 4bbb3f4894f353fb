// The cover: organisation, domains, period and generation time, then the headline figures with their change from
// the previous period of the same length (cards, and the same figures as a table).
import type { ReportData } from '../data.js';
import { COLOR, PAGE, type ReportDocument } from '../document.js';
import {
  countChange,
  domainText,
  list,
  num,
  pct,
  periodText,
  rateChange,
  share,
  timestamp,
  type Change,
} from '../format.js';

export function scopeText(d: Pick<ReportData, 'domain' | 'domains'>): string {
  if (d.domain !== undefined) return domainText(d.domain);
  if (d.domains.length === 0) return 'All domains';
  return `All domains: ${list(d.domains.map(domainText))}`;
}

export function drawCover(r: ReportDocument, d: ReportData): void {
  r.addPage({ header: false });
  const doc = r.doc;
  doc.rect(0, 0, PAGE.width, 230).fill(COLOR.brand);
  doc.rect(0, 230, PAGE.width, 4).fill('#3b82f6');
  r.line('DMARC AGGREGATE REPORT', r.left, 56, r.width, { size: 10, role: 'bold', color: '#bfdbfe' });
  r.line(d.orgName, r.left, 76, r.width, { size: 26, role: 'bold', color: '#ffffff' });
  r.line(scopeText(d), r.left, 120, r.width, { size: 13, color: '#e0e7ff' });
  r.line(periodText(d.period), r.left, 146, r.width, { size: 11, color: '#c7d2fe' });
  r.line(
    'Email authentication: who sends as your domains, what passes DMARC, what fails and why.',
    r.left,
    190,
    r.width,
    {
      size: 9,
      color: '#a5b4fc',
    },
  );
  r.y = 256;
  const rows: [string, string][] = [
    ['Organisation', d.orgName],
    [
      'Domains',
      d.domain !== undefined
        ? domainText(d.domain)
        : d.domains.length
          ? list(d.domains.map(domainText), 8)
          : 'all (none with reports in this period)',
    ],
    ['Period', periodText(d.period)],
    ['Compared with', d.previousPeriod ? periodText(d.previousPeriod) : 'nothing (no period to compare)'],
    ['Generated', timestamp(d.generatedAt)],
  ];
  for (const [k, v] of rows) {
    r.line(k, r.left, r.y, 110, { size: 9, color: COLOR.muted });
    r.line(v, r.left + 110, r.y, r.width - 110, { size: 9.5 });
    r.y += 17;
  }
  r.y += 10;
}

interface Card {
  label: string;
  value: string;
  change: Change;
  /** true: up is good news (green); false: up is bad news (red); null: neutral. */
  upIsGood: boolean | null;
  previous: string;
}

function cards(d: ReportData): Card[] {
  const s = d.summary;
  const p = d.previousSummary;
  const t = d.trends;
  const rate = (f: typeof s) => (f.messages > 0 ? f.dmarcPass / f.messages : null);
  const prevRate = d.previousPeriod ? rate(p) : null;
  const prevDkim = d.previousPeriod && p.messages > 0 ? p.dkimAlignedPass / p.messages : null;
  const prevSpf = d.previousPeriod && p.messages > 0 ? p.spfAlignedPass / p.messages : null;
  const cur = (n: number) => (s.messages > 0 ? n / s.messages : null);
  return [
    {
      label: 'Messages',
      value: num(s.messages),
      change: countChange(s.messages, p.messages),
      upIsGood: null,
      previous: num(p.messages),
    },
    {
      label: 'DMARC pass rate',
      value: pct(rate(s)),
      change: rateChange(rate(s), prevRate),
      upIsGood: true,
      previous: pct(prevRate),
    },
    {
      label: 'Failing DMARC',
      value: num(s.messages - s.dmarcPass),
      change: countChange(s.messages - s.dmarcPass, p.messages - p.dmarcPass),
      upIsGood: false,
      previous: num(p.messages - p.dmarcPass),
    },
    {
      label: 'DKIM aligned',
      value: share(s.dkimAlignedPass, s.messages),
      change: rateChange(cur(s.dkimAlignedPass), prevDkim),
      upIsGood: true,
      previous: pct(prevDkim),
    },
    {
      label: 'SPF aligned',
      value: share(s.spfAlignedPass, s.messages),
      change: rateChange(cur(s.spfAlignedPass), prevSpf),
      upIsGood: true,
      previous: pct(prevSpf),
    },
    {
      label: 'Sources (IP addresses)',
      value: num(t.current.sources),
      change: countChange(t.current.sources, t.previous.sources),
      upIsGood: null,
      previous: num(t.previous.sources),
    },
    {
      label: 'Reporters',
      value: num(d.reporters.current),
      change: countChange(d.reporters.current, d.reporters.previous),
      upIsGood: null,
      previous: num(d.reporters.previous),
    },
    {
      label: 'Reports',
      value: num(s.reports),
      change: countChange(s.reports, p.reports),
      upIsGood: null,
      previous: num(p.reports),
    },
  ];
}

function changeColor(c: Card): string {
  if (c.change.direction === 'flat' || c.change.direction === 'none' || c.upIsGood === null) return COLOR.muted;
  return (c.change.direction === 'up') === c.upIsGood ? COLOR.pass : COLOR.fail;
}

/** A small triangle (vectors: the text fonts have no arrow glyph) pointing the way the figure moved. */
function arrow(r: ReportDocument, c: Change, x: number, y: number, color: string): number {
  if (c.direction !== 'up' && c.direction !== 'down') return 0;
  const pts: [number, number][] =
    c.direction === 'up'
      ? [
          [x, y + 7],
          [x + 3.5, y + 1.5],
          [x + 7, y + 7],
        ]
      : [
          [x, y + 2],
          [x + 3.5, y + 7.5],
          [x + 7, y + 2],
        ];
  r.doc.polygon(...pts).fill(color);
  return 10;
}

export function drawHeadline(r: ReportDocument, d: ReportData): void {
  r.heading(
    'Headline figures',
    d.previousPeriod
      ? `Against the previous period of the same length (${periodText(d.previousPeriod)}).`
      : 'Reports without a readable period: nothing to compare with.',
  );
  const list = cards(d);
  const gap = 8;
  const perRow = 4;
  const w = (r.width - gap * (perRow - 1)) / perRow;
  const h = 62;
  list.forEach((c, i) => {
    const col = i % perRow;
    const row = Math.floor(i / perRow);
    const x = r.left + col * (w + gap);
    const y = r.y + row * (h + gap);
    r.doc.roundedRect(x, y, w, h, 4).fill(COLOR.band);
    r.doc.rect(x, y, 3, h).fill(COLOR.brand);
    r.line(c.label, x + 10, y + 8, w - 16, { size: 8, color: COLOR.muted });
    r.line(c.value, x + 10, y + 21, w - 16, { size: 16, role: 'bold' });
    const dx = arrow(r, c.change, x + 10, y + 45, changeColor(c));
    r.line(c.change.text, x + 10 + dx, y + 45, w - 16 - dx, { size: 7.5, color: changeColor(c) });
  });
  r.y += 2 * (h + gap) + 8;
  r.subheading('This period against the previous one');
  r.table(
    [
      { header: 'Figure', width: 3 },
      { header: 'This period', width: 2, align: 'right' },
      { header: 'Previous period', width: 2, align: 'right' },
      { header: 'Change', width: 2, align: 'right' },
    ],
    list.map((c) => [c.label, c.value, c.previous, c.change.text]),
    { colors: list.map((c) => [undefined, undefined, COLOR.muted, changeColor(c)]) },
  );
}
