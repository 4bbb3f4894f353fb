// An organisation's alert rules (a tenant plugin under /alerts/rules): the rule types with their parameters and
// defaults, the rules (viewers read, admins write, checked by alerts/rules-admin.ts: a clear 400 for an unknown
// type or parameter, a bad value, a channel of another organisation), and the preview of what a rule would fire
// on now, stored nowhere.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { z } from 'zod';
import { evaluateRule } from '../../alerts/evaluate.js';
import { changeRule, createRule, removeRule } from '../../alerts/rules-admin.js';
import { ANY_RULE_TYPES, RULE_TYPE_NAMES, ruleTypeNamed } from '../../alerts/rules/index.js';
import { fieldErrors, InvalidAlertInput, invalid, normaliseDomain } from '../../alerts/validation.js';
import type { Clock } from '../../auth/clock.js';
import { queueDeliveries } from '../../jobs/tasks/notify.js';
import { getRule, listRules, type AlertRule } from '../../store/alert-rules.js';
import type { AppDeps } from '../deps.js';
import { orgOf } from '../plugins/auth.js';
import { HttpProblem } from '../problem.js';
import {
  IdParam,
  PreviewAnswer,
  PreviewBody,
  RuleCreateBody,
  RuleItem,
  RulePatchBody,
  RuleTypeItem,
} from '../schemas/alerts.js';
import { Problem, problemResponses } from '../schemas/common.js';
import { actorOf } from './alerts.js';
import { Type } from 'typebox';

export interface AlertRuleRouteOptions {
  deps: AppDeps;
  clock: Clock;
}

export const ruleJson = (r: AlertRule) => ({
  id: r.id,
  name: r.name,
  type: r.type,
  domain: r.domain,
  severity: r.severity,
  channels: r.channelIds,
  enabled: r.enabled,
  params: r.params,
  resolveAfterMinutes: r.resolveAfterMinutes,
  cooldownMinutes: r.cooldownMinutes,
  notifyOnResolve: r.notifyOnResolve,
  createdBy: r.createdBy,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

const notFound = (id: number) =>
  new HttpProblem(404, 'alert_rule_not_found', `no alert rule ${id} in this organisation`);

const writeErrors = { 400: Problem, 404: Problem, 409: Problem, 500: Problem };

export const alertRuleRoutes: FastifyPluginAsyncTypebox<AlertRuleRouteOptions> = async (app, { deps, clock }) => {
  const base = { tags: ['alerts'] };
  const db = deps.db;

  app.get(
    '/types',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'The rule types: what each fires on, its parameters (JSON Schema) and their defaults',
        response: { 200: Type.Object({ items: Type.Array(RuleTypeItem) }), ...problemResponses },
      },
    },
    () => ({
      items: ANY_RULE_TYPES.map((t) => ({
        name: t.name,
        title: t.title,
        description: t.description,
        scope: t.scope,
        defaults: t.params.parse({}),
        paramsSchema: z.toJSONSchema(t.params, { io: 'input' }),
      })),
    }),
  );

  app.get(
    '',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: "The organisation's alert rules",
        response: { 200: Type.Object({ items: Type.Array(RuleItem) }), ...problemResponses },
      },
    },
    async (req) => ({ items: (await listRules(db, orgOf(req).id)).map(ruleJson) }),
  );

  app.get(
    '/:id',
    {
      config: { role: 'viewer' },
      schema: { ...base, summary: 'One alert rule', params: IdParam, response: { 200: RuleItem, ...problemResponses } },
    },
    async (req) => {
      const rule = await getRule(db, orgOf(req).id, req.params.id);
      if (!rule) throw notFound(req.params.id);
      return ruleJson(rule);
    },
  );

  app.post(
    '',
    {
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: 'Create an alert rule',
        description:
          `type: one of ${RULE_TYPE_NAMES.join(', ')}. params are checked against the type's parameters ` +
          '(GET /api/alerts/rules/types); omitted ones take their defaults, unknown ones are refused.',
        body: RuleCreateBody,
        response: { 201: RuleItem, ...writeErrors },
      },
    },
    async (req, reply) => {
      const rule = await createRule(db, orgOf(req).id, req.body, actorOf(req), clock.now());
      return reply.code(201).send(ruleJson(rule));
    },
  );

  app.patch(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: 'Change an alert rule (the fields given)',
        description: 'A new type takes new parameters: the old ones are not carried over.',
        params: IdParam,
        body: RulePatchBody,
        response: { 200: RuleItem, ...writeErrors },
      },
    },
    async (req) => {
      const rule = await changeRule(db, orgOf(req).id, req.params.id, req.body, actorOf(req), clock.now());
      if (!rule) throw notFound(req.params.id);
      return ruleJson(rule);
    },
  );

  app.delete(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: 'Delete an alert rule (its unresolved alerts are resolved first)',
        params: IdParam,
        response: { 204: Type.Null(), ...writeErrors },
      },
    },
    async (req, reply) => {
      const r = await removeRule(db, orgOf(req).id, req.params.id, actorOf(req), clock.now());
      if (!r.deleted) throw notFound(req.params.id);
      await queueDeliveries(deps.queue, orgOf(req).id, r.deliveries);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/preview',
    {
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: "What a rule would fire on now, on the organisation's data (nothing is stored)",
        body: PreviewBody,
        response: { 200: PreviewAnswer, ...problemResponses },
      },
    },
    async (req) => {
      const type = ruleTypeNamed(req.body.type);
      if (!type) throw invalid('type', `must be one of ${RULE_TYPE_NAMES.join(', ')}`);
      const parsed = type.params.safeParse(req.body.params ?? {});
      if (!parsed.success) throw new InvalidAlertInput(fieldErrors('params', parsed.error));
      const domain = normaliseDomain('domain', req.body.domain ?? null);
      if (type.scope === 'organisation' && domain !== null) {
        throw invalid('domain', `a ${type.name} rule is about the organisation as a whole: its domain must be null`);
      }
      const now = clock.now();
      const orgId = orgOf(req).id;
      const breaches = await db.readOnly(deps.config.analytics.statementTimeoutMs, (q) =>
        evaluateRule({ db: q, now }, orgId, { type: type.name, domain, params: parsed.data }),
      );
      return {
        type: type.name,
        domain,
        params: parsed.data,
        evaluatedAt: now.toISOString(),
        breaches: breaches.map((b) => ({
          domain: b.domain,
          subject: b.subject,
          summary: b.summary,
          figures: b.figures,
          severity: b.severity ?? null,
        })),
      };
    },
  );
};
