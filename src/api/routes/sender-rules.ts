// The organisation's word on its senders, per policy domain: GET/PUT/DELETE /api/domains/{domain}/senders
// (analyst and up). A rule says a sender — a catalogue service or group key, an IP/CIDR range, a PTR base
// domain — is approved, not ours, or our own server (named). `*` as the domain: the rules for every domain.
// A change invalidates the organisation's cached answers (the senders answers read the rules) and queues a run of
// identify-senders. A tenant plugin (see tenant.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/service.js';
import { describeRule, parseSenderRule } from '../../enrich/senders/rules.js';
import { queueIdentification } from '../../jobs/tasks/identify-senders.js';
import { deleteSenderRule, putSenderRule, senderRulesFor } from '../../store/sender-rules.js';
import type { StoredSenderRule } from '../../store/sender-rules.js';
import type { AppDeps } from '../deps.js';
import { orgOf, principalOf } from '../plugins/auth.js';
import { HttpProblem } from '../problem.js';
import { policyDomainOf } from '../policy-domain.js';
import { Nullable, problemResponses } from '../schemas/common.js';

const ALL_DOMAINS = '*';

const DomainParams = Type.Object({
  domain: Type.String({
    minLength: 1,
    maxLength: 253,
    description: 'A policy domain of the organisation, or * for the rules that hold for every domain',
  }),
});

const Kind = Type.Union([Type.Literal('service'), Type.Literal('cidr'), Type.Literal('base_domain')]);
const VerdictT = Type.Union([Type.Literal('approved'), Type.Literal('not_ours'), Type.Literal('own')]);

const RuleBody = Type.Object(
  {
    kind: Kind,
    value: Type.String({
      minLength: 1,
      maxLength: 300,
      description:
        'service: a catalogue id or group key (sendgrid, ptr:example.net, asn:64500); cidr: 203.0.113.0/28; base_domain: example.net',
    }),
    verdict: VerdictT,
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'For own: the name of the server (our Exchange)' }),
    ),
  },
  { additionalProperties: false },
);

const RuleItem = Type.Object({
  id: Type.Integer(),
  domain: Nullable(Type.String({ description: 'null: holds for every domain' })),
  kind: Kind,
  value: Type.String(),
  verdict: VerdictT,
  name: Nullable(Type.String()),
  description: Type.String({ description: 'The rule in words' }),
  createdAt: Type.String({ format: 'date-time' }),
});

const DeleteQuery = Type.Object(
  { kind: Kind, value: Type.String({ minLength: 1, maxLength: 300 }) },
  { additionalProperties: false },
);

function ruleJson(r: StoredSenderRule) {
  return {
    id: r.id,
    domain: r.domain,
    kind: r.kind,
    value: r.value,
    verdict: r.verdict,
    name: r.name,
    description: describeRule({ kind: r.kind, value: r.value, verdict: r.verdict }),
    createdAt: new Date(r.createdAt).toISOString(),
  };
}

export const senderRuleRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps; auth: AuthService }> = async (
  app,
  { deps, auth },
) => {
  const base = { tags: ['senders'] };

  /** The domain of the path: null for every domain; else as policyDomainOf (400 / 404). */
  async function domainOf(orgId: number, raw: string): Promise<string | null> {
    if (raw === ALL_DOMAINS) return null;
    return policyDomainOf(deps.db, orgId, raw);
  }

  /** After a change: the audit log, fresh answers, and the senders identified again. */
  async function changed(
    req: FastifyRequest,
    action: 'sender_rule.put' | 'sender_rule.delete',
    domain: string | null,
    rule: { kind: string; value: string; verdict?: string; name?: string | null },
  ): Promise<void> {
    const orgId = orgOf(req).id;
    const user = principalOf(req).user;
    await auth.record({
      orgId,
      actorId: user.id,
      actor: user.email,
      action,
      target: `sender_rule:${domain ?? '*'} ${rule.kind} ${rule.value}`,
      ip: req.ip,
      outcome: 'success',
      details: { domain, kind: rule.kind, value: rule.value, verdict: rule.verdict ?? null, name: rule.name ?? null },
    });
    await deps.cache.invalidate(orgId);
    await queueIdentification(deps.queue, orgId);
  }

  app.get(
    '/domains/:domain/senders',
    {
      config: { role: 'analyst' },
      schema: {
        ...base,
        summary: 'The sender rules that hold for the domain (its own, then those of every domain)',
        params: DomainParams,
        response: { 200: Type.Object({ items: Type.Array(RuleItem) }), ...problemResponses },
      },
    },
    async (req) => {
      const org = orgOf(req);
      const domain = await domainOf(org.id, req.params.domain);
      const rules = await senderRulesFor(deps.db, org.id, domain);
      return { items: rules.filter((r) => domain !== null || r.domain === null).map(ruleJson) };
    },
  );

  app.put(
    '/domains/:domain/senders',
    {
      config: { role: 'analyst' },
      schema: {
        ...base,
        summary: 'Approve a sender, mark it not ours, or name it as our own server (replaces the word on it)',
        description:
          'One rule per sender and domain: a rule on the same kind and value replaces the old one. 201 when new, ' +
          '200 when replaced. The senders are identified again (identify-senders is queued).',
        params: DomainParams,
        body: RuleBody,
        response: { 200: RuleItem, 201: RuleItem, ...problemResponses },
      },
    },
    async (req, reply) => {
      const org = orgOf(req);
      const domain = await domainOf(org.id, req.params.domain);
      const rule = parseSenderRule(req.body);
      const stored = await putSenderRule(deps.db, org.id, domain, rule, principalOf(req).user.id);
      await changed(req, 'sender_rule.put', domain, rule);
      return reply.code(stored.created ? 201 : 200).send(ruleJson(stored.rule));
    },
  );

  app.delete(
    '/domains/:domain/senders',
    {
      config: { role: 'analyst' },
      schema: {
        ...base,
        summary: 'Remove the word on a sender (kind and value as stored, or as given to PUT)',
        params: DomainParams,
        querystring: DeleteQuery,
        response: { 204: Type.Null(), ...problemResponses },
      },
    },
    async (req, reply) => {
      const org = orgOf(req);
      const domain = await domainOf(org.id, req.params.domain);
      // the value in its canonical form, as PUT stored it (the verdict does not matter here)
      const rule = parseSenderRule({ kind: req.query.kind, value: req.query.value, verdict: 'approved' });
      if (!(await deleteSenderRule(deps.db, org.id, domain, rule.kind, rule.value))) {
        throw new HttpProblem(404, 'sender_rule_not_found', `no rule on ${describeRule(rule)} for this domain`);
      }
      await changed(req, 'sender_rule.delete', domain, { kind: rule.kind, value: rule.value });
      return reply.code(204).send(null);
    },
  );
};
