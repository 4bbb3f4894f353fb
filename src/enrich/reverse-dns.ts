// Reverse DNS of source IPs: the PTR name, whether it is forward-confirmed (FCrDNS: the name's A/AAAA records
// contain the address) and its registrable domain. node:dns's Resolver (c-ares) on DMARC_DNS_SERVERS or the
// system's servers, a hard time limit per lookup, at most DMARC_DNS_CONCURRENCY addresses in flight, and a
// breaker: when the servers stop answering altogether, the lookups that follow fail at once as timeouts (kept as
// a negative answer and retried later) instead of each waiting out its time limit.
import { Resolver } from 'node:dns/promises';
import type { DnsStatus } from '../model/ip-enrichment.js';
import { baseDomainOf, normaliseHostName } from './base-domain.js';
import { parseIp, reverseLookupName } from './ip-address.js';

export interface ReverseDnsSettings {
  /** host or host:port entries ([v6]:port), IP addresses only; null: the system's resolvers. */
  servers: readonly string[] | null;
  /** Longest one lookup (PTR, then the forward check) may take before it counts as a timeout. */
  timeoutMs: number;
  /** Addresses looked up at once. */
  concurrency: number;
}

export interface ReverseDnsResult {
  status: DnsStatus;
  ptr: string | null;
  fcrdns: boolean | null;
  baseDomain: string | null;
}

export interface ReverseDnsStats {
  lookups: number;
  timeouts: number;
  /** Lookups failed at once while the breaker was open (the servers did not answer). */
  shortCircuited: number;
}

/** PTR names checked for forward confirmation, at most (a PTR RRset is normally one name). */
const MAX_NAMES = 3;
/** Lookups failing as unreachable in a row that open the breaker, at least. */
const BREAKER_MIN_FAILURES = 20;
/** How long the breaker stays open before lookups are tried again. */
const BREAKER_OPEN_MS = 60_000;

/** The error code of a failed c-ares query → the status kept. */
function statusOf(err: unknown): DnsStatus {
  const code = (err as { code?: string } | null)?.code;
  switch (code) {
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

class TimeLimit extends Error {
  readonly code = 'ETIMEOUT';
}

function sameAddress(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  if (!x || !y || x.family !== y.family) return false;
  if (x.family === 4 && y.family === 4) return x.v4 === y.v4;
  return x.family === 6 && y.family === 6 && x.groups.every((g, i) => g === y.groups[i]);
}

export class ReverseDns {
  private readonly resolver: Resolver;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private failuresInRow = 0;
  private openUntil = 0;
  private readonly counters: ReverseDnsStats = { lookups: 0, timeouts: 0, shortCircuited: 0 };

  constructor(private readonly settings: ReverseDnsSettings) {
    // c-ares doubles the time of each retry: two tries of a third of the limit fit in it.
    this.resolver = new Resolver({ timeout: Math.max(50, Math.floor(settings.timeoutMs / 3)), tries: 2 });
    if (settings.servers && settings.servers.length > 0) this.resolver.setServers([...settings.servers]);
  }

  stats(): ReverseDnsStats {
    return { ...this.counters };
  }

  /** Reverse DNS of a public address (IPv4 in dotted form, IPv6 as text). Never throws. */
  async lookup(ip: string): Promise<ReverseDnsResult> {
    await this.slot();
    try {
      return await this.lookupNow(ip);
    } finally {
      this.release();
    }
  }

  private async slot(): Promise<void> {
    if (this.active < this.settings.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  /** Rejects with a timeout when `p` takes longer than the limit left (c-ares' own timers are per try). */
  private within<T>(p: Promise<T>, deadline: number): Promise<T> {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.reject(new TimeLimit('time limit'));
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeLimit('time limit')), left);
    });
    p.catch(() => undefined); // a late failure after the time limit is nobody's business
    return Promise.race([p, limit]).finally(() => clearTimeout(timer));
  }

  private async lookupNow(ip: string): Promise<ReverseDnsResult> {
    const none = { ptr: null, fcrdns: null, baseDomain: null };
    if (Date.now() < this.openUntil) {
      this.counters.shortCircuited++;
      return { status: 'timeout', ...none };
    }
    const parsed = parseIp(ip);
    if (!parsed) return { status: 'error', ...none };
    this.counters.lookups++;
    const deadline = Date.now() + this.settings.timeoutMs;
    let names: string[];
    try {
      names = await this.within(this.resolver.resolvePtr(reverseLookupName(parsed)), deadline);
    } catch (err) {
      const status = statusOf(err);
      this.noteFailure(status);
      return { status, ...none };
    }
    this.failuresInRow = 0;
    const valid = [...new Set(names.map(normaliseHostName).filter((n): n is string => n !== null))];
    if (valid.length === 0) return { status: names.length === 0 ? 'nodata' : 'ok', ...none };

    const family = parsed.family;
    let unsure = false;
    for (const name of valid.slice(0, MAX_NAMES)) {
      try {
        const addresses = await this.within(
          family === 4 ? this.resolver.resolve4(name) : this.resolver.resolve6(name),
          deadline + this.settings.timeoutMs,
        );
        if (addresses.some((a) => sameAddress(a, ip))) {
          return { status: 'ok', ptr: name, fcrdns: true, baseDomain: baseDomainOf(name) };
        }
      } catch (err) {
        const s = statusOf(err);
        // no such name, or no address of the family: a definite "does not point back"
        if (s !== 'nxdomain' && s !== 'nodata') unsure = true;
      }
    }
    const ptr = valid[0]!;
    return { status: 'ok', ptr, fcrdns: unsure ? null : false, baseDomain: baseDomainOf(ptr) };
  }

  private noteFailure(status: DnsStatus): void {
    if (status === 'timeout') this.counters.timeouts++;
    if (status !== 'timeout' && status !== 'refused') {
      this.failuresInRow = 0;
      return;
    }
    this.failuresInRow++;
    if (this.failuresInRow >= Math.max(BREAKER_MIN_FAILURES, 2 * this.settings.concurrency)) {
      this.openUntil = Date.now() + BREAKER_OPEN_MS;
      this.failuresInRow = 0;
    }
  }
}
