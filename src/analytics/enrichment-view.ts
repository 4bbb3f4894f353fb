// What is known of one source address (country, network, reverse DNS) as the API answers it: the source page and
// a failure report's detail show the same fields.
import type { Queryable } from '../store/database.js';
import { enrichmentFor, type IpEnrichmentView } from '../store/ip-enrichment.js';

export type EnrichmentAnswer = Omit<IpEnrichmentView, 'ip' | 'lookedUpAt'> & { lookedUpAt: string };

export function enrichmentAnswer(e: IpEnrichmentView): EnrichmentAnswer {
  return {
    country: e.country,
    countryName: e.countryName,
    asn: e.asn,
    asOrg: e.asOrg,
    region: e.region,
    city: e.city,
    latitude: e.latitude,
    longitude: e.longitude,
    ptr: e.ptr,
    fcrdns: e.fcrdns,
    baseDomain: e.baseDomain,
    reserved: e.reserved,
    dnsStatus: e.dnsStatus,
    lookedUpAt: new Date(e.lookedUpAt).toISOString(),
  };
}

/**
 * The enrichment of an address the organisation's reports (aggregate or failure) name; null when it was never
 * looked up, or none of its reports names it.
 */
export async function enrichmentOf(db: Queryable, orgId: number, ip: string): Promise<EnrichmentAnswer | null> {
  const e = (await enrichmentFor(db, orgId, [ip])).get(ip);
  return e ? enrichmentAnswer(e) : null;
}
