// The look for failure-report words in an uncompressed file is made a window at a time (issue 21, item 4: one
// pass over 50 MiB held the server's event loop): a word across two windows, or at the very end, is still seen.
import { describe, expect, it } from 'vitest';
import { HINT_WINDOW, mayHoldFailureReports } from '../../src/ingest/kept-bytes.js';

function filler(size: number): Buffer {
  return Buffer.alloc(size, 'x');
}

describe('mayHoldFailureReports', () => {
  it('finds a word that a window boundary cuts in two, in any case', async () => {
    for (const word of ['Feedback-Report', 'FAILURE', 'forensic']) {
      for (const cut of [1, word.length - 1]) {
        const bytes = filler(3 * HINT_WINDOW);
        bytes.write(word, 2 * HINT_WINDOW - cut, 'latin1');
        expect(await mayHoldFailureReports(bytes), `${word} cut at ${cut}`).toBe(true);
      }
    }
  });

  it('finds a word at the very end, and none in a view that leaves it out', async () => {
    const bytes = filler(2 * HINT_WINDOW + 5);
    bytes.write('failure', bytes.length - 'failure'.length, 'latin1');
    expect(await mayHoldFailureReports(bytes)).toBe(true);
    expect(await mayHoldFailureReports(bytes.subarray(0, bytes.length - 1))).toBe(false);
    // a view starting inside a larger buffer is read from its own start
    expect(await mayHoldFailureReports(bytes.subarray(bytes.length - 'failure'.length))).toBe(true);
  });

  it('answers as one search over the whole text does', async () => {
    const bytes = filler(4 * HINT_WINDOW);
    expect(await mayHoldFailureReports(bytes)).toBe(false);
    // the words broken, near a boundary: not a word
    bytes.write('feedback report forens1c fai1ure', HINT_WINDOW - 10, 'latin1');
    const whole = /feedback-report|failure|forensic/i.test(bytes.toString('latin1'));
    expect(await mayHoldFailureReports(bytes)).toBe(whole);
    expect(whole).toBe(false);
    expect(await mayHoldFailureReports(new Uint8Array(0))).toBe(false);
  });
});
