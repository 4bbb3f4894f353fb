// RFC 9990 extensions: the children of <extension> (after <policy_published>) and any element in a namespace
// other than DMARC's (RFC 9990 puts them at the end of a <record>; we take them wherever they are). What they
// mean is up to their extension, so they are kept as XML text, re-serialised from the parse events (the same
// infoset, not the same bytes), each with the namespace declarations it uses from <feedback> so that it stands
// on its own. Bounded: past the caps further elements are dropped with one warning.
import type { ExtensionElement } from '../../model/aggregate.js';
import { formatCount } from './field-limits.js';
import type { Warnings } from './warnings.js';

/** Most characters of extension XML kept per report, all elements together. */
export const MAX_EXTENSION_CHARS = 64 * 1024;
/** Most extension elements kept per report. */
export const MAX_EXTENSION_ELEMENTS = 1000;

/** Names of the report-level wrapper: RFC 9990 says <extension>; <extensions> is read the same. */
export const EXTENSION_WRAPPERS: ReadonlySet<string> = new Set(['extension', 'extensions']);

const DMARC_NAMESPACES: ReadonlySet<string> = new Set([
  'urn:ietf:params:xml:ns:dmarc-2.0',
  'http://dmarc.org/dmarc-xml/0.1',
  'https://dmarc.org/dmarc-xml/0.1',
]);

/** Namespaces whose elements are DMARC's own (or none): everything else is an extension. */
export function isDmarcNamespace(uri: string): boolean {
  return uri === '' || DMARC_NAMESPACES.has(uri);
}

/** The prefix of a raw element or attribute name ('' for none). */
export function prefixOf(raw: string): string {
  const colon = raw.indexOf(':');
  return colon < 0 ? '' : raw.slice(0, colon);
}

/** Namespace declarations among an element's attributes: prefix ('' = default) → URI. */
export function declarationsOf(attributes: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'xmlns') out.set('', value.trim());
    else if (name.startsWith('xmlns:')) out.set(name.slice(6), value.trim());
  }
  return out;
}

const escapeText = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (t: string): string =>
  escapeText(t).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');

/** One extension element being serialised (with its subtree). */
export class ExtensionCapture {
  private readonly parts: string[] = [];
  private chars = 0;
  /** Open elements of the subtree: whether each was self-closing (its close writes nothing). */
  private readonly open: boolean[] = [];
  /** Prefixes used by names in the subtree, and those declared in it. */
  private readonly used = new Set<string>();
  private readonly declared = new Set<string>();
  /** Set once the subtree outgrows what may still be kept: the rest is not held in memory. */
  overflow = false;

  constructor(
    private readonly budget: number,
    private readonly rootName: string,
    private readonly rootAttributes: Record<string, string>,
    rootSelfClosing: boolean,
  ) {
    this.note(rootName, rootAttributes);
    this.open.push(rootSelfClosing);
  }

  /** Depth of the subtree still open (0 once the root closed). */
  get depth(): number {
    return this.open.length;
  }

  openElement(name: string, attributes: Record<string, string>, selfClosing: boolean): void {
    this.note(name, attributes);
    this.open.push(selfClosing);
    this.append(`<${name}${attrText(attributes)}${selfClosing ? '/>' : '>'}`);
  }

  text(t: string): void {
    this.append(escapeText(t));
  }

  cdata(t: string): void {
    this.append(`<![CDATA[${t}]]>`);
  }

  closeElement(name: string): void {
    const selfClosing = this.open.pop();
    if (!selfClosing) this.append(`</${name}>`);
  }

  /** The element as XML, declaring the prefixes it uses that <feedback> (scope) declares; null on overflow. */
  finish(scope: ReadonlyMap<string, string>): string | null {
    if (this.overflow) return null;
    const attrs: Record<string, string> = { ...this.rootAttributes };
    for (const p of [...this.used].sort()) {
      const uri = scope.get(p);
      if (p === '' || p === 'xml' || this.declared.has(p) || uri === undefined) continue;
      attrs[`xmlns:${p}`] = uri;
    }
    const selfClosing = this.parts.length === 0 && this.open.length === 0;
    const head = `<${this.rootName}${attrText(attrs)}${selfClosing ? '/>' : '>'}`;
    return selfClosing ? head : `${head}${this.parts.join('')}`;
  }

  private note(name: string, attributes: Record<string, string>): void {
    this.used.add(prefixOf(name));
    for (const a of Object.keys(attributes)) {
      if (a === 'xmlns') continue;
      if (a.startsWith('xmlns:')) this.declared.add(a.slice(6));
      else this.used.add(prefixOf(a));
    }
  }

  private append(s: string): void {
    if (this.overflow) return;
    this.chars += s.length;
    if (this.chars > this.budget) {
      this.overflow = true;
      this.parts.length = 0;
      return;
    }
    this.parts.push(s);
  }
}

function attrText(attributes: Record<string, string>): string {
  let out = '';
  for (const [name, value] of Object.entries(attributes)) out += ` ${name}="${escapeAttr(value)}"`;
  return out;
}

/** The report's extension elements, within the caps. */
export class ExtensionCollector {
  readonly list: ExtensionElement[] = [];
  private chars = 0;
  private dropped = 0;

  /** Characters a new element may still take. */
  get budget(): number {
    return this.list.length >= MAX_EXTENSION_ELEMENTS ? 0 : MAX_EXTENSION_CHARS - this.chars;
  }

  /** Keep one element (xml null: it did not fit). */
  add(record: number | null, xml: string | null): void {
    if (xml === null || xml.length > this.budget) {
      this.dropped++;
      return;
    }
    this.chars += xml.length;
    this.list.push({ record, xml });
  }

  /** One warning for what did not fit. */
  finish(warnings: Warnings): void {
    if (this.dropped === 0) return;
    warnings.add(
      `${formatCount(this.dropped)} extension element${this.dropped === 1 ? '' : 's'} not kept: at most ` +
        `${formatCount(MAX_EXTENSION_ELEMENTS)} elements and ${formatCount(MAX_EXTENSION_CHARS)} characters are kept per report`,
    );
  }
}
