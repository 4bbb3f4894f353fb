// Opaque pagination cursors: base64url JSON of the position after the last item of a page.
import { HttpProblem } from './problem.js';

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Decodes a cursor and checks its shape; a tampered or stale cursor is a 400, not a 500. */
export function decodeCursor<T>(cursor: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (check(v)) return v;
  } catch {
    // fall through
  }
  throw new HttpProblem(400, 'invalid_cursor', 'cursor is not valid for this list; start again without it', [
    { field: 'cursor', message: 'is not a cursor returned by this list' },
  ]);
}

export const isOffsetCursor = (v: unknown): v is { o: number } =>
  typeof v === 'object' && v !== null && Number.isSafeInteger((v as { o?: unknown }).o) && (v as { o: number }).o >= 0;
