// Streams ONE deflate stream through native zlib, stopping exactly where the stream ends.
//
// Why not zlib.createGunzip(): Node's gunzip treats any non-zero byte after a gzip member as the start of the next
// member and fails with "incorrect header check", discarding the output of the write that hit it. Mimecast appends
// CRLF to its .gz attachments, so we do the gzip framing ourselves and inflate only the raw deflate body here.
// Node stops consuming input at the end of a deflate stream (zlib's `bytesWritten` counts bytes actually consumed),
// which tells us where the trailer starts.
import zlib from 'node:zlib';
import type { ChunkReader } from './reader.js';

/** Output chunk size of the inflater. */
const OUT_CHUNK = 64 * 1024;

export type DeflateWrapper = 'raw' | 'zlib';

/**
 * Yields the inflated bytes of the deflate stream at the reader's position. Input past the end of the stream is
 * pushed back into the reader. Any zlib error (corrupt or truncated data) is rethrown as `fail(reason)`.
 */
export async function* inflateStream(
  reader: ChunkReader,
  wrapper: DeflateWrapper,
  fail: (reason: string) => Error,
): AsyncGenerator<Buffer> {
  const z =
    wrapper === 'raw' ? zlib.createInflateRaw({ chunkSize: OUT_CHUNK }) : zlib.createInflate({ chunkSize: OUT_CHUNK });
  const out: Buffer[] = [];
  z.on('data', (chunk: Buffer) => out.push(chunk));
  // Settles when the readable side ends (also early, when the deflate stream ends before the input) or fails.
  const finished = new Promise<void>((resolve, reject) => {
    z.once('end', resolve);
    z.once('error', reject);
  });
  finished.catch(() => undefined); // observed below; avoid an unhandled rejection while we are still writing
  try {
    for (;;) {
      const chunk = await reader.next();
      if (chunk === null) break;
      const before = z.bytesWritten;
      await writeChunk(z, chunk);
      yield* drain(out);
      const used = z.bytesWritten - before;
      if (used < chunk.length) {
        reader.unread(chunk.subarray(used));
        break;
      }
    }
    z.end();
    await finished;
    yield* drain(out);
  } catch (error) {
    if (isZlibError(error)) throw fail(describeZlibError(error));
    throw error;
  } finally {
    z.destroy();
  }
}

function* drain(out: Buffer[]): Generator<Buffer> {
  for (let i = 0; i < out.length; i++) {
    const chunk = out[i];
    out[i] = EMPTY;
    if (chunk !== undefined) yield chunk;
  }
  out.length = 0;
}

const EMPTY = Buffer.alloc(0);

/** Resolves once zlib has processed the whole chunk (its output has been emitted by then). */
function writeChunk(z: zlib.Inflate | zlib.InflateRaw, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    z.once('error', onError);
    z.write(chunk, (error) => {
      z.off('error', onError);
      if (error) reject(error);
      else resolve();
    });
  });
}

interface ZlibError extends Error {
  code: string;
}

function isZlibError(error: unknown): error is ZlibError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ZlibError>).code === 'string' &&
    (error as ZlibError).code.startsWith('Z_')
  );
}

function describeZlibError(error: ZlibError): string {
  if (error.code === 'Z_BUF_ERROR') return 'data is truncated (unexpected end of file)';
  return `data is corrupt (${error.message})`;
}
