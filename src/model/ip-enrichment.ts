// What is known about one source IP address: where it is (country, AS; region and city with a city database),
// its reverse DNS (PTR, forward-confirmed or not, registrable domain), and whether it is in a special-purpose
// range. Public facts about an address, stored once per address and shared by every organisation.

/** Special-purpose ranges (IANA IPv4/IPv6 special-purpose registries): labelled, never looked up in DNS. */
export const RESERVED_KINDS = [
  'private',
  'loopback',
  'link-local',
  'cgnat',
  'documentation',
  'benchmarking',
  'multicast',
  'unspecified',
  'broadcast',
  'unique-local',
  'reserved',
] as const;
export type ReservedKind = (typeof RESERVED_KINDS)[number];

/**
 * How the reverse lookup went. `ok`: a PTR name was found. Negative answers (`nxdomain`: no PTR; `nodata`; and
 * failures: `servfail`, `refused`, `timeout`, `error`) are kept too and retried after a shorter time.
 * `off`: reverse DNS is turned off (DMARC_RDNS=off); `skipped`: a reserved address, never sent to DNS.
 */
export const DNS_STATUSES = [
  'ok',
  'nxdomain',
  'nodata',
  'servfail',
  'refused',
  'timeout',
  'error',
  'off',
  'skipped',
] as const;
export type DnsStatus = (typeof DNS_STATUSES)[number];

/** Statuses that are answers worth keeping for the full refresh period (DMARC_ENRICH_TTL_DAYS). */
export const SETTLED_DNS_STATUSES: readonly DnsStatus[] = ['ok', 'skipped', 'off'];

export interface IpEnrichment {
  /** The address as PostgreSQL writes it (inet's text form). */
  ip: string;
  /** ISO 3166-1 alpha-2, null when not located. */
  country: string | null;
  asn: number | null;
  asOrg: string | null;
  /** Region, city and coordinates: only with a city database (DMARC_GEOIP_CITY_DB). */
  region: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  /** PTR name, lower case, without the trailing dot. */
  ptr: string | null;
  /** The PTR name resolves back to the address (FCrDNS); null when not checked. */
  fcrdns: boolean | null;
  /** Registrable domain of the PTR name (public-suffix aware), e.g. google.com for mail-ed1-f41.google.com. */
  baseDomain: string | null;
  reserved: ReservedKind | null;
  dnsStatus: DnsStatus;
  lookedUpAt: Date;
}

/** An enrichment as computed, before it is stored (looked_up_at is the database's clock). */
export type NewIpEnrichment = Omit<IpEnrichment, 'lookedUpAt'>;
