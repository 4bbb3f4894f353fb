// An upload's bytes are hashed as they arrive and joined a few MiB per turn of the event loop (issue 21, item 4):
// the same bytes and the same SHA-256 as in one pass, and the loop turns while a large file is joined.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { receiveBytes } from '../../src/ingest/received-bytes.js';

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('receiveBytes', () => {
  it('gives the bytes as sent and their SHA-256, for a large file in many chunks, one chunk and none', async () => {
    const big = Buffer.alloc(13 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i += 997) big[i] = i % 256;
    for (const [bytes, chunk] of [
      [big, 64 * 1024],
      [Buffer.from('<feedback/>'), 1024],
      [Buffer.alloc(0), 1],
    ] as const) {
      let turns = 0;
      let counting = true;
      const tick = (): void => {
        if (!counting) return;
        turns++;
        setImmediate(tick);
      };
      setImmediate(tick);
      const r = await receiveBytes(chunksOf(bytes, chunk));
      counting = false;
      expect(r.bytes.equals(bytes)).toBe(true);
      expect(r.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      // 13 MiB from chunks that are already there: joined in 4 MiB steps, the loop turning between them
      if (bytes === big) expect(turns).toBeGreaterThanOrEqual(3);
    }
  });
});
