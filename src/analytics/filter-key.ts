// A stable text key of a filter and page options, for caching (property order and absent values normalised).
// The organisation is not part of it: the cache keeps each organisation's answers apart (see cache.ts).
import type { AnalyticsFilter } from './filters.js';

export function filterKey(f: AnalyticsFilter, extra: Record<string, unknown> = {}): string {
  const all: Record<string, unknown> = { ...f, ...extra };
  return JSON.stringify(
    Object.keys(all)
      .filter((k) => all[k] !== undefined && k !== 'orgId')
      .sort()
      .map((k) => [k, all[k]]),
  );
}
