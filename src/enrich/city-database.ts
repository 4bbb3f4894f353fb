// The optional city database: a MaxMind-format city file the user downloaded (GeoLite2-City, DB-IP City Lite),
// named by DMARC_GEOIP_CITY_DB, gives region, city and coordinates (and its own country, used when it has one, so
// that a city and its country never disagree). Opened at start-up: a file that is not one stops the process.
import type { CityResponse, Reader } from 'maxmind';
import { IpDatabaseError } from './errors.js';
import { v4Text, type ParsedIp } from './ip-address.js';
import { PROBE_IPS_V4, PROBE_IPS_V6, openMmdb } from './mmdb.js';

export interface CityInfo {
  country: string | null;
  region: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
}

function english(names: Record<string, string> | undefined): string | null {
  const n = names?.en ?? (names ? Object.values(names)[0] : undefined);
  return typeof n === 'string' && n.trim() !== '' ? n.trim().slice(0, 200) : null;
}

function coordinate(v: unknown, limit: number): number | null {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= limit ? v : null;
}

export class CityDatabase {
  private constructor(
    private readonly reader: Reader<CityResponse>,
    /** The database's own name (its metadata), for logs. */
    readonly type: string,
  ) {}

  static async open(file: string): Promise<CityDatabase> {
    const reader = await openMmdb<CityResponse>(file, 'the city database (DMARC_GEOIP_CITY_DB)', (r) => {
      for (const ip of r.metadata.ipVersion === 6 ? [...PROBE_IPS_V4, ...PROBE_IPS_V6] : PROBE_IPS_V4) r.get(ip);
    });
    const type = String(reader.metadata.databaseType ?? '');
    if (!/city/i.test(type)) {
      throw new IpDatabaseError(
        `the city database (DMARC_GEOIP_CITY_DB) ${file} is a '${type}' database, not a city one (such as GeoLite2-City or DB-IP City Lite)`,
      );
    }
    return new CityDatabase(reader, type);
  }

  lookup(p: ParsedIp, text: string): CityInfo | null {
    if (p.family === 6 && this.reader.metadata.ipVersion !== 6) return null;
    const r = this.reader.get(p.family === 4 ? v4Text(p.v4) : text);
    if (!r) return null;
    const code = r.country?.iso_code ?? r.registered_country?.iso_code;
    const region = r.subdivisions?.[0];
    return {
      country: typeof code === 'string' && /^[A-Z]{2}$/.test(code) ? code : null,
      region: english(region?.names as Record<string, string> | undefined) ?? region?.iso_code ?? null,
      city: english(r.city?.names as Record<string, string> | undefined),
      latitude: coordinate(r.location?.latitude, 90),
      longitude: coordinate(r.location?.longitude, 180),
    };
  }
}
