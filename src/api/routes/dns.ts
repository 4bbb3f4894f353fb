// DNS checks of a policy domain (a tenant plugin, see tenant.ts): GET /api/domains/{domain}/dns (the latest check:
// the records as found, findings with severity and text; says so when the domain was never checked),
// GET .../dns/history (every check, newest first, cursor pages; ?changes=true: only those that changed something)
// and POST .../dns/check (analyst and up: checks now, keeps it in the history and answers it; rate-limited, and
// one check of a domain at a time — a second request while one runs gets the same answer).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { runDnsCheck } from '../../enrich/dns/run-check.js';
import { dnsCheckHistory, latestDnsCheck, type StoredDnsCheck } from '../../store/dns-checks.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { AppDeps } from '../deps.js';
import { orgOf } from '../plugins/auth.js';
import { POLICY_DOMAIN_PARAM, policyDomainOf } from '../policy-domain.js';
import { paginationProperties, problemResponses } from '../schemas/common.js';
import { DnsCheckT, DnsHistoryPage, LatestDnsAnswer } from '../schemas/dns.js';

const DomainParams = Type.Object({ domain: Type.String(POLICY_DOMAIN_PARAM) });

const HistoryQuery = Type.Object(
  {
    ...paginationProperties,
    changes: Type.Optional(Type.Boolean({ description: 'Only the checks that found a change' })),
  },
  { additionalProperties: false },
);

/** Manual checks per caller and minute (each sends a few dozen DNS queries). */
export const CHECKS_PER_MINUTE = 10;

export function checkJson(c: StoredDnsCheck) {
  const count = (s: string) => c.findings.filter((f) => f.severity === s).length;
  return {
    id: c.id,
    domain: c.domain,
    checkedAt: c.checkedAt,
    trigger: c.trigger,
    digest: c.digest,
    counts: { error: count('error'), warning: count('warning'), info: count('info') },
    findings: c.findings,
    changes: c.changes,
    records: c.records,
  };
}

export const dnsRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const base = { tags: ['dns'] };
  /** Checks running now, by organisation and domain: a second request waits for the same one. */
  const running = new Map<string, Promise<StoredDnsCheck>>();

  const domainOf = (orgId: number, raw: string): Promise<string> => policyDomainOf(deps.db, orgId, raw);

  app.get(
    '/domains/:domain/dns',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'The latest DNS check of the domain: its records as found, the findings and what changed',
        description:
          'Checked daily by the check-dns task, and on demand (POST .../dns/check). A domain never checked answers ' +
          'checked: false with a message.',
        params: DomainParams,
        response: { 200: LatestDnsAnswer, ...problemResponses },
      },
    },
    async (req) => {
      const orgId = orgOf(req).id;
      const domain = await domainOf(orgId, req.params.domain);
      const c = await latestDnsCheck(deps.db, orgId, domain);
      return c
        ? { domain, checked: true, message: null, check: checkJson(c) }
        : {
            domain,
            checked: false,
            message: `${domain} has not been checked yet: the daily check-dns task checks it, or check it now`,
            check: null,
          };
    },
  );

  app.get(
    '/domains/:domain/dns/history',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: "The domain's DNS checks, newest first, with what each changed",
        params: DomainParams,
        querystring: HistoryQuery,
        response: { 200: DnsHistoryPage, ...problemResponses },
      },
    },
    async (req) => {
      const orgId = orgOf(req).id;
      const domain = await domainOf(orgId, req.params.domain);
      const before = decodeCursor(req.query.cursor, (v): v is { b: number } =>
        Number.isSafeInteger((v as { b?: number } | null)?.b),
      )?.b;
      const page = await dnsCheckHistory(deps.db, orgId, domain, {
        limit: req.query.limit ?? 50,
        beforeId: before,
        changesOnly: req.query.changes ?? false,
      });
      return {
        items: page.items,
        total: page.total,
        nextCursor: page.nextBeforeId !== null ? encodeCursor({ b: page.nextBeforeId }) : null,
      };
    },
  );

  app.post(
    '/domains/:domain/dns/check',
    {
      config: {
        role: 'analyst',
        rateLimit: { max: CHECKS_PER_MINUTE, timeWindow: 60_000 },
      },
      schema: {
        ...base,
        summary: "Check the domain's DNS records now",
        description:
          'Looks up the records (DMARC, SPF with its includes, the DKIM selectors the reports show, MTA-STS, TLS-RPT, ' +
          `BIMI), keeps the check in the history and answers it. At most ${CHECKS_PER_MINUTE} per minute per caller; ` +
          'a DNS failure is a finding ("could not check"), not an error.',
        params: DomainParams,
        response: { 200: DnsCheckT, ...problemResponses },
      },
    },
    async (req) => {
      const orgId = orgOf(req).id;
      const domain = await domainOf(orgId, req.params.domain);
      const key = `${orgId} ${domain}`;
      let p = running.get(key);
      if (!p) {
        p = runDnsCheck(deps.db, deps.config.enrich.dns, orgId, domain, { trigger: 'manual', now: new Date() });
        running.set(key, p);
        void p.finally(() => running.delete(key)).catch(() => undefined);
      }
      return checkJson(await p);
    },
  );
};
