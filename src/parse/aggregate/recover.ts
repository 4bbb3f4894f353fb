// Lenient repair of a report that is not well-formed, after the way parsedmarc recovers (decode ignoring
// errors, drop an <xs:schema> wrapper, libxml2 recover mode), but narrower: we only
//   - keep the <feedback> … </feedback> span (junk or an unclosed wrapper around it is dropped),
//   - escape a '<' that does not start a well-formed tag, comment, CDATA section or PI, and a '&' that does
//     not start one of the five predefined or a numeric character reference (entities are never expanded),
//   - replace characters XML forbids (C0 controls, lone surrogates, U+FFFE/U+FFFF) with U+FFFD.
// Truncated documents and mismatched tags are NOT repaired: a report cut short must not be stored as if whole.

export interface RepairedDocument {
  /** The repaired <feedback> element, ready for a strict parse. */
  text: string;
  /** What was changed, for the report's warning; empty when nothing was. */
  repairs: string[];
}

const NAME = '[A-Za-z_\\u00C0-\\uFFFF][\\w.:\\u00B7\\u00C0-\\uFFFF-]*';
const OPEN_TAG = new RegExp(`<${NAME}(?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*\\s*/?>`, 'y');
const CLOSE_TAG = new RegExp(`</${NAME}\\s*>`, 'y');
const REFERENCE = /&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/y;
const FEEDBACK_OPEN = /<(?:[A-Za-z_][\w.-]*:)?feedback(?=[\s/>])/i;
const FEEDBACK_CLOSE = /<\/(?:[A-Za-z_][\w.-]*:)?feedback\s*>/gi;
// What may legitimately surround the root element: the XML declaration, comments, PIs (and whitespace).
const PROLOG_MARKUP = /<\?[\s\S]*?\?>|<!--[\s\S]*?-->/g;
// Matching the control characters XML forbids is the point here.
const FORBIDDEN_CHARS =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const DOCTYPE = /<!DOCTYPE/i;

/**
 * Whether the document carries a DOCTYPE anywhere. Recovery would drop one before <feedback> or turn one
 * inside it into text; either way a document with a DTD is refused, never repaired.
 */
export function hasDoctype(text: string): boolean {
  return DOCTYPE.test(text);
}

/** Whether the text holds a <feedback> start tag anywhere (with any prefix). */
export function hasFeedbackElement(text: string): boolean {
  return FEEDBACK_OPEN.test(text);
}

/** Repair `text`, or return null when it holds no complete <feedback> element (truncated or not a report). */
export function repairXml(text: string): RepairedDocument | null {
  const open = FEEDBACK_OPEN.exec(text);
  if (open === null) return null;
  let close: RegExpExecArray | null = null;
  FEEDBACK_CLOSE.lastIndex = open.index;
  for (let m = FEEDBACK_CLOSE.exec(text); m !== null; m = FEEDBACK_CLOSE.exec(text)) close = m;
  if (close === null) return null;

  const repairs: string[] = [];
  const before = text.slice(0, open.index);
  const after = text.slice(close.index + close[0].length);
  const junkBefore = junk(before);
  const junkAfter = junk(after);
  if (junkBefore !== '') repairs.push(`discarded ${describe(junkBefore)} before <feedback>`);
  if (junkAfter !== '') repairs.push(`discarded ${describe(junkAfter)} after </feedback>`);

  let body = text.slice(open.index, close.index + close[0].length);
  let forbidden = 0;
  body = body.replace(FORBIDDEN_CHARS, () => {
    forbidden++;
    return '\uFFFD';
  });
  if (forbidden > 0) repairs.push(`replaced ${plural(forbidden, 'character')} not allowed in XML with U+FFFD`);

  const escaped = escapeStrayMarkup(body);
  if (escaped.lt > 0) repairs.push(`escaped ${plural(escaped.lt, "stray '<'", "stray '<'s")}`);
  if (escaped.amp > 0) repairs.push(`escaped ${plural(escaped.amp, "stray '&'", "stray '&'s")}`);
  return { text: escaped.text, repairs };
}

interface Escaped {
  text: string;
  lt: number;
  amp: number;
}

/** Escape '<' and '&' that cannot start markup; well-formed tags, comments, CDATA and PIs are kept as they are. */
export function escapeStrayMarkup(body: string): Escaped {
  const parts: string[] = [];
  let copied = 0;
  let lt = 0;
  let amp = 0;
  // Next '<' and '&' at or after i, each searched again only once passed (one indexOf per hit: linear).
  let nextLt = body.indexOf('<');
  let nextAmp = body.indexOf('&');
  let i = 0;
  while (nextLt >= 0 || nextAmp >= 0) {
    if (nextAmp >= 0 && (nextLt < 0 || nextAmp < nextLt)) {
      REFERENCE.lastIndex = nextAmp;
      if (REFERENCE.test(body)) {
        i = REFERENCE.lastIndex;
      } else {
        parts.push(body.slice(copied, nextAmp), '&amp;');
        copied = i = nextAmp + 1;
        amp++;
      }
    } else {
      const end = markupEnd(body, nextLt);
      if (end > 0) {
        i = end;
      } else {
        parts.push(body.slice(copied, nextLt), '&lt;');
        copied = i = nextLt + 1;
        lt++;
      }
    }
    if (nextLt >= 0 && nextLt < i) nextLt = body.indexOf('<', i);
    if (nextAmp >= 0 && nextAmp < i) nextAmp = body.indexOf('&', i);
  }
  if (copied === 0) return { text: body, lt, amp };
  parts.push(body.slice(copied));
  return { text: parts.join(''), lt, amp };
}

/** End index of the well-formed markup starting at `at` (a '<'), or -1 if it is a stray '<'. */
function markupEnd(s: string, at: number): number {
  if (s.startsWith('<!--', at)) return endAfter(s, '-->', at + 4);
  if (s.startsWith('<![CDATA[', at)) return endAfter(s, ']]>', at + 9);
  if (s.startsWith('<?', at)) return endAfter(s, '?>', at + 2);
  const re = s.charCodeAt(at + 1) === 0x2f /* / */ ? CLOSE_TAG : OPEN_TAG;
  re.lastIndex = at;
  return re.test(s) ? re.lastIndex : -1;
}

function endAfter(s: string, terminator: string, from: number): number {
  const i = s.indexOf(terminator, from);
  return i < 0 ? -1 : i + terminator.length;
}

/** Text around the root that is not legitimate prolog/epilog markup, whitespace-collapsed; '' if none. */
function junk(outside: string): string {
  return outside.replace(PROLOG_MARKUP, ' ').replace(/\s+/g, ' ').trim();
}

function describe(junk: string): string {
  const shown = junk.length > 60 ? `${junk.slice(0, 57)}...` : junk;
  return `${junk.length} character${junk.length === 1 ? '' : 's'} (${JSON.stringify(shown)})`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
