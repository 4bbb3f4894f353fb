// The pieces of a failure-report e-mail (RFC 6591 / RFC 5965 §2): the report's own headers, its feedback part,
// the original message (whole or headers only) and the human-readable text. Shared by the parser and by the
// redaction that keeps a copy without the original's body.
import { readMail, type Mail } from '../unpack/mime.js';
import { readFields, type FieldLine } from './fields.js';

export interface FailureMail {
  mail: Mail;
  /** The report mail's own header fields. */
  top: FieldLine[];
  /** Text of every message/feedback-report part (transfer-decoded), in order. */
  feedback: string[];
  /** What the reporter attached of the original message. */
  original: 'message' | 'headers' | 'none';
  /** The original message's header fields (its body is never read). */
  originalHeaders: FieldLine[];
}

const FEEDBACK_TYPE = 'message/feedback-report';
const ORIGINAL_TYPES: Record<string, 'message' | 'headers'> = {
  'message/rfc822': 'message',
  'text/rfc822-headers': 'headers',
  'message/rfc822-headers': 'headers',
};

const utf8 = new TextDecoder('utf-8');

export async function readFailureMail(raw: Uint8Array): Promise<FailureMail> {
  const mail = await readMail(raw);
  const top = readFields(utf8.decode(raw)).fields;
  const feedback: string[] = [];
  let original: FailureMail['original'] = 'none';
  let originalHeaders: FieldLine[] = [];
  for (const leaf of mail.leaves) {
    if (leaf.mimeType === FEEDBACK_TYPE) feedback.push(utf8.decode(leaf.content));
    const kind = ORIGINAL_TYPES[leaf.mimeType];
    if (kind && original === 'none') {
      original = kind;
      // only the header section: reading stops at the blank line before the body
      originalHeaders = readFields(utf8.decode(leaf.content)).fields;
    }
  }
  return { mail, top, feedback, original, originalHeaders };
}
