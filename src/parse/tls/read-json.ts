// The bytes of a TLS report part, held to the size limit, decoded and parsed as JSON with a precise reason when
// that fails.
import { ParseFailure, type ByteSource } from '../types.js';

export async function readJson(open: ByteSource, maxBytes: number): Promise<unknown> {
  const chunks: Uint8Array[] = [];
  let have = 0;
  for await (const chunk of open()) {
    have += chunk.length;
    if (have > maxBytes) {
      throw new ParseFailure('too_large', `SMTP TLS report larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  let text = new TextDecoder('utf-8').decode(Buffer.concat(chunks));
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // V8's message names the position ("Unexpected token } in JSON at position 12"): precise, and no secret
    const why = err instanceof Error ? err.message : String(err);
    throw new ParseFailure('not_tlsrpt', `SMTP TLS report is not valid JSON: ${why}`);
  }
}
