// XML syntax → element events. Wraps saxes: maps tag names to lower-cased local names, checks the root,
// refuses DOCTYPE, resolves the namespace of <feedback>, gathers element text (and the RFC 9990 `lang`
// attribute), hands extension elements over as XML text (extensions.ts) instead of as events, and turns
// saxes' terse errors into messages with line and column.
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { NOT_A_REPORT, ParseFailure } from '../types.js';
import { DOCTYPE_MESSAGE, XmlSyntaxError } from './errors.js';
import { EXTENSION_WRAPPERS, ExtensionCapture, declarationsOf, isDmarcNamespace, prefixOf } from './extensions.js';
import type { ReportBuilder } from './report-builder.js';

/** Longest text handed to saxes at once, so that records reach the caller in bounded batches. */
export const MAX_WRITE = 64 * 1024;

const NAME_CACHE_LIMIT = 512;
/** Characters of the previous write kept for error messages (a close tag) and the DOCTYPE check. */
const TAIL = 256;
const ERROR_POSITION = /^(\d+):(\d+): (.*?)\.?$/s;

export class SaxReader {
  private readonly parser = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  private readonly names = new Map<string, string>();
  /** Element depth in the document (1 = root). */
  private depth = 0;
  /** Document depth of <feedback>; 0 until seen. */
  private feedbackDepth = 0;
  private text = '';
  private rootSeen = false;
  private finished = false;
  /** Raw name of the element most recently closed, for mismatched-tag messages. */
  private lastClosed = '';
  /** The text being written, and its offset in all text written so far. */
  private chunk = '';
  private chunkStart = 0;
  private written = 0;
  /** Tail of the previous write, so markup split across writes is still seen. */
  private tail = '';
  /** Namespace declarations in scope at <feedback> (its own and its wrapper's): prefix ('' = default) → URI. */
  private scope = new Map<string, string>();
  private rootDeclarations = new Map<string, string>();
  /** Prefix of <feedback>'s own name ('' for none). */
  private feedbackPrefix = '';
  /** Document depth of an open <extension> child of <feedback>; 0 when none is open. */
  private extensionDepth = 0;
  /** The extension element being serialised, if any. */
  private capture: ExtensionCapture | null = null;

  constructor(private readonly builder: ReportBuilder) {
    const p = this.parser;
    p.on('opentag', (tag) => this.onOpen(tag));
    p.on('closetag', (tag) => this.onClose(tag.name));
    p.on('text', (t) => {
      if (this.capture !== null) this.capture.text(t);
      else this.text += t;
    });
    p.on('cdata', (t) => {
      if (this.capture !== null) this.capture.cdata(t);
      else this.text += t;
    });
    p.on('doctype', () => {
      throw new ParseFailure('doctype', DOCTYPE_MESSAGE);
    });
  }

  /** Feed decoded text. Throws XmlSyntaxError (recoverable) or ParseFailure (final). */
  write(text: string): void {
    for (let i = 0; i < text.length; i += MAX_WRITE) {
      const piece = i === 0 && text.length <= MAX_WRITE ? text : text.slice(i, i + MAX_WRITE);
      this.tail = this.chunk.slice(-TAIL);
      this.chunk = piece;
      // Not parser.position: between writes saxes counts the last chunk twice (chunkPosition + i).
      this.chunkStart = this.written;
      this.written += piece.length;
      if (!this.rootSeen && (this.tail.slice(-8) + piece).includes('<!DOCTYPE')) {
        throw new ParseFailure('doctype', DOCTYPE_MESSAGE);
      }
      this.guard(() => this.parser.write(piece));
    }
  }

  /** End of input: final well-formedness checks. */
  close(): void {
    this.guard(() => this.parser.close());
    if (this.feedbackDepth === 0)
      throw new ParseFailure('not_aggregate', `${NOT_A_REPORT}: root element <schema> does not contain <feedback>`);
  }

  private localName(raw: string): string {
    let local = this.names.get(raw);
    if (local === undefined) {
      const colon = raw.indexOf(':');
      local = (colon < 0 ? raw : raw.slice(colon + 1)).toLowerCase();
      if (this.names.size < NAME_CACHE_LIMIT) this.names.set(raw, local);
    }
    return local;
  }

  private onOpen(tag: SaxesTagPlain): void {
    const depth = ++this.depth;
    this.text = '';
    if (this.feedbackDepth > 0) {
      if (!this.finished) this.openInFeedback(tag, depth);
      return;
    }
    const local = this.localName(tag.name);
    if (depth === 1) {
      this.rootSeen = true;
      this.rootDeclarations = declarationsOf(tag.attributes);
      if (local === 'feedback') this.startFeedback(tag, depth);
      // An <xs:schema> wrapper around the report (seen in the wild, usually left unclosed) is looked through.
      else if (local !== 'schema')
        throw new ParseFailure('not_aggregate', `${NOT_A_REPORT}: root element <${tag.name}> is not <feedback>`);
      return;
    }
    if (depth === 2 && local === 'feedback') {
      this.builder.warnings.add('report is wrapped in a <schema> element; the wrapper was ignored');
      this.startFeedback(tag, depth);
      return;
    }
    throw new ParseFailure(
      'not_aggregate',
      `${NOT_A_REPORT}: root element <schema> does not contain <feedback> (found <${tag.name}>)`,
    );
  }

  private startFeedback(tag: SaxesTagPlain, depth: number): void {
    this.feedbackDepth = depth;
    const colon = tag.name.indexOf(':');
    const attr = colon < 0 ? 'xmlns' : `xmlns:${tag.name.slice(0, colon)}`;
    const uri = tag.attributes[attr]?.trim();
    this.builder.namespace = uri === undefined || uri === '' ? null : uri;
    this.feedbackPrefix = prefixOf(tag.name);
    this.scope = depth === 1 ? new Map() : new Map(this.rootDeclarations);
    for (const [p, u] of declarationsOf(tag.attributes)) this.scope.set(p, u);
    this.builder.open('feedback', null);
  }

  private openInFeedback(tag: SaxesTagPlain, depth: number): void {
    const capture = this.capture;
    if (capture !== null) {
      capture.openElement(tag.name, tag.attributes, tag.isSelfClosing);
      return;
    }
    if ((this.extensionDepth > 0 && depth === this.extensionDepth + 1) || this.isForeign(tag.name, tag.attributes)) {
      this.capture = new ExtensionCapture(this.builder.extensions.budget, tag.name, tag.attributes, tag.isSelfClosing);
      return;
    }
    const local = this.localName(tag.name);
    if (depth === this.feedbackDepth + 1 && EXTENSION_WRAPPERS.has(local)) this.extensionDepth = depth;
    const attrs = tag.attributes;
    const lang = attrs.lang ?? attrs['xml:lang'];
    this.builder.open(local, lang === undefined ? null : lang);
  }

  /**
   * In a namespace other than DMARC's: its prefix (or, unprefixed, its own xmlns) names another namespace.
   * A prefix declared nowhere we look is read as before (the prefix is dropped), as is <feedback>'s own.
   */
  private isForeign(name: string, attributes: Record<string, string>): boolean {
    const prefix = prefixOf(name);
    if (prefix === '') {
      const own = attributes.xmlns;
      return own !== undefined && !isDmarcNamespace(own.trim());
    }
    if (prefix === this.feedbackPrefix) return false;
    const own = attributes[`xmlns:${prefix}`];
    const uri = own !== undefined ? own.trim() : this.scope.get(prefix);
    return uri !== undefined && !isDmarcNamespace(uri);
  }

  private onClose(rawName: string): void {
    const depth = this.depth--;
    this.lastClosed = rawName;
    if (this.feedbackDepth === 0 || this.finished) return;
    const capture = this.capture;
    if (capture !== null) {
      capture.closeElement(rawName);
      if (capture.depth === 0) {
        this.capture = null;
        this.builder.extension(capture.finish(this.scope));
      }
      this.text = '';
      return;
    }
    if (depth === this.extensionDepth) this.extensionDepth = 0;
    const text = this.text;
    this.text = '';
    this.builder.close(text);
    if (depth === this.feedbackDepth) this.finished = true;
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof ParseFailure || !(err instanceof Error) || err.name !== 'Error') throw err;
      throw new XmlSyntaxError(this.describe(err.message));
    }
  }

  private describe(sax: string): string {
    const m = ERROR_POSITION.exec(sax);
    if (m === null) return `XML not well-formed: ${sax}`;
    const line = Number(m[1]);
    const column = Number(m[2]);
    const what = m[3] ?? '';
    if (what === 'unexpected close tag') {
      const found = this.closeTagBeforeError();
      if (found !== null) {
        const start = Math.max(1, column - found.length + 1);
        return `XML not well-formed: mismatched tag ${found} at line ${line}, column ${start} (expected </${this.lastClosed}>)`;
      }
      return `XML not well-formed: mismatched closing tag at line ${line}, column ${column} (expected </${this.lastClosed}>)`;
    }
    const unclosed = /^unclosed tag: (.*)$/.exec(what);
    if (unclosed) {
      return `XML not well-formed: document ends at line ${line}, column ${column} before <${unclosed[1]}> is closed (truncated?)`;
    }
    return `XML not well-formed: ${what} at line ${line}, column ${column}`;
  }

  /** The close tag the parser just read (it ends right before the error position), e.g. "</feedback>". */
  private closeTagBeforeError(): string | null {
    const text = this.tail + this.chunk;
    const end = this.tail.length + this.parser.position - this.chunkStart;
    if (end <= 0 || end > text.length) return null;
    const start = text.lastIndexOf('</', end - 1);
    if (start < 0) return null;
    const tag = text.slice(start, end);
    return /^<\/[^<>]+>$/.test(tag) ? tag : null;
  }
}
