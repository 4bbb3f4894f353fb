// Turning an analytics answer into an HTTP answer: the value, X-Cache from where it came from (HIT, or MISS also
// when it was shared with an identical request computing at the same time), and offset pages as opaque cursors.
import type { FastifyReply } from 'fastify';
import type { Answer, OffsetPage } from '../analytics/answers.js';
import { decodeCursor, encodeCursor, isOffsetCursor } from './cursor.js';

export function answer<T>(reply: FastifyReply, a: Answer<T>): T {
  reply.header('x-cache', a.outcome === 'hit' ? 'HIT' : 'MISS');
  return a.value;
}

/** A page answer with its `nextOffset` as the `nextCursor` the API documents. */
export function pageAnswer<T>(
  reply: FastifyReply,
  a: Answer<OffsetPage<T>>,
): { items: T[]; total: number; nextCursor: string | null } {
  const { nextOffset, ...page } = answer(reply, a);
  return { ...page, nextCursor: nextOffset === null ? null : encodeCursor({ o: nextOffset }) };
}

/** The offset carried by a page cursor (0 without one); a cursor of another list is a 400. */
export function offsetOf(cursor: string | undefined): number {
  return decodeCursor(cursor, isOffsetCursor)?.o ?? 0;
}
