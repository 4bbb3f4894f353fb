// An organisation's suppressions (a tenant plugin under /alerts/suppressions): maintenance windows during which
// breaches are recorded but not notified — by rule, domain, subject or all; a window, or a cron expression with a
// duration in a time zone; with a reason and its author. Checked by alerts/suppressions-admin.ts; admins only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  changeSuppression,
  createSuppression,
  publicSuppression,
  removeSuppression,
} from '../../alerts/suppressions-admin.js';
import type { Clock } from '../../auth/clock.js';
import { getSuppression, listSuppressions, type AlertSuppression } from '../../store/alert-suppressions.js';
import type { AppDeps } from '../deps.js';
import { orgOf } from '../plugins/auth.js';
import { HttpProblem } from '../problem.js';
import { IdParam, SuppressionCreateBody, SuppressionItem, SuppressionPatchBody } from '../schemas/alerts.js';
import { Problem, problemResponses } from '../schemas/common.js';
import { actorOf } from './alerts.js';

export interface AlertSuppressionRouteOptions {
  deps: AppDeps;
  clock: Clock;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function suppressionJson(s: AlertSuppression, now: Date) {
  const p = publicSuppression(s, now);
  return {
    ...p,
    startsAt: iso(p.startsAt),
    endsAt: iso(p.endsAt),
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    nextWindow: p.nextWindow ? { start: p.nextWindow.start.toISOString(), end: p.nextWindow.end.toISOString() } : null,
  };
}

const notFound = (id: number) =>
  new HttpProblem(404, 'alert_suppression_not_found', `no suppression ${id} in this organisation`);

const writeErrors = { 400: Problem, 404: Problem, 500: Problem };

export const alertSuppressionRoutes: FastifyPluginAsyncTypebox<AlertSuppressionRouteOptions> = async (
  app,
  { deps, clock },
) => {
  const base = { tags: ['alerts'] };
  const db = deps.db;

  app.get(
    '',
    {
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: "The organisation's suppressions (maintenance windows), with whether each holds now",
        response: { 200: Type.Object({ items: Type.Array(SuppressionItem) }), ...problemResponses },
      },
    },
    async (req) => {
      const now = clock.now();
      return { items: (await listSuppressions(db, orgOf(req).id)).map((s) => suppressionJson(s, now)) };
    },
  );

  app.get(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: 'One suppression',
        params: IdParam,
        response: { 200: SuppressionItem, ...problemResponses },
      },
    },
    async (req) => {
      const s = await getSuppression(db, orgOf(req).id, req.params.id);
      if (!s) throw notFound(req.params.id);
      return suppressionJson(s, clock.now());
    },
  );

  app.post(
    '',
    {
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: 'Create a suppression',
        description:
          'What: ruleId, domain, subject (any combination), or all: true for everything. When: startsAt and ' +
          'endsAt, or cron + durationMinutes (+ timezone, default UTC), optionally only between startsAt and ' +
          'endsAt. Why: reason (required). The author is the caller.',
        body: SuppressionCreateBody,
        response: { 201: SuppressionItem, ...writeErrors },
      },
    },
    async (req, reply) => {
      const now = clock.now();
      const s = await createSuppression(db, orgOf(req).id, req.body, actorOf(req), now);
      return reply.code(201).send(suppressionJson(s, now));
    },
  );

  app.patch(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: 'Change a suppression (the fields given; null clears one)',
        params: IdParam,
        body: SuppressionPatchBody,
        response: { 200: SuppressionItem, ...writeErrors },
      },
    },
    async (req) => {
      const now = clock.now();
      const s = await changeSuppression(db, orgOf(req).id, req.params.id, req.body, actorOf(req), now);
      if (!s) throw notFound(req.params.id);
      return suppressionJson(s, now);
    },
  );

  app.delete(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: 'Delete a suppression',
        params: IdParam,
        response: { 204: Type.Null(), ...writeErrors },
      },
    },
    async (req, reply) => {
      if (!(await removeSuppression(db, orgOf(req).id, req.params.id, actorOf(req), clock.now()))) {
        throw notFound(req.params.id);
      }
      return reply.code(204).send(null);
    },
  );
};
