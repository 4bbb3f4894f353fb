// The report's page layout on top of pdfkit: A4 pages with a running header and footer ("page N of M", written
// once every page exists: bufferPages), text drawn in runs of the font that has the glyphs (fonts.ts), wrapped
// paragraphs, section headings, tables that continue on the next page with their header, and SVG charts placed as
// vectors (svg-to-pdfkit). The layout is managed here (pdfkit's own page breaking is kept out of the way).
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { FONT, fontRuns, registerFonts, type FontName, type FontRole } from './fonts.js';

export const PAGE = { width: 595.28, height: 841.89, margin: 48 } as const;
const CONTENT_TOP = 70;
const CONTENT_BOTTOM = PAGE.height - 58;

export const COLOR = {
  ink: '#1f2937',
  muted: '#6b7280',
  faint: '#9ca3af',
  line: '#e5e7eb',
  band: '#f3f4f6',
  brand: '#1e3a8a',
  brandLight: '#dbeafe',
  pass: '#16a34a',
  fail: '#dc2626',
  warn: '#d97706',
} as const;

export interface TextStyle {
  size?: number;
  role?: FontRole;
  color?: string;
}

export interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right';
  role?: FontRole;
}

export interface Meta {
  title: string;
  subject: string;
  /** Left side of every page's footer (organisation, domain, period). */
  footer: string;
  /** Right side of every page's header (domain, period). */
  header: string;
  /** The creation date written into the PDF's metadata. */
  createdAt: Date;
}

const ELLIPSIS = '…';

/** Text widths by style and text, for every document of the process (the fonts never change). */
const WIDTHS = new Map<string, number>();

export class ReportDocument {
  readonly doc: PDFKit.PDFDocument;
  /** Where the next block starts on the current page. */
  y = CONTENT_TOP;
  readonly left = PAGE.margin;
  readonly width = PAGE.width - 2 * PAGE.margin;
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<Buffer>;
  private pages = 0;

  constructor(private readonly meta: Meta) {
    this.doc = new PDFDocument({
      size: 'A4',
      margin: 0,
      bufferPages: true,
      autoFirstPage: false,
      info: {
        Title: meta.title,
        Subject: meta.subject,
        Creator: 'DMARC Report Processor',
        CreationDate: meta.createdAt,
      },
      lang: 'en',
      displayTitle: true,
      pdfVersion: '1.7',
    });
    registerFonts(this.doc);
    this.done = new Promise((resolve, reject) => {
      this.doc.on('data', (c: Buffer) => this.chunks.push(c));
      this.doc.on('end', () => resolve(Buffer.concat(this.chunks)));
      this.doc.on('error', reject);
    });
  }

  get bottom(): number {
    return CONTENT_BOTTOM;
  }

  /** A new page (the first one too); the cover draws its own top. */
  addPage(opts: { header?: boolean } = {}): void {
    this.doc.addPage({ size: 'A4', margin: 0 });
    this.pages += 1;
    this.y = CONTENT_TOP;
    if (opts.header !== false) {
      this.doc.rect(0, 0, PAGE.width, 6).fill(COLOR.brand);
      this.line(this.meta.title, this.left, 24, this.width / 2, { size: 8, color: COLOR.muted, role: 'bold' });
      this.line(this.meta.header, this.left + this.width / 2, 24, this.width / 2, {
        size: 8,
        color: COLOR.muted,
        align: 'right',
      });
      this.doc
        .moveTo(this.left, 40)
        .lineTo(this.left + this.width, 40)
        .lineWidth(0.5)
        .strokeColor(COLOR.line)
        .stroke();
    }
  }

  /** Starts a new page unless `height` still fits on this one. */
  ensure(height: number): void {
    if (this.pages === 0 || this.y + height > this.bottom) this.addPage();
  }

  private fontOf(name: FontName, size: number): void {
    this.doc.font(name).fontSize(size);
  }

  /** The width of a text in the given style, over its font runs (remembered: fontkit's shaping is costly). */
  measure(text: string, style: TextStyle = {}): number {
    const size = style.size ?? 9;
    const key = `${style.role ?? 'regular'}|${size}|${text}`;
    let w = WIDTHS.get(key);
    if (w === undefined) {
      w = 0;
      for (const r of fontRuns(text, style.role)) {
        this.fontOf(r.font, size);
        w += this.doc.widthOfString(r.text);
      }
      if (WIDTHS.size >= 100_000) WIDTHS.clear();
      WIDTHS.set(key, w);
    }
    return w;
  }

  /** The text cut (with an ellipsis) to fit `width`. */
  fit(text: string, width: number, style: TextStyle = {}): string {
    if (this.measure(text, style) <= width) return text;
    const chars = [...text];
    // an estimate from the average character width first, then a few steps either way
    let n = Math.max(0, Math.min(chars.length - 1, Math.floor((chars.length * width) / this.measure(text, style)) - 1));
    const fits = (k: number) => this.measure(chars.slice(0, k).join('').trimEnd() + ELLIPSIS, style) <= width;
    while (n > 0 && !fits(n)) n -= 1;
    while (n + 1 < chars.length && fits(n + 1)) n += 1;
    return chars.slice(0, n).join('').trimEnd() + ELLIPSIS;
  }

  /** One line of text at (x, y) (top of the line), cut to `width`, in runs of the fonts that have its glyphs. */
  line(
    text: string,
    x: number,
    y: number,
    width: number,
    style: TextStyle & { align?: 'left' | 'right' | 'center' } = {},
  ): void {
    const size = style.size ?? 9;
    const shown = this.fit(text, width, style);
    const total = this.measure(shown, style);
    let cx = style.align === 'right' ? x + width - total : style.align === 'center' ? x + (width - total) / 2 : x;
    this.doc.fillColor(style.color ?? COLOR.ink);
    for (const r of fontRuns(shown, style.role)) {
      this.fontOf(r.font, size);
      this.doc.text(r.text, cx, y, { lineBreak: false });
      cx += this.measure(r.text, style);
    }
  }

  /** Lines of at most `width`, broken at spaces (a word longer than a line is broken anywhere). */
  wrap(text: string, width: number, style: TextStyle = {}): string[] {
    if (!text.includes('\n') && this.measure(text, style) <= width) return [text];
    const space = this.measure(' ', style);
    const lines: string[] = [];
    for (const para of text.split('\n')) {
      let cur = '';
      let curW = 0;
      for (const word of para.split(/ +/)) {
        const w = this.measure(word, style);
        if (cur === '' && w <= width) {
          cur = word;
          curW = w;
          continue;
        }
        if (cur !== '' && curW + space + w <= width) {
          cur = `${cur} ${word}`;
          curW += space + w;
          continue;
        }
        if (cur !== '') lines.push(cur);
        cur = word;
        curW = w;
        while (curW > width) {
          const head = this.fit(cur, width, style).slice(0, -1);
          const cutAt = Math.max(1, [...head].length);
          const chars = [...cur];
          lines.push(chars.slice(0, cutAt).join(''));
          cur = chars.slice(cutAt).join('');
          curW = this.measure(cur, style);
        }
      }
      lines.push(cur);
    }
    return lines;
  }

  /** A wrapped paragraph at the current position; moves below it. */
  paragraph(text: string, style: TextStyle & { indent?: number; gap?: number } = {}): void {
    const size = style.size ?? 9.5;
    const lh = size * 1.45;
    const x = this.left + (style.indent ?? 0);
    const w = this.width - (style.indent ?? 0);
    for (const l of this.wrap(text, w, { ...style, size })) {
      this.ensure(lh);
      this.line(l, x, this.y, w, { ...style, size });
      this.y += lh;
    }
    this.y += style.gap ?? 6;
  }

  /** A section heading (on a new page when little room is left). */
  heading(title: string, intro?: string): void {
    this.ensure(90);
    if (this.y > CONTENT_TOP) this.y += 10;
    this.doc.rect(this.left, this.y + 2, 3, 14).fill(COLOR.brand);
    this.line(title, this.left + 10, this.y, this.width - 10, { size: 13, role: 'bold', color: COLOR.brand });
    this.y += 24;
    if (intro) this.paragraph(intro, { color: COLOR.muted, size: 9 });
  }

  /** A smaller heading inside a section. */
  subheading(title: string): void {
    this.ensure(80);
    this.y += 4;
    this.line(title, this.left, this.y, this.width, { size: 10, role: 'bold' });
    this.y += 16;
  }

  /** The cell's lines: wrapped to the column, at most `max` (the last one cut with an ellipsis). */
  private cellLines(text: string, width: number, style: TextStyle, max: number): string[] {
    const lines = this.wrap(text, width, style);
    if (lines.length <= max) return lines;
    const kept = lines.slice(0, max);
    kept[max - 1] = this.fit(`${kept[max - 1]} ${lines.slice(max).join(' ')}`, width, style);
    return kept;
  }

  /**
   * A table; a cell wraps onto at most `maxLines` lines (then is cut with an ellipsis); long tables continue on the
   * next page, with their header again.
   */
  table(
    columns: Column[],
    rows: string[][],
    opts: { size?: number; maxLines?: number; colors?: (string | undefined)[][] } = {},
  ): void {
    const size = opts.size ?? 8;
    const lh = size * 1.3;
    const padY = size * 0.45;
    const padX = 4;
    const total = columns.reduce((s, c) => s + c.width, 0);
    const scale = this.width / total;
    const xs: number[] = [];
    let acc = this.left;
    for (const c of columns) {
      xs.push(acc);
      acc += c.width * scale;
    }
    const inner = (i: number) => columns[i]!.width * scale - 2 * padX;
    const draw = (cells: string[][], bold: boolean, rowColors?: (string | undefined)[]) => {
      const h = Math.max(...cells.map((c) => c.length), 1) * lh + 2 * padY;
      cells.forEach((lines, i) => {
        const c = columns[i]!;
        lines.forEach((l, n) => {
          this.line(l, xs[i]! + padX, this.y + padY + n * lh, inner(i), {
            size,
            role: bold ? 'bold' : c.role,
            align: c.align,
            color: bold ? COLOR.brand : rowColors?.[i],
          });
        });
      });
      this.y += h;
    };
    const headerCells = columns.map((c, i) => this.cellLines(c.header, inner(i), { size, role: 'bold' }, 2));
    const headerH = Math.max(...headerCells.map((c) => c.length)) * lh + 2 * padY;
    const header = () => {
      this.doc.rect(this.left, this.y, this.width, headerH).fill(COLOR.brandLight);
      draw(headerCells, true);
    };
    this.ensure(headerH + (lh + 2 * padY) * Math.min(rows.length, 3));
    header();
    rows.forEach((row, r) => {
      const cells = columns.map((c, i) =>
        this.cellLines(row[i] ?? '', inner(i), { size, role: c.role }, opts.maxLines ?? 2),
      );
      const h = Math.max(...cells.map((c) => c.length), 1) * lh + 2 * padY;
      if (this.y + h > this.bottom) {
        this.addPage();
        header();
      }
      if (r % 2 === 1) this.doc.rect(this.left, this.y, this.width, h).fill(COLOR.band);
      draw(cells, false, opts.colors?.[r]);
    });
    this.doc
      .moveTo(this.left, this.y)
      .lineTo(this.left + this.width, this.y)
      .lineWidth(0.5)
      .strokeColor(COLOR.line)
      .stroke();
    this.y += 10;
  }

  /** An SVG (an ECharts server-side rendering) placed as vectors at (x, y), `width` x `height` points. */
  svg(svg: string, x: number, y: number, width: number, height: number): void {
    SVGtoPDF(this.doc, svg, x, y, {
      width,
      height,
      assumePt: true,
      fontCallback: (family: string) => ((Object.values(FONT) as string[]).includes(family) ? family : FONT.regular),
    });
  }

  /** Writes "page N of M" on every page and returns the PDF's bytes. */
  async finish(): Promise<Buffer> {
    const range = this.doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      const y = PAGE.height - 36;
      this.doc
        .moveTo(this.left, y - 8)
        .lineTo(this.left + this.width, y - 8)
        .lineWidth(0.5)
        .strokeColor(COLOR.line)
        .stroke();
      this.line(this.meta.footer, this.left, y, this.width - 90, { size: 7.5, color: COLOR.muted });
      this.line(`Page ${i + 1} of ${range.count}`, this.left + this.width - 90, y, 90, {
        size: 7.5,
        color: COLOR.muted,
        align: 'right',
      });
    }
    this.doc.end();
    return this.done;
  }
}
