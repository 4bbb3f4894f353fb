// dns_change: a DNS check of a domain (the daily check-dns task, or "check now") recorded a change of the kinds the
// rule watches against the check before: the DMARC policy weakened, a record removed, SPF broken, a DKIM
// selector's key gone (by default; record_added, policy_strengthened, spf_fixed and record_changed may be added).
// The breach is the latest such check of each domain within windowHours, one per domain, with what changed; it
// resolves once no check of the window recorded such a change.
import { z } from 'zod';
import { CHANGE_KINDS, type ChangeKind, type DnsChange } from '../../model/dns-checks.js';
import { recentDnsChanges } from '../../store/dns-checks.js';
import type { Breach } from '../model.js';
import { defineRule } from './define.js';

export const DEFAULT_WATCHED: ChangeKind[] = ['policy_weakened', 'record_removed', 'spf_broken', 'selector_gone'];

export const dnsChangeParams = z.strictObject({
  /** The change kinds that make a breach. */
  kinds: z
    .array(z.enum(CHANGE_KINDS))
    .min(1)
    .max(CHANGE_KINDS.length)
    .default(DEFAULT_WATCHED)
    .transform((k) => [...new Set(k)]),
  /** Checks of the last this many hours count (a daily check: at least 24). */
  windowHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(48),
});
export type DnsChangeParams = z.output<typeof dnsChangeParams>;

export const dnsChangeRule = defineRule<DnsChangeParams>()({
  name: 'dns_change',
  title: 'DNS record changed',
  description:
    "A DNS check of the domain's records within windowHours found a change of the kinds watched (by default: DMARC " +
    'policy weakened, a record removed, SPF broken, a DKIM selector gone) against the check before.',
  scope: 'domain',
  params: dnsChangeParams,
  evaluate: async ({ db, orgId, now }, { domain, params: p }) => {
    const since = new Date(now.getTime() - p.windowHours * 3_600_000);
    const checks = await recentDnsChanges(db, orgId, domain, since);
    const watched = new Set<string>(p.kinds);
    const seen = new Set<string>();
    const breaches: Breach[] = [];
    // newest first: the latest check with a watched change speaks for its domain
    for (const c of checks) {
      if (seen.has(c.domain)) continue;
      const hits: DnsChange[] = c.changes.filter((x) => watched.has(x.kind));
      if (hits.length === 0) continue;
      seen.add(c.domain);
      breaches.push({
        domain: c.domain,
        subject: null,
        summary: `${c.domain}: ${hits.map((h) => h.text).join(' ')}`,
        figures: { checkId: c.id, checkedAt: c.checkedAt, changes: hits },
        ...(hits.some((h) => h.severity === 'error') ? { severity: 'critical' as const } : {}),
      });
    }
    return breaches.sort((a, b) => (a.domain ?? '').localeCompare(b.domain ?? ''));
  },
});
