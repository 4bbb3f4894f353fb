// What is known of a source address (analytics/enrichment-view.ts): on the source page and a failure report.
import { Type } from 'typebox';
import { Nullable } from './common.js';

export const EnrichmentBody = Type.Object(
  {
    country: Nullable(Type.String()),
    countryName: Nullable(Type.String()),
    asn: Nullable(Type.Integer()),
    asOrg: Nullable(Type.String()),
    region: Nullable(Type.String({ description: 'With a city database (DMARC_GEOIP_CITY_DB)' })),
    city: Nullable(Type.String({ description: 'With a city database (DMARC_GEOIP_CITY_DB)' })),
    latitude: Nullable(Type.Number()),
    longitude: Nullable(Type.Number()),
    ptr: Nullable(Type.String()),
    fcrdns: Nullable(Type.Boolean({ description: 'The PTR name resolves back to the address' })),
    baseDomain: Nullable(Type.String()),
    reserved: Nullable(Type.String()),
    dnsStatus: Type.String(),
    lookedUpAt: Type.String({ format: 'date-time' }),
  },
  { description: "The address's country, network and reverse DNS, from the shipped databases and DNS lookups" },
);
