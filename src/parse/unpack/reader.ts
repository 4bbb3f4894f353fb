// Pull-based reader over an async byte stream, with push-back: container framing (gzip headers and trailers,
// the end of a deflate stream inside a larger input) needs to read exact byte counts and return what it over-read.

/** Largest slice handed to a decompressor at once: bounds the output one write can burst into memory (~1000x). */
export const MAX_READ_CHUNK = 16 * 1024;

export class ChunkReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly pending: Uint8Array[] = [];
  private done = false;
  /** Bytes handed out and not pushed back: the compressed input consumed so far (for the ratio limit). */
  consumed = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Next slice of at most MAX_READ_CHUNK bytes, or null at the end of the stream. */
  async next(): Promise<Uint8Array | null> {
    for (;;) {
      let chunk = this.pending.pop();
      if (chunk === undefined) {
        if (this.done) return null;
        const result = await this.iterator.next();
        if (result.done === true) {
          this.done = true;
          return null;
        }
        chunk = result.value;
      }
      if (chunk.length === 0) continue;
      if (chunk.length > MAX_READ_CHUNK) {
        this.pending.push(chunk.subarray(MAX_READ_CHUNK));
        chunk = chunk.subarray(0, MAX_READ_CHUNK);
      }
      this.consumed += chunk.length;
      return chunk;
    }
  }

  /** Returns bytes obtained from next() that were not used; they come out again first. */
  unread(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.consumed -= chunk.length;
    this.pending.push(chunk);
  }

  /** Exactly `n` bytes, or fewer if the stream ends first. */
  async readExact(n: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let have = 0;
    while (have < n) {
      const chunk = await this.next();
      if (chunk === null) break;
      const take = Math.min(n - have, chunk.length);
      parts.push(chunk.subarray(0, take));
      this.unread(chunk.subarray(take));
      have += take;
    }
    return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts);
  }

  /** Bytes up to and including the next NUL (or the end, or `max` bytes), for gzip's FNAME/FCOMMENT fields. */
  async readZeroTerminated(max: number): Promise<{ bytes: Uint8Array; terminated: boolean }> {
    const parts: Uint8Array[] = [];
    let have = 0;
    while (have < max) {
      const chunk = await this.next();
      if (chunk === null) break;
      const zero = chunk.indexOf(0);
      if (zero >= 0) {
        parts.push(chunk.subarray(0, zero + 1));
        this.unread(chunk.subarray(zero + 1));
        return { bytes: Buffer.concat(parts), terminated: true };
      }
      parts.push(chunk);
      have += chunk.length;
    }
    return { bytes: Buffer.concat(parts), terminated: false };
  }

  /** Stops the underlying stream early (lets upstream generators run their cleanup). */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.iterator.return?.();
  }
}
