// What the embedded database's thread moves rather than copies when it answers: large byte values (a file's
// contents, up to 50 MiB). Cloned, they were copied again on arrival, in the server's thread; moved, they
// arrive as they are. A value that is a view of a larger buffer (or of PGlite's memory) is first copied into a
// buffer of its own here, in the database's thread, since moving a buffer takes all of it from this side.

/** Values smaller than this are cloned: copying them costs next to nothing. */
export const TRANSFER_MIN_BYTES = 64 * 1024;

/**
 * The buffers to move with `rows` (each once), replacing in place any large value that does not own its
 * buffer by a copy that does.
 */
export function transferablesOf(rows: unknown[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const row of rows) {
    if (row === null || typeof row !== 'object') continue;
    const values = row as Record<string, unknown>;
    for (const [key, value] of Object.entries(values)) {
      if (!(value instanceof Uint8Array) || value.byteLength < TRANSFER_MIN_BYTES) continue;
      const owned =
        value.buffer instanceof ArrayBuffer &&
        value.byteOffset === 0 &&
        value.byteLength === value.buffer.byteLength &&
        !out.has(value.buffer)
          ? value
          : new Uint8Array(value); // a copy (a Buffer's slice() would be another view of the same memory)
      values[key] = owned;
      out.add(owned.buffer as ArrayBuffer);
    }
  }
  return [...out];
}
