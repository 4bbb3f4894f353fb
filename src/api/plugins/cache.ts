// Serves analytics answers from the cache: key = route + normalised filters, `X-Cache: HIT|MISS` (MISS also
// when the answer was shared with an identical request computing at the same time).
import type { FastifyReply } from 'fastify';
import type { AnalyticsCache } from '../../analytics/cache.js';

export async function cached<T>(
  cache: AnalyticsCache,
  reply: FastifyReply,
  key: string,
  compute: () => Promise<T>,
): Promise<T> {
  const { value, outcome } = await cache.getOrCompute(key, compute);
  reply.header('x-cache', outcome === 'hit' ? 'HIT' : 'MISS');
  return value;
}
