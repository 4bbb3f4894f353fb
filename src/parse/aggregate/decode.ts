// Bytes → text for XML reports: encoding sniffing (BOM, XML declaration) and incremental decoding.
// Strict decoding throws on invalid bytes (the caller then switches to recovery); lenient decoding substitutes
// U+FFFD and says that it did.
import type { ByteSource } from '../types.js';
import { XmlSyntaxError } from './errors.js';

/** Bytes examined for a BOM and the `<?xml … encoding="…"?>` declaration. */
export const SNIFF_BYTES = 1024;

export interface SniffResult {
  /** WHATWG encoding name, as `TextDecoder#encoding` reports it (e.g. "utf-8", "windows-1252"). */
  encoding: string;
  /** The label from the XML declaration, if any. */
  declared: string | null;
  /** Set when the declared encoding could not be honoured. */
  warning: string | null;
}

const DECL_ENCODING = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._:-]*)\1/;

/** Decide how to decode a document from its first bytes (≥ SNIFF_BYTES of them unless the document is shorter). */
export function sniffEncoding(head: Uint8Array): SniffResult {
  const [b0, b1, b2, b3] = head;
  // A byte-order mark wins over any declaration (XML 1.0 App. F).
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return { encoding: 'utf-8', declared: null, warning: null };
  if (b0 === 0xff && b1 === 0xfe) return { encoding: 'utf-16le', declared: null, warning: null };
  if (b0 === 0xfe && b1 === 0xff) return { encoding: 'utf-16be', declared: null, warning: null };
  if (b0 === 0x3c && b1 === 0x00 && b2 === 0x3f && b3 === 0x00) {
    return { encoding: 'utf-16le', declared: null, warning: null };
  }
  if (b0 === 0x00 && b1 === 0x3c && b2 === 0x00 && b3 === 0x3f) {
    return { encoding: 'utf-16be', declared: null, warning: null };
  }

  // ASCII-compatible: read the declaration as latin1 (every byte maps to one char, nothing can fail).
  const prefix = latin1(head.subarray(0, SNIFF_BYTES));
  const declared = DECL_ENCODING.exec(prefix)?.[2] ?? null;
  if (declared === null) return { encoding: 'utf-8', declared: null, warning: null };
  const encoding = resolveLabel(declared);
  if (encoding === null) {
    return {
      encoding: 'utf-8',
      declared,
      warning: `declared encoding '${declared}' is not supported; decoded as UTF-8`,
    };
  }
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    // The bytes are not UTF-16 (no BOM, no 16-bit '<?'), so the declaration is wrong.
    return {
      encoding: 'utf-8',
      declared,
      warning: `declared encoding '${declared}' does not match the bytes; decoded as UTF-8`,
    };
  }
  return { encoding, declared, warning: null };
}

function resolveLabel(label: string): string | null {
  try {
    const enc = new TextDecoder(label).encoding;
    return enc === 'replacement' ? null : enc;
  } catch {
    return null;
  }
}

const LATIN1 = new TextDecoder('latin1');
function latin1(bytes: Uint8Array): string {
  return fixWindows1252(LATIN1.decode(bytes));
}

// Node 20's TextDecoder decodes windows-1252 (and its aliases latin1, iso-8859-1, ascii) as ISO-8859-1, so
// 0x80–0x9F come out as C1 controls. Map them to the windows-1252 characters (WHATWG index); a Node that
// already decodes correctly produces none of these code points except the five undefined ones, which map
// to themselves.
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const C1 = /[\u0080-\u009f]/g;
const HAS_C1 = /[\u0080-\u009f]/;

function fixWindows1252(s: string): string {
  return HAS_C1.test(s) ? s.replace(C1, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] ?? c) : s;
}

/** Incremental decoder: feed chunks with `last=false`, then one final call with `last=true`. */
export interface ChunkDecoder {
  decode(bytes: Uint8Array, last: boolean): string;
}

/** An incremental decoder; with `fatal`, invalid bytes throw a TypeError instead of becoming U+FFFD. */
export function createDecoder(encoding: string, fatal: boolean): ChunkDecoder {
  if (encoding === 'windows-1252') {
    // Single-byte: no state across chunks, and no byte is invalid.
    const d = new TextDecoder('windows-1252');
    return { decode: (bytes) => fixWindows1252(d.decode(bytes)) };
  }
  // ignoreBOM=false: the decoder drops a BOM matching its encoding.
  const d = new TextDecoder(encoding, { fatal, ignoreBOM: false });
  return { decode: (bytes, last) => d.decode(bytes, { stream: !last }) };
}

/** What decodeSource found out; filled in as the source is read. */
export interface DecodeState {
  /** WHATWG encoding name used ('' until the first bytes arrived). */
  encoding: string;
  /** Set when the declared encoding could not be honoured. */
  warning: string | null;
  /** Bytes read so far. */
  bytes: number;
  /** Lenient mode only: invalid bytes were replaced by U+FFFD. */
  replaced: boolean;
}

export function newDecodeState(): DecodeState {
  return { encoding: '', warning: null, bytes: 0, replaced: false };
}

/**
 * Decode a ByteSource incrementally in its sniffed encoding; a leading BOM is removed. Strict (`fatal`):
 * invalid bytes throw an XmlSyntaxError naming the offset. Lenient: they become U+FFFD and `state.replaced`
 * is set (a second, strict decoder runs alongside only to notice that).
 */
export async function* decodeSource(open: ByteSource, fatal: boolean, state: DecodeState): AsyncGenerator<string> {
  let head: Uint8Array[] = [];
  let headLength = 0;
  let decoder: ChunkDecoder | null = null;
  let probe: ChunkDecoder | null = null;
  let first = true;

  const decode = (bytes: Uint8Array, last: boolean): string => {
    if (decoder === null) throw new Error('decoder used before sniffing');
    if (probe !== null) {
      try {
        probe.decode(bytes, last);
      } catch {
        state.replaced = true;
        probe = null;
      }
    }
    let text: string;
    try {
      text = decoder.decode(bytes, last);
    } catch {
      throw new XmlSyntaxError(`XML not well-formed: invalid ${state.encoding} ${where(bytes, state)}`);
    }
    state.bytes += bytes.length;
    if (first && text !== '') {
      first = false;
      text = stripBom(text);
    }
    return text;
  };
  const start = (): string => {
    const bytes = concat(head, headLength);
    head = [];
    const sniff = sniffEncoding(bytes);
    state.encoding = sniff.encoding;
    state.warning = sniff.warning;
    decoder = createDecoder(sniff.encoding, fatal);
    if (!fatal && sniff.encoding !== 'windows-1252') probe = createDecoder(sniff.encoding, true);
    return decode(bytes, false);
  };

  for await (const chunk of open()) {
    if (chunk.length === 0) continue;
    if (decoder === null) {
      // Gather enough bytes to read a BOM or the XML declaration.
      head.push(chunk);
      headLength += chunk.length;
      if (headLength < SNIFF_BYTES) continue;
      const text = start();
      if (text !== '') yield text;
      continue;
    }
    const text = decode(chunk, false);
    if (text !== '') yield text;
  }
  if (decoder === null) {
    if (headLength === 0) return;
    const text = start();
    if (text !== '') yield text;
  }
  const rest = decode(new Uint8Array(0), true);
  if (rest !== '') yield rest;
}

function where(bytes: Uint8Array, state: DecodeState): string {
  const bad = state.encoding === 'utf-8' ? firstInvalidUtf8(bytes) : -1;
  return bad >= 0
    ? `byte 0x${(bytes[bad] ?? 0).toString(16)} at offset ${state.bytes + bad}`
    : `bytes ${state.bytes}..${state.bytes + bytes.length}`;
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Offset of the first byte that breaks UTF-8 in `bytes` (for error messages), or -1. A sequence cut off
 * at the end of the buffer counts as valid: the next chunk may complete it.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return -1;
      const c = bytes[i + k] ?? 0;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
