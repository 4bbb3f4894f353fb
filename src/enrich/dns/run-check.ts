// Runs one DNS check of an organisation's policy domain and keeps it: reads the selectors and the published policy
// its reports show, checks the records, compares them with the check before (the changes the dns_change alert rule
// reads), and stores the check in the domain's history.
import type { Queryable } from '../../store/database.js';
import {
  insertDnsCheck,
  latestDnsCheck,
  reportedPolicy,
  seenDkimSelectors,
  type StoredDnsCheck,
} from '../../store/dns-checks.js';
import { diffChecks } from './changes.js';
import { checkDomain } from './check-domain.js';
import type { DnsCheckSettings } from './resolver.js';

/** The reports whose DKIM selectors are checked: those of the domain's latest this many report days. */
export const SELECTOR_DAYS = 30;

export async function runDnsCheck(
  db: Queryable,
  settings: DnsCheckSettings,
  orgId: number,
  domain: string,
  options: { trigger: 'scheduled' | 'manual'; now: Date },
): Promise<StoredDnsCheck> {
  const [selectors, reported, previous] = await Promise.all([
    seenDkimSelectors(db, orgId, domain, SELECTOR_DAYS),
    reportedPolicy(db, orgId, domain),
    latestDnsCheck(db, orgId, domain, { known: true }),
  ]);
  const result = await checkDomain(settings, { domain, selectors, reported });
  const changes = diffChecks(domain, previous, result);
  return insertDnsCheck(db, orgId, {
    domain,
    checkedAt: options.now,
    trigger: options.trigger,
    records: result.records,
    findings: result.findings,
    changes,
    digest: result.digest,
  });
}
