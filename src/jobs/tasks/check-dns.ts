// check-dns: checks the DNS records of every policy domain of an organisation (DMARC, SPF, the DKIM selectors the
// reports show, MTA-STS, TLS-RPT, BIMI; enrich/dns/) and keeps each check in the domain's history, with what
// changed against the check before (the dns_change alert rule reads those; an alert check is queued when a run
// recorded changes). Daily: the scheduled run is platform-wide and queues one run per organisation. DNS trouble
// is a finding of the check, never a failed run.
import { runDnsCheck } from '../../enrich/dns/run-check.js';
import type { DnsCheckSettings } from '../../enrich/dns/resolver.js';
import { listOrgDomains, listOrgs } from '../../store/organizations.js';
import { queueAlertCheck } from './check-alerts.js';
import { PermanentTaskError, defineTask, enqueueTask } from './define.js';

export interface CheckDnsPayload {
  /** The organisation whose domains are checked; absent: every organisation (one run queued for each). */
  orgId?: number;
}

/** The resolver when the process gives none: the system's servers. */
export const DEFAULT_DNS_CHECK_SETTINGS: DnsCheckSettings = { servers: null, timeoutMs: 2000 };

/** Domains checked at once in one run. */
const DOMAINS_AT_ONCE = 4;

export const checkDnsKey = (orgId: number): string => `check-dns-${orgId}`;

export const checkDnsTask = defineTask<CheckDnsPayload>()({
  name: 'check-dns',
  description: "check the DNS records (DMARC, SPF, DKIM, MTA-STS, TLS-RPT, BIMI) of each organisation's domains",
  defaultSchedule: '20 4 * * *',
  orgOf: (p) => p.orgId ?? null,
  handler: async (ctx, payload) => {
    if (payload.orgId === undefined) {
      const orgs = await listOrgs(ctx.db);
      for (const org of orgs) {
        await enqueueTask(ctx.queue, checkDnsTask, { orgId: org.id }, { dedupeKey: checkDnsKey(org.id) });
      }
      return { organisations: orgs.length };
    }
    const orgId = payload.orgId;
    if (!Number.isSafeInteger(orgId)) {
      throw new PermanentTaskError(`check-dns: invalid payload ${JSON.stringify(payload).slice(0, 200)}`);
    }
    const settings = ctx.dns ?? DEFAULT_DNS_CHECK_SETTINGS;
    const domains = (await listOrgDomains(ctx.db, orgId)).map((d) => d.name);
    let changed = 0;
    let errors = 0;
    let next = 0;
    const worker = async () => {
      while (next < domains.length) {
        const domain = domains[next++]!;
        const c = await runDnsCheck(ctx.db, settings, orgId, domain, { trigger: 'scheduled', now: ctx.now() });
        if (c.changes.length > 0) changed++;
        errors += c.findings.filter((f) => f.severity === 'error').length;
      }
    };
    await Promise.all(Array.from({ length: Math.min(DOMAINS_AT_ONCE, domains.length) }, worker));
    if (changed > 0) await queueAlertCheck(ctx.queue, orgId);
    return { orgId, domains: domains.length, changed, errors };
  },
});
