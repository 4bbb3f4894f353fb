// SMTP TLS reports (RFC 8460): a JSON part (plain or already decompressed by the unpacker) → TlsReport.
import type { TlsReport } from '../../model/tls-report.js';
import type { ByteSource } from '../types.js';
import { DEFAULT_TLS_LIMITS, type TlsLimits } from './limits.js';
import { normaliseTlsReport } from './normalise.js';
import { readJson } from './read-json.js';

export { DEFAULT_TLS_LIMITS, type TlsLimits } from './limits.js';

/** Throws a ParseFailure (not_tlsrpt, invalid_tlsrpt, invalid_domain, field_too_long, too_many_records, too_large). */
export async function parseTlsReport(open: ByteSource, limits: TlsLimits = DEFAULT_TLS_LIMITS): Promise<TlsReport> {
  return normaliseTlsReport(await readJson(open, limits.maxBytes), limits);
}
