// Is p=reject safe for a domain? GET /api/domains/{domain}/advice?from=&to= (viewer and up): why its mail fails
// (classification with evidence), what quarantine/reject would have done (simulation), the readiness verdict, the
// legitimate senders blocking it with their fix, and the staged plan from the published policy. Computed from the
// domain's records in one aggregated query (analytics/advice/), cached like the other analytics answers.
// A tenant plugin (see tenant.ts); served with the analytics routes (their concurrency limit).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { adviceAnswer } from '../../analytics/advice/advice.js';
import { ADVICE_CLASSES } from '../../analytics/advice/classify.js';
import { answer } from '../answer.js';
import type { AppDeps } from '../deps.js';
import { toAnalyticsFilter } from '../filters.js';
import { orgOf } from '../plugins/auth.js';
import { POLICY_DOMAIN_PARAM, policyDomainOf } from '../policy-domain.js';
import { DateString, Nullable, filterProperties, problemResponses } from '../schemas/common.js';

const DomainParams = Type.Object({ domain: Type.String(POLICY_DOMAIN_PARAM) });

const AdviceQuery = Type.Object(
  { from: filterProperties.from, to: filterProperties.to, period: filterProperties.period },
  { additionalProperties: false },
);

/** One of `values` (a union of literals, typed as their union). */
const lit = <T extends string>(values: readonly T[]) => Type.Unsafe<T>(Type.Union(values.map((v) => Type.Literal(v))));

const ClassT = lit(ADVICE_CLASSES);
const VerdictT = lit(['ready', 'ready_with_exceptions', 'not_ready'] as const);

const Split = { legitimate: Type.Integer(), other: Type.Integer() };

const SimulatedPolicy = Type.Object({
  messages: Type.Integer({ description: 'Every DMARC-failing message of the period: legitimate + other' }),
  legitimate: Type.Integer({ description: 'Of them, from approved or known services and own servers' }),
  other: Type.Integer({ description: 'Of them, forwarded mail and spoofing' }),
  subdomains: Type.Object(Split, { description: 'Of them, From a subdomain of the policy domain (sp applies)' }),
  forwarded: Type.Integer({ description: 'Of other, forwarded or sent through lists' }),
  overridden: Type.Integer({ description: 'Messages whose reporter applied a local override (forwarded, ...)' }),
});

const ClassItem = Type.Object({
  class: ClassT,
  messages: Type.Integer(),
  sources: Type.Integer({ description: 'Distinct source addresses' }),
  senders: Type.Integer({
    description: 'Distinct senders (0 for aligned: only failing mail has its sender resolved here)',
  }),
  share: Nullable(Type.Number({ description: "Share of the domain's messages, 0..1" })),
  topSenders: Type.Array(
    Type.Object({
      key: Type.String({ description: 'Sender key (the `sender` filter of the other routes)' }),
      sender: Type.String(),
      type: Type.String(),
      messages: Type.Integer(),
      sources: Type.Integer(),
    }),
    { description: 'The most messages first, at most 20 (empty for aligned: see /api/rollup/senders)' },
  ),
  evidence: Type.Array(
    Type.Object({
      why: Type.String({
        description:
          'dkim_aligned, spf_aligned, not_ours, own, override:<reason>, own_dkim_unaligned, gateway, approved, ' +
          'service_own_domain, service_unauthenticated, hosting_network, unidentified',
      }),
      reason: Type.String({ description: 'The same in words' }),
      messages: Type.Integer(),
    }),
  ),
});

const Blocking = Type.Object({
  key: Type.String(),
  sender: Type.String(),
  class: lit(['legitimate_unaligned', 'own_infrastructure'] as const),
  messages: Type.Integer({ description: 'Its DMARC-failing messages' }),
  share: Type.Number({ description: "Share of the domain's messages" }),
  reason: Type.String(),
  fix: Type.String(),
});

const PlanStep = Type.Object({
  step: Type.Integer(),
  id: lit(['monitor', 'quarantine_testing', 'quarantine', 'reject_testing', 'reject'] as const),
  policy: lit(['none', 'quarantine', 'reject'] as const),
  record: Type.String({ description: "The DMARC record's policy tags for the step" }),
  description: Type.String(),
  status: lit(['done', 'current', 'safe_now', 'blocked', 'later'] as const),
  safe: Type.Boolean({ description: 'Whether the verdict allows the step today' }),
  requires: Type.Array(Type.String(), { description: 'What to fix before the step' }),
});

const AdviceT = Type.Object({
  domain: Type.String(),
  from: Nullable(DateString),
  to: Nullable(DateString),
  messages: Type.Integer(),
  verdict: VerdictT,
  legitimateFailRate: Nullable(Type.Number({ description: 'Legitimate DMARC-failing messages / all messages' })),
  notes: Type.Array(Type.String()),
  thresholds: Type.Object({
    ready: Type.Number(),
    exceptions: Type.Number(),
    minMessages: Type.Integer(),
    forwardedNote: Type.Number(),
  }),
  published: Nullable(
    Type.Object(
      {
        p: Nullable(Type.String()),
        sp: Nullable(Type.String()),
        np: Nullable(Type.String()),
        pct: Nullable(Type.Integer()),
        testing: Nullable(Type.String()),
        adkim: Nullable(Type.String()),
        aspf: Nullable(Type.String()),
      },
      { description: 'The policy of the latest report of the period (null: no report)' },
    ),
  ),
  classification: Type.Array(ClassItem, { description: 'Every class, in a fixed order; they sum to messages' }),
  simulation: Type.Object({
    model: Type.Literal('full_enforcement', { description: 'pct=100, t=n (see docs/advice.md)' }),
    quarantine: SimulatedPolicy,
    reject: SimulatedPolicy,
    bySender: Type.Array(
      Type.Object({
        key: Type.String(),
        sender: Type.String(),
        class: ClassT,
        legitimate: Type.Boolean(),
        messages: Type.Integer(),
      }),
    ),
    byReporter: Type.Array(Type.Object({ reporter: Type.String(), ...Split })),
  }),
  blocking: Type.Array(Blocking, { description: 'Legitimate senders whose mail fails, the most first' }),
  plan: Type.Array(PlanStep),
});

export const adviceRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const compute = adviceAnswer(deps.db, deps.cache, deps.config.analytics.statementTimeoutMs);

  app.get(
    '/domains/:domain/advice',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['advice'],
        summary: 'Enforcement readiness of a domain: why its mail fails, what p=quarantine/reject would block',
        description:
          'Classification of every message of the period (aligned, legitimate_unaligned, forwarded, spoofing, ' +
          'own_infrastructure: they sum to the messages), the simulation of quarantine and reject at full ' +
          'enforcement, the verdict (ready, ready_with_exceptions, not_ready), the blocking senders with their ' +
          'fix and the staged plan. Thresholds and rules: docs/advice.md.',
        params: DomainParams,
        querystring: AdviceQuery,
        response: { 200: AdviceT, ...problemResponses },
      },
    },
    async (req, reply) => {
      const org = orgOf(req);
      const f = toAnalyticsFilter(req.query);
      const domain = await policyDomainOf(deps.db, org.id, req.params.domain);
      return answer(reply, await compute({ orgId: org.id, domain, from: f.from, to: f.to, period: f.period }));
    },
  );
};
