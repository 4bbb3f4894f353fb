// Enrichment of source IPs: for each address, its special-purpose range if it is in one (then nothing else is
// looked up), else its country and AS from the shipped databases, region/city/coordinates from the city database
// when one is configured, and its reverse DNS unless DMARC_RDNS=off. Pure lookups: storing is the caller's.
import type { NewIpEnrichment } from '../model/ip-enrichment.js';
import { CityDatabase } from './city-database.js';
import { lookupText, parseIp } from './ip-address.js';
import { shippedDatabases } from './ip-databases.js';
import { reservedKindOf } from './reserved.js';
import { ReverseDns, type ReverseDnsSettings, type ReverseDnsStats } from './reverse-dns.js';

export interface EnrichSettings {
  /** Rows older than this are looked up again (DMARC_ENRICH_TTL_DAYS). */
  ttlDays: number;
  /** Negative DNS answers (no PTR, failures) are looked up again after this (DMARC_DNS_NEGATIVE_TTL). */
  negativeTtlMs: number;
  /** Reverse DNS on (DMARC_RDNS). */
  rdns: boolean;
  dns: ReverseDnsSettings;
  /** DMARC_GEOIP_CITY_DB, or null. */
  cityDb: string | null;
}

export type Enrichment = NewIpEnrichment;

export class SourceEnricher {
  private readonly dns: ReverseDns | null;

  private constructor(
    readonly settings: EnrichSettings,
    private readonly city: CityDatabase | null,
  ) {
    this.dns = settings.rdns ? new ReverseDns(settings.dns) : null;
  }

  /**
   * Opens the city database (when configured: a file that is not one throws IpDatabaseError, so that start-up
   * stops); the shipped databases are loaded on the first enrichment.
   */
  static async open(settings: EnrichSettings): Promise<SourceEnricher> {
    const city = settings.cityDb ? await CityDatabase.open(settings.cityDb) : null;
    return new SourceEnricher(settings, city);
  }

  /** Loads the shipped databases now (they are otherwise loaded by the first enrichment). */
  async preload(): Promise<void> {
    await shippedDatabases();
  }

  dnsStats(): ReverseDnsStats | null {
    return this.dns?.stats() ?? null;
  }

  /** The enrichment of each address (texts that are not addresses are left out). DNS lookups run concurrently. */
  async enrich(ips: readonly string[]): Promise<Enrichment[]> {
    const db = await shippedDatabases();
    const out: Enrichment[] = [];
    const pending: Promise<void>[] = [];
    for (const ip of ips) {
      const p = parseIp(ip);
      if (!p) continue;
      const reserved = reservedKindOf(p);
      const e: Enrichment = {
        ip,
        country: null,
        asn: null,
        asOrg: null,
        region: null,
        city: null,
        latitude: null,
        longitude: null,
        ptr: null,
        fcrdns: null,
        baseDomain: null,
        reserved,
        dnsStatus: reserved ? 'skipped' : this.dns ? 'error' : 'off',
      };
      out.push(e);
      if (reserved) continue;
      e.country = db.country.lookup(p, ip);
      const as = db.asn.lookup(p);
      if (as) {
        e.asn = as.asn;
        e.asOrg = as.org;
      }
      const c = this.city?.lookup(p, ip);
      if (c) {
        e.country = c.country ?? e.country;
        e.region = c.region;
        e.city = c.city;
        e.latitude = c.latitude;
        e.longitude = c.longitude;
      }
      if (this.dns) {
        pending.push(
          this.dns.lookup(lookupText(p, ip)).then((r) => {
            e.dnsStatus = r.status;
            e.ptr = r.ptr;
            e.fcrdns = r.fcrdns;
            e.baseDomain = r.baseDomain;
          }),
        );
      }
    }
    await Promise.all(pending);
    return out;
  }
}
