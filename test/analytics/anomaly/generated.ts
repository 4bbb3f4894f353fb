// Generated DMARC data for the anomaly suites: normal senders that send about the same every day and pass, then
// injected anomalous sources — new addresses that suddenly send a large volume failing SPF and DKIM.
import type { ReportSpec } from '../../alerts/support.js';
import { daysBetween } from '../../alerts/support.js';
import { seededRandom } from '../../../src/analytics/anomaly/prng.js';

export const NORMAL_IPS = Array.from({ length: 16 }, (_, i) => `198.51.100.${10 + i}`);
export const INJECTED_IPS = ['203.0.113.66', '203.0.113.77', '203.0.113.88'];

/** One report a day from..to for `domain`, each with every normal sender; the injected ones on `injectOn`. */
export function generatedReports(o: { domain: string; from: string; to: string; injectOn?: string; seed?: number }) {
  const rnd = seededRandom(o.seed ?? 1);
  return daysBetween(o.from, o.to).map((day): ReportSpec => ({
    domain: o.domain,
    day,
    reporter: rnd.next() < 0.5 ? 'google.com' : 'yahoo.com',
    records: [
      ...NORMAL_IPS.map((ip, i) => ({
        ip,
        // each sender its own steady volume, ±20 % a day; now and then an SPF failure (forwarding)
        count: Math.round((40 + i * 15) * (0.8 + 0.4 * rnd.next())),
        spf: rnd.next() < 0.1 ? ('fail' as const) : ('pass' as const),
      })),
      ...(day === o.injectOn
        ? INJECTED_IPS.map((ip, i) => ({ ip, count: 4000 + 1000 * i, dkim: 'fail' as const, spf: 'fail' as const }))
        : []),
    ],
  }));
}
