// The DNS side of the record checks: TXT, MX, A and AAAA queries through node:dns's Resolver (c-ares) on
// DMARC_DNS_SERVERS or the system's servers, each within a hard time limit. A query never throws: it answers the
// records, or why there are none (no such name, no record of the type, SERVFAIL, refused, timeout), so that a
// check can say "could not check" instead of failing. Answers are kept for the length of one check (a domain's
// SPF includes are often asked for twice), and every query is counted.
import { Resolver } from 'node:dns/promises';

export interface DnsCheckSettings {
  /** host or host:port entries ([v6]:port), IP addresses only; null: the system's resolvers. */
  servers: readonly string[] | null;
  /** Longest one query may take before it counts as a timeout. */
  timeoutMs: number;
}

/** Why a query has no records: a definite answer (nxdomain, nodata) or a failure to get one. */
export type QueryFailure = 'nxdomain' | 'nodata' | 'servfail' | 'refused' | 'timeout' | 'error';

export type QueryAnswer<T> = { ok: true; records: T[] } | { ok: false; failure: QueryFailure };

/** True when the failure says there is no such record (as opposed to: we could not find out). */
export function isDefiniteAbsence(f: QueryFailure): boolean {
  return f === 'nxdomain' || f === 'nodata';
}

/** What a failure means, in words for a finding. */
export function failureText(f: QueryFailure): string {
  switch (f) {
    case 'nxdomain':
      return 'the name does not exist';
    case 'nodata':
      return 'the name has no record of that type';
    case 'servfail':
      return 'DNS server failure (SERVFAIL)';
    case 'refused':
      return 'the DNS server refused the query';
    case 'timeout':
      return 'DNS timeout';
    default:
      return 'DNS error';
  }
}

function failureOf(err: unknown): QueryFailure {
  switch ((err as { code?: string } | null)?.code) {
    case 'ENOTFOUND':
      return 'nxdomain';
    case 'ENODATA':
      return 'nodata';
    case 'ESERVFAIL':
      return 'servfail';
    case 'EREFUSED':
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEOUT':
      return 'timeout';
    default:
      return 'error';
  }
}

/** The queries one check may ask, at most (a runaway SPF tree, a hostile record): then every query is refused. */
const MAX_QUERIES = 200;

export class DnsQueries {
  private readonly resolver: Resolver;
  private readonly answers = new Map<string, Promise<QueryAnswer<unknown>>>();
  /** Queries sent (not answered from this check's memory). */
  queries = 0;

  constructor(private readonly settings: DnsCheckSettings) {
    // c-ares doubles the time of each retry: two tries of a third of the limit fit in it
    this.resolver = new Resolver({ timeout: Math.max(50, Math.floor(settings.timeoutMs / 3)), tries: 2 });
    if (settings.servers && settings.servers.length > 0) this.resolver.setServers([...settings.servers]);
  }

  /** TXT records, each one string (its character-strings joined, as RFC 7208 §3.3 and RFC 6376 say). */
  txt(name: string): Promise<QueryAnswer<string>> {
    return this.ask('TXT', name, async (n) => (await this.resolver.resolveTxt(n)).map((parts) => parts.join('')));
  }

  mx(name: string): Promise<QueryAnswer<string>> {
    return this.ask('MX', name, async (n) =>
      (await this.resolver.resolveMx(n)).sort((a, b) => a.priority - b.priority).map((m) => m.exchange),
    );
  }

  /** A and AAAA records together: nodata only when neither has any. */
  async addresses(name: string): Promise<QueryAnswer<string>> {
    const [a, aaaa] = await Promise.all([
      this.ask('A', name, (n) => this.resolver.resolve4(n)),
      this.ask('AAAA', name, (n) => this.resolver.resolve6(n)),
    ]);
    if (a.ok || aaaa.ok) return { ok: true, records: [...(a.ok ? a.records : []), ...(aaaa.ok ? aaaa.records : [])] };
    if (a.failure === 'nxdomain' || aaaa.failure === 'nxdomain') return { ok: false, failure: 'nxdomain' };
    if (isDefiniteAbsence(a.failure) && isDefiniteAbsence(aaaa.failure)) return { ok: false, failure: 'nodata' };
    return { ok: false, failure: isDefiniteAbsence(a.failure) ? aaaa.failure : a.failure };
  }

  private ask<T>(type: string, name: string, run: (name: string) => Promise<T[]>): Promise<QueryAnswer<T>> {
    const key = `${type} ${name.toLowerCase()}`;
    const known = this.answers.get(key);
    if (known) return known as Promise<QueryAnswer<T>>;
    const p =
      this.queries >= MAX_QUERIES
        ? Promise.resolve({ ok: false as const, failure: 'refused' as const })
        : this.send(name, run);
    this.answers.set(key, p);
    return p;
  }

  private async send<T>(name: string, run: (name: string) => Promise<T[]>): Promise<QueryAnswer<T>> {
    this.queries++;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error('time limit'), { code: 'ETIMEOUT' })),
        this.settings.timeoutMs,
      );
    });
    const q = run(name);
    q.catch(() => undefined); // a late failure after the time limit is nobody's business
    try {
      const records = await Promise.race([q, limit]);
      return records.length > 0 ? { ok: true, records } : { ok: false, failure: 'nodata' };
    } catch (err) {
      return { ok: false, failure: failureOf(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}
