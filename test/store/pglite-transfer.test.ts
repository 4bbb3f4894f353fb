// The embedded database's thread moves large byte values to the server's thread instead of having them copied
// on arrival (issue 21, item 4): what it lists to move, and how it makes a value movable.
import { describe, expect, it } from 'vitest';
import { TRANSFER_MIN_BYTES, transferablesOf } from '../../src/store/pglite-transfer.js';

describe('transferablesOf', () => {
  it('moves a large value that owns its buffer as it is, and leaves small ones to the clone', () => {
    const big = new Uint8Array(TRANSFER_MIN_BYTES).fill(7);
    const small = new Uint8Array(TRANSFER_MIN_BYTES - 1);
    const rows: Record<string, unknown>[] = [
      { id: 1, data: big, small, text: 'x' },
      { id: 2, data: null },
    ];
    const moved = transferablesOf(rows);
    expect(moved).toHaveLength(1);
    expect(moved[0]).toBe(big.buffer);
    expect(rows[0]!.data).toBe(big);
    expect(rows[0]!.small).toBe(small);
  });

  it('copies a view of a larger buffer into one of its own (the larger buffer stays), with the same bytes', () => {
    const whole = new Uint8Array(3 * TRANSFER_MIN_BYTES);
    for (let i = 0; i < whole.length; i++) whole[i] = i % 251;
    const view = whole.subarray(10, 10 + 2 * TRANSFER_MIN_BYTES);
    const rows: Record<string, unknown>[] = [{ data: view }];
    const moved = transferablesOf(rows);
    const copy = rows[0]!.data as Uint8Array;
    expect(copy).not.toBe(view);
    expect(moved).toHaveLength(1);
    expect(moved[0]).toBe(copy.buffer);
    expect(copy.buffer).not.toBe(whole.buffer);
    expect(Buffer.from(copy).equals(Buffer.from(view))).toBe(true);
  });

  it('copies a Buffer view too (its slice() would share the memory it must not take)', () => {
    const whole = Buffer.alloc(2 * TRANSFER_MIN_BYTES, 3);
    const rows: Record<string, unknown>[] = [{ data: whole.subarray(1) }];
    const moved = transferablesOf(rows);
    expect(moved[0]).not.toBe(whole.buffer);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(rows, moved);
    port1.close();
    port2.close();
    expect(whole.byteLength).toBe(2 * TRANSFER_MIN_BYTES);
    expect(whole[0]).toBe(3);
  });

  it('lists a buffer once even when two values share it (a transfer list must not repeat one)', () => {
    const big = new Uint8Array(TRANSFER_MIN_BYTES);
    const rows: Record<string, unknown>[] = [{ a: big, b: big }];
    const moved = transferablesOf(rows);
    expect(new Set(moved).size).toBe(moved.length);
    expect(moved).toHaveLength(2);
    // and the answer can be posted with them
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(rows, moved);
    port1.close();
    port2.close();
    expect(big.byteLength).toBe(0);
  });
});
