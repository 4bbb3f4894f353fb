// What an e-mail (or each message of an mbox) yields: its reports, found by sniffing every leaf part, or one
// part for the whole message when it is a report of its own (ARF failure reports).
import { ParseFailure, type UnpackedPart } from '../types.js';
import { mentionsTlsRptKeys } from './json.js';
import { splitMbox } from './mbox.js';
import { looksLikeFailureReport, readMail, type Mail } from './mime.js';
import { errorPart, failurePart, isReportPart, type Explore, type WalkContext } from './parts.js';
import { childName, memorySource, readAll, type Source } from './source.js';

/** Errors that mean "not a report", as opposed to "a report we could not read". */
const NOT_A_REPORT = new Set(['unrecognised', 'empty', 'no_report']);
/** XML somewhere in a text body (reports pasted inline rather than attached). */
const FEEDBACK_ELEMENT = /<(?:[A-Za-z_][\w.-]*:)?feedback[\s>/]/;

export async function* unpackMail(source: Source, ctx: WalkContext, explore: Explore): AsyncGenerator<UnpackedPart> {
  let mail: Mail;
  try {
    mail = await readMail(await readAll(source, ctx.limits.maxInputBytes, 'nested e-mail'));
  } catch (error) {
    yield failurePart(source.name, error);
    return;
  }
  // ARF: the report is the whole message; its attached original message is evidence, not content to unpack
  if (mail.reportType === 'feedback-report' || mail.hasFeedbackReport) {
    yield { type: 'arf', name: source.name, raw: mail.raw };
    return;
  }

  const depth = source.depth + 1;
  const found: UnpackedPart[] = [];
  const passedOver = new Set(mail.bodyTypes);
  for (const leaf of mail.leaves) {
    const leafSource = memorySource(childName(source.name, leaf.label), depth, leaf.content, leaf.mimeType);
    const parts = await collect(explore(leafSource, ctx));
    if (isIncidental(leaf.mimeType, parts)) {
      passedOver.add(leaf.mimeType);
      continue;
    }
    found.push(...parts);
  }
  found.push(...(await bodyReports(mail, source.name, depth, ctx, explore)));

  if (found.some(isReportPart)) {
    yield* found;
  } else if (looksLikeFailureReport(mail)) {
    yield { type: 'arf', name: source.name, raw: mail.raw };
  } else if (found.length > 0) {
    yield* found; // attachments that should have been reports but could not be read
  } else {
    const seen = passedOver.size > 0 ? [...passedOver].join(', ') : 'no content';
    yield errorPart(source.name, new ParseFailure('no_report', `e-mail carries no DMARC report (${seen})`));
  }
}

export async function* unpackMbox(source: Source, ctx: WalkContext, explore: Explore): AsyncGenerator<UnpackedPart> {
  let messages: Uint8Array[];
  try {
    messages = splitMbox(await readAll(source, ctx.limits.maxInputBytes, 'nested mbox'));
  } catch (error) {
    yield failurePart(source.name, error);
    return;
  }
  if (messages.length === 0) {
    yield errorPart(source.name, new ParseFailure('no_report', 'mbox holds no messages'));
    return;
  }
  for (const [i, message] of messages.entries()) {
    // a lone message behind an mbox "From " line is just that e-mail: no "message 1" in its name
    const name = messages.length === 1 ? source.name : childName(source.name, `message ${i + 1}`);
    yield* explore(memorySource(name, source.depth, message, 'message/rfc822'), ctx);
  }
}

/**
 * Body text, signatures, images and attached conversations that hold no report are passed over silently; an
 * attachment of any other type that cannot be read is reported (it may be a report in a format we do not know).
 */
function isIncidental(mimeType: string, parts: UnpackedPart[]): boolean {
  const notReports = parts.every((part) => part.type === 'error' && NOT_A_REPORT.has(part.error.code));
  if (!notReports) return false;
  return (
    (mimeType.startsWith('text/') && mimeType !== 'text/xml') ||
    mimeType.startsWith('image/') ||
    mimeType.startsWith('message/') ||
    /^application\/(x-)?(pkcs7-signature|pgp-signature)$/.test(mimeType)
  );
}

/** Reports pasted into the inline text body instead of being attached. */
async function bodyReports(
  mail: Mail,
  mailName: string,
  depth: number,
  ctx: WalkContext,
  explore: Explore,
): Promise<UnpackedPart[]> {
  const name = childName(mailName, 'message body');
  if (FEEDBACK_ELEMENT.test(mail.text)) {
    // the text was decoded from its charset: re-encode as UTF-8 and say so in the XML declaration
    const xml = mail.text.replace(/(<\?xml[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2/, '$1"UTF-8"');
    const parts = await collect(explore(memorySource(name, depth, Buffer.from(xml, 'utf8')), ctx));
    return parts.filter(isReportPart);
  }
  if (mentionsTlsRptKeys(mail.text)) {
    // the JSON object itself, without the words around it
    const json = mail.text.slice(mail.text.indexOf('{'), mail.text.lastIndexOf('}') + 1);
    const parts = await collect(explore(memorySource(name, depth, Buffer.from(json, 'utf8')), ctx));
    return parts.filter(isReportPart);
  }
  return [];
}

async function collect(parts: AsyncGenerator<UnpackedPart>): Promise<UnpackedPart[]> {
  const all: UnpackedPart[] = [];
  for await (const part of parts) all.push(part);
  return all;
}
