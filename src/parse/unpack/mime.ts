// E-mail (RFC 5322 / MIME) reading with postal-mime: which report kind the message declares, and its leaf parts
// with their transfer-decoded bytes. Deciding what each leaf contains is the walker's job (by sniffing).
import PostalMime, { type Email } from 'postal-mime';
import { ParseFailure } from '../types.js';

/** Hard cap on MIME multipart nesting inside one message (separate from our container depth). */
const MAX_MIME_NESTING = 50;

export interface MailLeaf {
  /** The attachment's file name, or a description when it has none. */
  label: string;
  /** Declared type, lower-case: a hint only. */
  mimeType: string;
  content: Uint8Array;
}

export interface Mail {
  /** The message's bytes as read. */
  raw: Uint8Array;
  subject: string;
  /** The top-level Content-Type, lower-case, without parameters. */
  contentType: string;
  /** The top-level `report-type` parameter (feedback-report, tlsrpt, delivery-status), lower-case. */
  reportType: string | null;
  /** A message/feedback-report part anywhere in the message (not inside attached messages): an ARF report. */
  hasFeedbackReport: boolean;
  /** Leaf parts other than the inline text body; attached messages (message/rfc822) stay raw, to recurse into. */
  leaves: MailLeaf[];
  /** The inline text/plain body (several inline parts joined), decoded to a string by its charset. */
  text: string;
  /** Types of the inline body parts, e.g. text/plain, text/html. */
  bodyTypes: string[];
}

export async function readMail(raw: Uint8Array): Promise<Mail> {
  let email: Email;
  try {
    email = await PostalMime.parse(raw, {
      // attached messages come back as raw bytes, so that we unpack them with our own depth limit and naming
      forceRfc822Attachments: true,
      attachmentEncoding: 'arraybuffer',
      maxNestingDepth: MAX_MIME_NESTING,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const code = /nesting depth/i.test(reason) ? 'too_deep' : 'unrecognised';
    throw new ParseFailure(code, `unreadable e-mail (${reason})`);
  }
  const contentTypeHeader = email.headers.find((header) => header.key === 'content-type')?.value ?? 'text/plain';
  const contentType = (contentTypeHeader.split(';')[0] ?? '').trim().toLowerCase();
  const leaves = email.attachments.map((attachment, i): MailLeaf => {
    const mimeType = attachment.mimeType.toLowerCase();
    const content =
      typeof attachment.content === 'string'
        ? Buffer.from(attachment.content, 'utf8')
        : new Uint8Array(attachment.content);
    const filename = attachment.filename?.trim();
    return { label: filename ? filename : `attachment ${i + 1} (${mimeType})`, mimeType, content };
  });
  const bodyTypes: string[] = [];
  if (email.text !== undefined) bodyTypes.push('text/plain');
  if (email.html !== undefined) bodyTypes.push('text/html');
  return {
    raw,
    subject: email.subject ?? '',
    contentType,
    reportType: headerParameter(contentTypeHeader, 'report-type'),
    hasFeedbackReport: leaves.some((leaf) => leaf.mimeType === 'message/feedback-report'),
    leaves,
    text: email.text ?? '',
    bodyTypes,
  };
}

function headerParameter(value: string, name: string): string | null {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i').exec(value);
  if (!match) return null;
  return (match[1] ?? match[2] ?? '').trim().toLowerCase() || null;
}

/**
 * A DMARC failure report without an ARF part (Exim and others put the fields in prose). Needs both a subject that
 * says so and the shape of a report: multipart/report, or a copy of the failing message's headers in the body.
 * A person writing about failure reports ("Re: DMARC failure report?") has neither.
 */
export function looksLikeFailureReport(mail: Mail): boolean {
  const subject = mail.subject;
  if (/^\s*(re|aw|sv|antw)\s*:/i.test(subject)) return false;
  const subjectSaysSo =
    /\bdmarc\b/i.test(subject) && /\b(failure|forensic)\b/i.test(subject) && /\breport\b/i.test(subject);
  if (!subjectSaysSo) return false;
  const quotesHeaders = /^(received|authentication-results|received-spf|dkim-signature)\s*:/im.test(mail.text);
  return mail.contentType === 'multipart/report' || quotesHeaders;
}
