import { AppError } from '../model/errors.js';

/**
 * An IP database that cannot be used: the city database DMARC_GEOIP_CITY_DB is not a MaxMind-format city file,
 * or a database shipped in a package is missing. Start-up stops with this one line.
 */
export class IpDatabaseError extends AppError {
  constructor(message: string) {
    super('ip_database_invalid', message);
    this.name = 'IpDatabaseError';
  }
}
