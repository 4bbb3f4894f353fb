// `npm run bench:api -- --domain-windows`: issue 17's workload. Per-domain 30-day windows, uncached, every URL
// distinct (20 domains x 10 windows sliding by a day = 200 URLs per route), fetched once each by 8 clients at
// once, for the routes that read the per-source rollup with a domain filter. Distinct URLs with the cache off:
// no answer is shared, each request computes its own. Prints p50/p99 per route; never asserts on them.
import { benchLogin, type BenchServer } from './dataset.js';

export interface WindowRow {
  route: string;
  requests: number;
  p50: number;
  p99: number;
  errors: number;
}

/** The 200 URLs of one route: every domain, windows ending on `last` and the 9 days before. */
export function windowUrls(route: string, domains: number, windows: number, last: string): string[] {
  const urls: string[] = [];
  const end = Date.parse(`${last}T00:00:00Z`);
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  for (let w = 0; w < windows; w++) {
    const to = end - w * 86_400_000;
    for (let d = 0; d < domains; d++) {
      const sep = route.includes('?') ? '&' : '?';
      urls.push(`${route}${sep}domain=example${d}.com&from=${day(to - 29 * 86_400_000)}&to=${day(to)}`);
    }
  }
  return urls;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

/** Fetches every URL once, `clients` at a time; the latency of each answer (ms, whole body read). */
export async function measureWindows(
  server: BenchServer,
  routes: string[],
  opts: { domains: number; windows: number; last: string; clients: number },
): Promise<WindowRow[]> {
  const token = await benchLogin(server);
  const headers = { authorization: `Bearer ${token}` };
  const rows: WindowRow[] = [];
  for (const route of routes) {
    const urls = windowUrls(route, opts.domains, opts.windows, opts.last);
    const times: number[] = [];
    let errors = 0;
    let next = 0;
    const client = async (): Promise<void> => {
      while (next < urls.length) {
        const url = urls[next++]!;
        const t0 = performance.now();
        const r = await fetch(`${server.url}${url}`, { headers });
        await r.arrayBuffer();
        times.push(performance.now() - t0);
        if (!r.ok) errors++;
      }
    };
    await Promise.all(Array.from({ length: opts.clients }, client));
    times.sort((a, b) => a - b);
    const row = {
      route,
      requests: urls.length,
      p50: Math.round(percentile(times, 0.5)),
      p99: Math.round(percentile(times, 0.99)),
      errors,
    };
    console.log(
      `${route.padEnd(40)} ${row.requests} URLs  p50 ${String(row.p50).padStart(5)} ms  p99 ${String(row.p99).padStart(5)} ms${errors ? `  (${errors} errors)` : ''}`,
    );
    rows.push(row);
  }
  return rows;
}
