// The offline location data of a process: the shipped country and AS databases, loaded once on first use (so
// that processes which never enrich, and every test that starts a server, do not pay the ~1 s and ~50 MB),
// shared by every enricher of the process.
import { AsnDatabase } from './asn-database.js';
import { CountryDatabase } from './country-database.js';

export interface ShippedDatabases {
  country: CountryDatabase;
  asn: AsnDatabase;
}

let shipped: Promise<ShippedDatabases> | undefined;

export function shippedDatabases(): Promise<ShippedDatabases> {
  shipped ??= Promise.all([CountryDatabase.load(), AsnDatabase.load()]).then(([country, asn]) => ({ country, asn }));
  // a failure is not remembered: the next call tries again (and reports again)
  shipped.catch(() => (shipped = undefined));
  return shipped;
}
