// Content sniffing: what a piece of content is, decided from its first bytes only. File names and declared
// content types lie (application/octet-stream gzip, .txt e-mails, .xml garbage), magic bytes do not.
import { isGzipMagic, isZlibMagic } from './gzip.js';

export type ContentKind = 'empty' | 'gzip' | 'zlib' | 'zip' | 'xml' | 'json' | 'mime' | 'mbox' | 'unknown';

/** How much of a part sniffing looks at; also the window searched for `<feedback` behind leading junk. */
export const SNIFF_BYTES = 64 * 1024;

export interface SniffOptions {
  /** The enclosing e-mail declared this part as a message (message/rfc822): accept any header block. */
  expectMessage?: boolean;
}

/** Header fields every real message has at least one of (stored .eml, IMAP delivery, a .txt with a raw mail). */
const MAIL_HEADERS = new Set([
  'received',
  'return-path',
  'delivered-to',
  'from',
  'to',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
]);

const HEADER_LINE = /^([!-9;-~]+)[ \t]*:/;
// A report's <feedback> start tag, followed by markup (its first child or its end tag) or the end of what was
// sniffed. A README, a spreadsheet or source code that mentions `<feedback>` has text after it, not markup.
const FEEDBACK_ELEMENT = /<(?:[A-Za-z_][\w.-]*:)?feedback(?:\s[^<>]*)?(?:\/?>\s*(?:<|$)|$)/;

export function sniff(head: Uint8Array, complete: boolean, options: SniffOptions = {}): ContentKind {
  if (head.length === 0) return complete ? 'empty' : 'unknown';
  if (isGzipMagic(head)) return 'gzip';
  if (isZip(head)) return 'zip';
  if (isZlibMagic(head)) return 'zlib';

  // latin1 keeps one character per byte, so ASCII patterns match whatever the real encoding is
  const text = Buffer.from(head.buffer, head.byteOffset, head.length).toString('latin1');
  if (isUtf16Xml(head)) return 'xml';
  const start = skipBomAndSpace(text);
  const first = text[start];
  if (first === '<') return 'xml';
  if (first === '{' || first === '[') return 'json';
  if (text.startsWith('From ') && looksLikeHeaderBlock(text.slice(text.indexOf('\n') + 1), false)) return 'mbox';
  if (looksLikeHeaderBlock(text, !options.expectMessage)) return 'mime';
  // A report behind some junk (a note pasted before it, a broken upload): the XML parser's recovery can cope.
  if (FEEDBACK_ELEMENT.test(text)) return 'xml';
  return 'unknown';
}

/** Any <feedback> start tag (any prefix) in the head; UTF-16 text is looked at without its zero bytes. */
const FEEDBACK_TAG = /<(?:[A-Za-z_][\w.-]*:)?feedback[\s/>]/;
const ROOT_ELEMENT = /<([A-Za-z_][\w.:-]*)/;

/**
 * For XML that is plainly not a report (a web page, an SVG, a Maven pom, an XHTML file): why, from its head, or
 * undefined when the head holds a <feedback> start tag, as every report's first kilobytes do.
 */
export function notAReportReason(head: Uint8Array): string | undefined {
  let text = Buffer.from(head.buffer, head.byteOffset, head.length).toString('latin1');
  if (isUtf16Xml(head)) text = text.replace(/\0/g, '');
  text = text.replace(/<!--[\s\S]*?-->/g, '');
  if (FEEDBACK_TAG.test(text)) return undefined;
  // the first element that is not the XML declaration, a comment, a DOCTYPE or a processing instruction
  const root = ROOT_ELEMENT.exec(text)?.[1];
  return root ? `root element <${root}> is not <feedback>` : 'markup without a <feedback> element';
}

function isZip(head: Uint8Array): boolean {
  // local file header, empty archive (end of central directory only), spanning marker
  if (head[0] !== 0x50 || head[1] !== 0x4b) return false;
  const [c, d] = [head[2], head[3]];
  return (c === 3 && d === 4) || (c === 5 && d === 6) || (c === 7 && d === 8);
}

function isUtf16Xml(head: Uint8Array): boolean {
  const [a, b, c, d] = [head[0], head[1], head[2], head[3]];
  if ((a === 0xff && b === 0xfe && c === 0x3c && d === 0) || (a === 0xfe && b === 0xff && c === 0 && d === 0x3c))
    return true;
  return (a === 0x3c && b === 0 && c === 0x3f && d === 0) || (a === 0 && b === 0x3c && c === 0 && d === 0x3f);
}

function skipBomAndSpace(text: string): number {
  let i = text.startsWith('\xef\xbb\xbf') ? 3 : 0;
  while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  return i;
}

/**
 * True when `text` starts with an e-mail header block: header fields and folded continuation lines up to the
 * first empty line (or the end of what we have). With `requireMailField`, one of the fields must be one that
 * every message has (From, Date, Received, ...), so that a text note like "Note: ..." is not taken for an e-mail.
 */
export function looksLikeHeaderBlock(text: string, requireMailField: boolean): boolean {
  const lines = text.split('\n');
  let fields = 0;
  let mailField = false;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    // the last line may be cut off by the sniffing window: do not judge it
    if (i === lines.length - 1 && i > 0) break;
    if (line === '') break;
    if (/^[ \t]/.test(line)) {
      if (fields === 0) return false;
      continue;
    }
    const match = HEADER_LINE.exec(line);
    if (!match) return false;
    fields++;
    if (MAIL_HEADERS.has((match[1] ?? '').toLowerCase())) mailField = true;
  }
  return fields > 0 && (mailField || !requireMailField);
}
