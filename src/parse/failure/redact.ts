// The copy of a failure report that is kept (ingested_files' bytes, what `dmarc reprocess` reads): the report as
// received minus everything the privacy settings do not keep. The original message's body is never in it: the
// original becomes a text/rfc822-headers part with the kept headers, the human-readable text is replaced (it may
// quote the message) except for the "Name: value" lines of prose-only reports, and DKIM-Canonicalized-Body (and
// -Header unless every header is kept) are dropped from the feedback fields. Parsing the copy gives the same
// report as parsing the original.
import { createHash } from 'node:crypto';
import { readFields, type FieldLine } from './fields.js';
import { readFailureMail } from './mail.js';
import { keepsFeedbackField, keepsHeader, keptHeaders, type FailurePrivacy } from './privacy.js';
import { HEADERS_MARKER, readProse } from './prose.js';

/** The report mail's own headers kept in the copy (Subject only where the original's Subject is kept). */
const TOP_HEADERS = ['From', 'To', 'Date', 'Message-ID', 'Subject'];

export const REDACTED_HEADER = 'X-DMARC-Redacted';

export async function redactFailureMail(raw: Uint8Array, privacy: FailurePrivacy): Promise<Uint8Array> {
  const m = await readFailureMail(raw);
  const boundary = `redacted-${createHash('sha256').update(raw).digest('hex').slice(0, 24)}`;
  const out: string[] = [];
  for (const f of m.top) {
    const lower = f.name.toLowerCase();
    if (!TOP_HEADERS.some((h) => h.toLowerCase() === lower)) continue;
    if (lower === 'subject' && !keepsHeader(privacy, 'Subject')) continue;
    out.push(line(f));
  }
  out.push(`${REDACTED_HEADER}: the original message's body and the headers not kept were removed`);
  out.push('MIME-Version: 1.0');
  out.push(`Content-Type: multipart/report; report-type=feedback-report; boundary="${boundary}"`);
  out.push('');

  let headers: FieldLine[] = m.originalHeaders;
  const text: string[] = ['This copy of a DMARC failure report was reduced to what this installation keeps.'];
  if (m.feedback.length === 0) {
    const prose = readProse(m.mail.text);
    if (prose) {
      text.push(
        '',
        ...prose.fields.map((f) => `${f.name === 'Source-IP' ? 'Sender IP Address' : proseLabel(f.name)}: ${f.value}`),
      );
      if (headers.length === 0) {
        // the headers live in the text: they stay there, reduced, after the line that announces them
        text.push('', `------ This is a copy of the headers that were received before the error was detected.`, '');
        text.push(...keptHeaders(prose.headers, privacy).map(line));
        headers = [];
      }
    }
  }
  part(out, boundary, 'text/plain; charset=utf-8', text);
  for (const feedback of m.feedback.slice(0, 1)) {
    const fields = readFields(feedback, false);
    const lines = fields.fields.filter((f) => keepsFeedbackField(privacy, f.name)).map(line);
    // lines that are no field stay (sanitised of nothing more): they are why the report fails, and hold no body
    lines.push(...fields.stray.map((s) => s.text));
    part(out, boundary, 'message/feedback-report', lines);
  }
  if (headers.length > 0 || m.original !== 'none') {
    part(out, boundary, 'text/rfc822-headers', keptHeaders(headers, privacy).map(line));
  }
  out.push(`--${boundary}--`, '');
  return Buffer.from(out.join('\r\n'), 'utf8');
}

function proseLabel(field: string): string {
  return field === 'Reported-Domain' ? 'Sender Domain' : field === 'Arrival-Date' ? 'Received date' : field;
}

function line(f: { name: string; value: string }): string {
  // one line per field: values were unfolded, and a CR or LF in one must not start a new field
  return `${f.name}: ${f.value.replace(/[\r\n]+/g, ' ')}`;
}

function part(out: string[], boundary: string, type: string, lines: string[]): void {
  out.push(`--${boundary}`, `Content-Type: ${type}`, 'Content-Transfer-Encoding: 8bit', '', ...lines, '');
}

/** Several reduced reports in one kept file: an mbox (what the unpacker reads back as one message each). */
export function joinMbox(mails: readonly Uint8Array[]): Uint8Array {
  const chunks: Buffer[] = [];
  for (const mail of mails) {
    const text = Buffer.from(mail).toString('utf8').replace(/\r\n/g, '\n');
    // mboxrd: a body line starting "From " is quoted so that it does not split the message
    chunks.push(Buffer.from(`From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n${text.replace(/^(>*From )/gm, '>$1')}\n`));
  }
  return Buffer.concat(chunks);
}

export { HEADERS_MARKER };
