// The report of a filter that matched nothing: the cover and a short note saying so (still a valid PDF).
import type { ReportData } from '../data.js';
import { COLOR, type ReportDocument } from '../document.js';
import { periodText } from '../format.js';
import { scopeText } from './cover.js';

export function drawNoData(r: ReportDocument, d: ReportData): void {
  r.y += 10;
  const h = 92;
  r.doc.roundedRect(r.left, r.y, r.width, h, 6).fill(COLOR.band);
  r.doc.rect(r.left, r.y, 4, h).fill(COLOR.warn);
  r.line('No data for this report', r.left + 18, r.y + 16, r.width - 36, { size: 14, role: 'bold' });
  r.line(`${scopeText(d)} · ${periodText(d.period)}`, r.left + 18, r.y + 40, r.width - 36, { size: 9.5 });
  r.line(
    'No DMARC aggregate report matched these filters. Import reports, or choose another domain or period.',
    r.left + 18,
    r.y + 60,
    r.width - 36,
    { size: 9, color: COLOR.muted },
  );
  r.y += h + 10;
}
