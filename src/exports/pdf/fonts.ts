// The report's fonts, shipped in npm packages (SIL Open Font License): Noto Sans for Latin, Greek and Cyrillic
// (@embedpdf/fonts-latin) and Noto Sans CJK SC for Chinese and Japanese (@embedpdf/fonts-sc). A name from a report
// is split into runs, each drawn in the first font that has its glyphs, so that "Почта", "Ελληνικά" and "中国电信"
// never come out as boxes. pdfkit embeds only the glyphs used (subsets), which keeps the PDF small.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as fontkit from 'fontkit';

export type FontRole = 'regular' | 'bold';

/** The names the fonts are registered under in every document (also the SVG charts' font-family values). */
export const FONT = {
  regular: 'Sans',
  bold: 'Sans-Bold',
  cjk: 'CJK',
  cjkBold: 'CJK-Bold',
} as const;

export type FontName = (typeof FONT)[keyof typeof FONT];

const FILES: Record<FontName, { pkg: string; file: string }> = {
  [FONT.regular]: { pkg: '@embedpdf/fonts-latin', file: 'NotoSans-Regular.ttf' },
  [FONT.bold]: { pkg: '@embedpdf/fonts-latin', file: 'NotoSans-Bold.ttf' },
  [FONT.cjk]: { pkg: '@embedpdf/fonts-sc', file: 'NotoSansHans-Regular.otf' },
  [FONT.cjkBold]: { pkg: '@embedpdf/fonts-sc', file: 'NotoSansHans-Bold.otf' },
};

const require = createRequire(import.meta.url);

/** A font file of a package: the packages export only their index (dist/), the files sit in fonts/ beside it. */
export function fontPath(name: FontName): string {
  const { pkg, file } = FILES[name];
  return path.join(path.dirname(require.resolve(pkg)), '..', 'fonts', file);
}

interface Loaded {
  bytes: Buffer;
  /** Parsed once: its tables and glyphs are decoded on first use and kept for every later document. */
  font: fontkit.Font;
  has: (cp: number) => boolean;
}

const loaded = new Map<FontName, Loaded>();

/** The font's bytes and coverage, read once per process (the CJK faces are 8 MB each). */
export function loadFont(name: FontName): Loaded {
  let f = loaded.get(name);
  if (!f) {
    const bytes = readFileSync(fontPath(name));
    const font = fontkit.create(bytes);
    if (!('hasGlyphForCodePoint' in font)) throw new Error(`${FILES[name].file} is a font collection`);
    const cache = new Map<number, boolean>();
    f = {
      bytes,
      font,
      has: (cp) => {
        let v = cache.get(cp);
        if (v === undefined) cache.set(cp, (v = font.hasGlyphForCodePoint(cp)));
        return v;
      },
    };
    loaded.set(name, f);
  }
  return f;
}

/**
 * Registers the report's fonts with a pdfkit document: the parsed fonts, which pdfkit takes as they are (a font
 * with layout()) — given the bytes, it would parse each font again for every document, its tables decoded anew.
 */
export function registerFonts(doc: PDFKit.PDFDocument): void {
  for (const name of Object.values(FONT)) {
    // @types/pdfkit lists only paths and bytes; pdfkit's PDFFontFactory also takes a fontkit font
    doc.registerFont(name, loadFont(name).font as unknown as Uint8Array);
  }
}

export interface Run {
  text: string;
  font: FontName;
}

// Code points that every font draws, or that no font needs to (spaces, controls): they never start a new run.
const neutral = (cp: number): boolean => cp <= 0x20 || (cp >= 0x2000 && cp <= 0x200f);

/** The font of one character: the Latin face when it has the glyph, else the CJK face (or the Latin one). */
function fontFor(cp: number, role: FontRole): FontName {
  const latin = role === 'bold' ? FONT.bold : FONT.regular;
  if (loadFont(latin).has(cp)) return latin;
  const cjk = role === 'bold' ? FONT.cjkBold : FONT.cjk;
  return loadFont(cjk).has(cp) ? cjk : latin;
}

/** The text as runs of one font each. */
export function fontRuns(text: string, role: FontRole = 'regular'): Run[] {
  const runs: Run[] = [];
  let cur: Run | undefined;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const font = cur && neutral(cp) ? cur.font : fontFor(cp, role);
    if (cur && cur.font === font) cur.text += ch;
    else runs.push((cur = { text: ch, font }));
  }
  return runs;
}

/** Whether the text needs the CJK face somewhere. */
export function needsCjk(text: string): boolean {
  return fontRuns(text).some((r) => r.font === FONT.cjk);
}
