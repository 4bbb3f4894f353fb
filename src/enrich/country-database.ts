// IP → country (ISO 3166-1 alpha-2), offline, from the MaxMind-format file of the
// @ip-location-db/geo-whois-asn-country-mmdb package (CC0; built from NRO data, CC BY 4.0: see attribution.ts).
// ~8 MB, read once per process.
import { createRequire } from 'node:module';
import path from 'node:path';
import type { CountryResponse, Reader } from 'maxmind';
import { IpDatabaseError } from './errors.js';
import { v4Text, type ParsedIp } from './ip-address.js';
import { PROBE_IPS_V4, PROBE_IPS_V6, openMmdb } from './mmdb.js';

const PACKAGE = '@ip-location-db/geo-whois-asn-country-mmdb';
const FILE = 'geo-whois-asn-country.mmdb';

/** The ip-location-db files hold a bare `country_code` (not the GeoIP2 structure). */
type CountryRecord = CountryResponse & { country_code?: string };

export class CountryDatabase {
  private constructor(private readonly reader: Reader<CountryRecord>) {}

  static async load(file: string = defaultFile()): Promise<CountryDatabase> {
    const reader = await openMmdb<CountryRecord>(file, 'the country database', (r) => {
      for (const ip of [...PROBE_IPS_V4, ...PROBE_IPS_V6]) r.get(ip);
    });
    return new CountryDatabase(reader);
  }

  /** The country of a public address, or null when the database does not place it. */
  lookup(p: ParsedIp, text: string): string | null {
    const code = this.reader.get(p.family === 4 ? v4Text(p.v4) : text)?.country_code;
    // ZZ: "unknown" in some sources
    return typeof code === 'string' && /^[A-Z]{2}$/.test(code) && code !== 'ZZ' ? code : null;
  }
}

function defaultFile(): string {
  try {
    return path.join(path.dirname(createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`)), FILE);
  } catch {
    throw new IpDatabaseError(`the package ${PACKAGE} (the country database) is not installed: run npm ci`);
  }
}
