// Volume and compliance over time, what the receivers did with the messages (disposition) and how DKIM and SPF
// align: charts, each with its figures as a table.
import { alignmentChart, complianceChart, dispositionChart, volumeChart } from '../charts.js';
import type { ReportData } from '../data.js';
import { COLOR, type ReportDocument } from '../document.js';
import { num, share } from '../format.js';

const INTERVAL_WORD = { day: 'day', week: 'week', month: 'month' } as const;

export function drawOverview(r: ReportDocument, d: ReportData): void {
  r.addPage();
  r.heading(
    'Volume and compliance over time',
    `Messages per ${INTERVAL_WORD[d.interval]} (DMARC pass and fail) and the share that passed DMARC. ` +
      'A message passes DMARC when DKIM or SPF passed and aligned with the From domain.',
  );
  const h1 = 170;
  r.svg(volumeChart(d.timeline, r.width, h1), r.left, r.y, r.width, h1);
  r.y += h1 + 12;
  const h2 = 130;
  r.svg(complianceChart(d.timeline, r.width, h2), r.left, r.y, r.width, h2);
  r.y += h2 + 8;

  const half = (r.width - 20) / 2;
  const h3 = 140;
  r.ensure(h3 + 140);
  const top = r.y;
  r.line('Disposition', r.left, top, half, { size: 10, role: 'bold' });
  r.line('Alignment (DKIM and SPF)', r.left + half + 20, top, half, { size: 10, role: 'bold' });
  r.svg(dispositionChart(d.summary.disposition, half, h3), r.left, top + 18, half, h3);
  r.svg(alignmentChart(d.alignment, half, h3), r.left + half + 20, top + 18, half, h3);
  r.y = top + 18 + h3 + 10;

  const s = d.summary;
  const a = d.alignment;
  r.table(
    [
      { header: 'Disposition', width: 3 },
      { header: 'Messages', width: 2, align: 'right' },
      { header: 'Share', width: 1.4, align: 'right' },
      { header: 'Alignment', width: 3 },
      { header: 'DKIM', width: 1.8, align: 'right' },
      { header: 'SPF', width: 1.8, align: 'right' },
    ],
    [
      [
        'Delivered (none)',
        num(s.disposition.none),
        share(s.disposition.none, s.messages),
        'Aligned',
        num(a.dkim.aligned),
        num(a.spf.aligned),
      ],
      [
        'Quarantined',
        num(s.disposition.quarantine),
        share(s.disposition.quarantine, s.messages),
        'Authenticated, not aligned',
        num(a.dkim.authenticatedNotAligned),
        num(a.spf.authenticatedNotAligned),
      ],
      [
        'Rejected',
        num(s.disposition.reject),
        share(s.disposition.reject, s.messages),
        'Not authenticated',
        num(a.dkim.notAuthenticated),
        num(a.spf.notAuthenticated),
      ],
      [
        'Pass (DMARCbis reporters)',
        num(s.disposition.pass),
        share(s.disposition.pass, s.messages),
        'Aligned rate',
        share(a.dkim.aligned, a.messages),
        share(a.spf.aligned, a.messages),
      ],
    ],
  );
  r.paragraph(
    `Both aligned: ${num(a.both)} · DKIM only: ${num(a.dkimOnly)} · SPF only: ${num(a.spfOnly)} · ` +
      `neither (DMARC fail): ${num(a.neither)}.`,
    { color: COLOR.muted, size: 8.5 },
  );
}

/** The figures behind the time charts, one row per bucket (appendix). */
export function drawTimelineTable(r: ReportDocument, d: ReportData): void {
  if (d.timeline.length === 0) return;
  r.addPage();
  r.heading(`Figures per ${INTERVAL_WORD[d.interval]}`, 'The figures behind the volume and compliance charts.');
  r.table(
    [
      { header: d.interval === 'day' ? 'Date' : `${INTERVAL_WORD[d.interval]} from`, width: 2 },
      { header: 'Messages', width: 2, align: 'right' },
      { header: 'DMARC pass', width: 2, align: 'right' },
      { header: 'DMARC fail', width: 2, align: 'right' },
      { header: 'Compliance', width: 1.6, align: 'right' },
      { header: 'Quarantined', width: 1.8, align: 'right' },
      { header: 'Rejected', width: 1.6, align: 'right' },
    ],
    d.timeline.map((p) => [
      p.date,
      num(p.messages),
      num(p.dmarcPass),
      num(p.dmarcFail),
      share(p.dmarcPass, p.messages),
      num(p.disposition.quarantine),
      num(p.disposition.reject),
    ]),
    { size: 7.5 },
  );
}
