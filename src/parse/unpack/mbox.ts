// mbox files: one or more messages, each introduced by a "From " line (mboxo/mboxrd; ">From " is unescaped).

const LF = 0x0a;
const FROM_ = Buffer.from('From ');

/**
 * Splits an mbox into its messages, without the "From " separator lines. A "From " line only separates messages
 * at the start of the file or after an empty line, so an unescaped "From " inside a paragraph stays in the body.
 */
export function splitMbox(bytes: Uint8Array): Uint8Array[] {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts: number[] = []; // offsets of "From " separator lines
  let previousBlank = true;
  for (let line = 0; line < data.length;) {
    const end = nextLineEnd(data, line);
    if (previousBlank && data.subarray(line, line + FROM_.length).equals(FROM_)) starts.push(line);
    previousBlank = isBlank(data, line, end);
    line = end + 1;
  }
  const messages: Uint8Array[] = [];
  for (let i = 0; i < starts.length; i++) {
    const separator = starts[i] ?? 0;
    const bodyStart = Math.min(nextLineEnd(data, separator) + 1, data.length);
    const bodyEnd = starts[i + 1] ?? data.length;
    const message = unescapeFromLines(data.subarray(bodyStart, bodyEnd));
    if (message.length > 0) messages.push(message);
  }
  return messages;
}

function nextLineEnd(data: Buffer, from: number): number {
  const lf = data.indexOf(LF, from);
  return lf < 0 ? data.length : lf;
}

function isBlank(data: Buffer, start: number, end: number): boolean {
  return end === start || (end === start + 1 && data[start] === 0x0d);
}

/** ">From " → "From ", ">>From " → ">From " (mboxrd; also right for mboxo's single level). */
function unescapeFromLines(message: Buffer): Buffer {
  if (message.indexOf('>From ') < 0) return message;
  const pieces: Buffer[] = [];
  let copied = 0;
  for (let line = 0; line < message.length;) {
    const end = nextLineEnd(message, line);
    let gt = line;
    while (message[gt] === 0x3e) gt++; // '>'
    if (gt > line && message.subarray(gt, gt + FROM_.length).equals(FROM_)) {
      pieces.push(message.subarray(copied, line));
      copied = line + 1; // drop one '>'
    }
    line = end + 1;
  }
  pieces.push(message.subarray(copied));
  return Buffer.concat(pieces);
}
