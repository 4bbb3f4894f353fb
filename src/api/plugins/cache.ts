// Serves analytics answers from the cache: key = route + normalised filters, `X-Cache: HIT|MISS`.
import type { FastifyReply } from 'fastify';
import type { AnalyticsCache } from '../../analytics/cache.js';

export async function cached<T>(
  cache: AnalyticsCache,
  reply: FastifyReply,
  key: string,
  compute: () => Promise<T>,
): Promise<T> {
  const hit = await cache.get(key);
  if (hit !== undefined) {
    reply.header('x-cache', 'HIT');
    return JSON.parse(hit) as T;
  }
  const value = await compute();
  await cache.set(key, JSON.stringify(value));
  reply.header('x-cache', 'MISS');
  return value;
}
