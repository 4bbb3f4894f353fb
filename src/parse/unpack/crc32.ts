// CRC-32 (IEEE) for gzip trailers and zip members: native zlib.crc32 where Node has it (>= 20.15), a table otherwise.
import zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, previous: number) => number;

let table: Uint32Array | null = null;

function crc32Table(): Uint32Array {
  if (table !== null) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

function crc32Js(data: Uint8Array, previous: number): number {
  const t = crc32Table();
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) {
    crc = (t[(crc ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: Crc32 }).crc32;

/** CRC-32 of `data`, continuing from `previous` (0 to start). */
export const crc32: Crc32 = typeof native === 'function' ? (data, previous) => native(data, previous) : crc32Js;

/** Exposed for the test that checks the fallback against the native implementation. */
export const crc32Fallback: Crc32 = crc32Js;
