// The optional city database (DMARC_GEOIP_CITY_DB): a valid MaxMind-format city file (written by the test's own
// writer: nothing on npm writes one) gives region, city and coordinates; a file that is not one stops start-up
// with one clear line, from the enricher, the server and the command line.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { SourceEnricher, type EnrichSettings } from '../../src/enrich/enricher.js';
import { IpDatabaseError } from '../../src/enrich/errors.js';
import { startServer } from '../../src/runtime/serve.js';
import { runCli } from '../support/cli.js';
import { writeMmdb } from '../support/mmdb-writer.js';

const settings = (cityDb: string | null): EnrichSettings => ({
  ttlDays: 90,
  negativeTtlMs: 86_400_000,
  rdns: false,
  dns: { servers: null, timeoutMs: 1000, concurrency: 1 },
  cityDb,
});

const LONDON = {
  city: { geoname_id: 2643743, names: { en: 'London', de: 'London' } },
  country: { iso_code: 'GB', names: { en: 'United Kingdom' } },
  subdivisions: [{ iso_code: 'ENG', names: { en: 'England' } }],
  location: { latitude: 51.5142, longitude: -0.0931, accuracy_radius: 10 },
};
const BERLIN = {
  city: { names: { en: 'Berlin' } },
  country: { iso_code: 'DE' },
  subdivisions: [{ iso_code: 'BE', names: { en: 'Land Berlin' } }],
  location: { latitude: 52.5244, longitude: 13.4105 },
};

describe('the city database', () => {
  let dir: string;
  let valid: string;
  let garbage: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-city-'));
    valid = path.join(dir, 'City.mmdb');
    await fs.writeFile(
      valid,
      writeMmdb({
        databaseType: 'GeoLite2-City',
        networks: [
          { cidr: '81.2.69.0/24', value: LONDON },
          { cidr: '2a02:8000::/32', value: BERLIN },
          // a network whose record has a country only
          { cidr: '45.12.0.0/16', value: { country: { iso_code: 'NL' } } },
        ],
      }),
    );
    garbage = path.join(dir, 'garbage.mmdb');
    await fs.writeFile(garbage, crypto.randomBytes(200_000));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('gives region, city and coordinates of the addresses it knows, IPv4 and IPv6', async () => {
    const e = await SourceEnricher.open(settings(valid));
    const rows = await e.enrich(['81.2.69.160', '2a02:8000::1', '45.12.3.4', '8.8.8.8', '10.0.0.1']);
    const by = Object.fromEntries(rows.map((r) => [r.ip, r]));
    expect(by['81.2.69.160']).toMatchObject({
      country: 'GB',
      region: 'England',
      city: 'London',
      latitude: 51.5142,
      longitude: -0.0931,
    });
    expect(by['2a02:8000::1']).toMatchObject({ country: 'DE', region: 'Land Berlin', city: 'Berlin' });
    expect(by['45.12.3.4']).toMatchObject({ country: 'NL', region: null, city: null, latitude: null });
    // not in the city file: the shipped country, no city
    expect(by['8.8.8.8']).toMatchObject({ country: 'US', asn: 15169, city: null, region: null, latitude: null });
    expect(by['10.0.0.1']).toMatchObject({ reserved: 'private', city: null });
  });

  it('refuses a file that is not a MaxMind DB, in one line naming it', async () => {
    const err = await SourceEnricher.open(settings(garbage)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpDatabaseError);
    expect((err as IpDatabaseError).code).toBe('ip_database_invalid');
    expect((err as Error).message).toBe(
      `the city database (DMARC_GEOIP_CITY_DB) ${garbage} is not a MaxMind DB file (.mmdb): no metadata section`,
    );
  });

  it('refuses a MaxMind DB that is not a city one', async () => {
    const require = createRequire(import.meta.url);
    const countryFile = path.join(
      path.dirname(require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json')),
      'geo-whois-asn-country.mmdb',
    );
    await expect(SourceEnricher.open(settings(countryFile))).rejects.toThrow(
      /is a 'country ipvAll' database, not a city one/,
    );
  });

  it('refuses a file that disappeared after the configuration was read', async () => {
    const gone = path.join(dir, 'gone.mmdb');
    await expect(SourceEnricher.open(settings(gone))).rejects.toThrow(/cannot be read: ENOENT/);
  });

  it('stops the server before it opens anything', async () => {
    const config = loadConfig({
      DMARC_DATA_DIR: path.join(dir, 'data'),
      DMARC_GEOIP_CITY_DB: garbage,
      JWT_SECRET: 'x'.repeat(64),
      PORT: '0',
    });
    await expect(startServer(config)).rejects.toThrow(IpDatabaseError);
    await expect(fs.stat(path.join(dir, 'data', 'pgdata'))).rejects.toThrow(/ENOENT/);
  });

  it('stops a command with one line and exit status 2: missing, not a file, not a database', async () => {
    const env = { DMARC_DATA_DIR: path.join(dir, 'cli-data') };
    const missing = await runCli(['enrich'], { ...env, DMARC_GEOIP_CITY_DB: path.join(dir, 'nope.mmdb') });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `dmarc: configuration error: DMARC_GEOIP_CITY_DB: cannot read ${path.join(dir, 'nope.mmdb')}: ENOENT\n`,
    );
    const folder = await runCli(['import', '.'], { ...env, DMARC_GEOIP_CITY_DB: dir });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toBe(`dmarc: configuration error: DMARC_GEOIP_CITY_DB: ${dir} is not a file\n`);
    const corrupt = await runCli(['enrich'], { ...env, DMARC_GEOIP_CITY_DB: garbage });
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toBe(
      `dmarc: IP database: the city database (DMARC_GEOIP_CITY_DB) ${garbage} is not a MaxMind DB file (.mmdb): no metadata section\n`,
    );
  });
});
