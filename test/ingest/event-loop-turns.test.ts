// Issue 21, item 4: three 50 MiB uploads held the embedded server's event loop for up to 1.6 s at a time, the
// report's parse resuming from settled promises (microtasks) without ever letting a request in. Whatever reads
// a part (process-file.ts) now reads it through givingWay: the loop turns between its chunks.
import { describe, expect, it } from 'vitest';
import { givingWay, nextTurn } from '../../src/ingest/event-loop-turns.js';

/** Counts turns of the event loop (setImmediate callbacks) until stopped. */
function turnCounter(): { stop(): number } {
  let turns = 0;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop: () => {
      running = false;
      return turns;
    },
  };
}

describe('giving way to the event loop', () => {
  it('nextTurn resolves after what is already waiting on the loop; settled promises do not', async () => {
    let ran = false;
    setImmediate(() => (ran = true));
    for (let i = 0; i < 100; i++) await Promise.resolve();
    expect(ran).toBe(false);
    await nextTurn();
    expect(ran).toBe(true);
  });

  it('a source read through givingWay lets the event loop turn before each chunk', async () => {
    const chunks = Array.from({ length: 20 }, (_, i) => new Uint8Array([i]));
    const source = () =>
      (async function* () {
        yield* chunks;
      })();
    // the plain source is read to its end in microtasks: not one turn of the loop in between
    let counter = turnCounter();
    const plain: number[] = [];
    for await (const c of source()) plain.push(c[0]!);
    expect(counter.stop()).toBe(0);
    counter = turnCounter();
    const read: number[] = [];
    for await (const c of givingWay(source)()) read.push(c[0]!);
    expect(counter.stop()).toBeGreaterThanOrEqual(chunks.length - 1);
    expect(read).toEqual(plain);
  });

  it('stopping early stops the source it reads (its cleanup runs)', async () => {
    let closed = false;
    const source = () =>
      (async function* () {
        try {
          for (let i = 0; ; i++) yield new Uint8Array([i]);
        } finally {
          closed = true;
        }
      })();
    for await (const c of givingWay(source)()) if (c[0] === 3) break;
    expect(closed).toBe(true);
  });
});
