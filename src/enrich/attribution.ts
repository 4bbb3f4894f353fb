// The attribution the licences of the shipped IP databases require, in one place: the dashboard's about box and
// the README show it. Country: @ip-location-db/geo-whois-asn-country-mmdb (package CC0 1.0; built from NRO's
// WHOIS and ASN data, CC BY 4.0). AS numbers and names: @ip-location-db/asn (RouteViews, NRO and DB-IP IP to ASN
// Lite data, CC BY 4.0; DB-IP asks web pages that show its results for a link back to db-ip.com). The optional
// city database is the user's own file under its own licence, and not attributed here.

export interface DataSource {
  /** What it gives. */
  data: string;
  /** Who made it. */
  name: string;
  url: string;
  licence: string;
  licenceUrl: string;
}

export interface Attribution {
  /** One paragraph of plain text (README, CLI, logs). */
  text: string;
  /** The same, source by source, for a page that links each one. */
  sources: readonly DataSource[];
  /** Link text DB-IP asks for on pages that display results of its database, and where it points. */
  dbIpLink: { text: string; url: string };
}

const CC_BY_4 = { licence: 'CC BY 4.0', licenceUrl: 'https://creativecommons.org/licenses/by/4.0/' };

export const IP_DATA_ATTRIBUTION: Attribution = {
  text:
    'IP geolocation and AS data: country data from the Number Resource Organization (nro.net); IP to AS number ' +
    'data from RouteViews (routeviews.org), the NRO (nro.net) and DB-IP (db-ip.com); all licensed under ' +
    'Creative Commons Attribution 4.0 (CC BY 4.0), compiled by the ip-location-db project ' +
    '(github.com/sapics/ip-location-db). IP Geolocation by DB-IP.',
  sources: [
    { data: 'country', name: 'Number Resource Organization (NRO)', url: 'https://www.nro.net/', ...CC_BY_4 },
    { data: 'AS number', name: 'RouteViews', url: 'https://www.routeviews.org/', ...CC_BY_4 },
    { data: 'AS number', name: 'Number Resource Organization (NRO)', url: 'https://www.nro.net/', ...CC_BY_4 },
    { data: 'AS number and organisation', name: 'DB-IP', url: 'https://db-ip.com/', ...CC_BY_4 },
  ],
  dbIpLink: { text: 'IP Geolocation by DB-IP', url: 'https://db-ip.com' },
};
