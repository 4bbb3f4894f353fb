// An organisation's outputs (admins): list, create, read, change, delete, and send a test event (/api/outputs, a
// tenant plugin). Every answer shows the configuration masked (tokens, passwords, API keys, webhook URLs and
// secrets) with the output's state: backlog, last success, last error; every change is in the audit log.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Actor } from '../../alerts/lifecycle.js';
import type { Clock } from '../../auth/clock.js';
import { changeOutput, createOutput, removeOutput, testOutput } from '../../outputs/admin.js';
import { maskedOutputConfig } from '../../outputs/index.js';
import { getOutput, listOutputs, type Output, type OutputWithBacklog } from '../../store/outputs.js';
import type { AppDeps } from '../deps.js';
import { orgOf, principalOf } from '../plugins/auth.js';
import { HttpProblem } from '../problem.js';
import { Problem } from '../schemas/common.js';
import {
  ChangeOutputBody,
  CreateOutputBody,
  OutputBody,
  OutputIdParams,
  OutputTestResult,
} from '../schemas/outputs.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function outputJson(o: OutputWithBacklog, now: Date) {
  const state: 'ok' | 'backing-off' | 'disabled' | 'new' = !o.enabled
    ? 'disabled'
    : o.retryAt && o.retryAt > now
      ? 'backing-off'
      : o.lastSuccessAt
        ? 'ok'
        : 'new';
  return {
    id: o.id,
    name: o.name,
    type: o.type,
    config: maskedOutputConfig(o.type, o.config),
    enabled: o.enabled,
    state,
    backlog: o.backlog,
    sent: o.sent,
    rejected: o.rejected,
    lastSuccessAt: iso(o.lastSuccessAt),
    lastError: o.lastError,
    lastErrorAt: iso(o.lastErrorAt),
    retryAt: iso(o.retryAt),
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem };
const tags = ['outputs'];

function actorOf(req: FastifyRequest): Actor {
  const user = principalOf(req).user;
  return { id: user.id, email: user.email, ip: req.ip };
}

const notFound = (id: number) => new HttpProblem(404, 'output_not_found', `no output ${id} here`);

export const outputRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps; clock: Clock }> = async (
  app,
  { deps, clock },
) => {
  const { db } = deps;
  const settings = () => ({
    allowPrivate: deps.config.alerts.webhookAllowPrivate,
    timeoutMs: deps.config.alerts.webhookTimeoutMs,
  });
  const answer = async (orgId: number, o: Output) => {
    const full = await getOutput(db, orgId, o.id);
    if (!full) throw notFound(o.id);
    return outputJson(full, clock.now());
  };

  app.get(
    '',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'The outputs of the organisation (configurations masked) with their state and backlog',
        response: { 200: Type.Object({ items: Type.Array(OutputBody) }), ...errors },
      },
    },
    async (req) => ({ items: (await listOutputs(db, orgOf(req).id)).map((o) => outputJson(o, clock.now())) }),
  );

  app.post(
    '',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Create an output (splunk_hec, elasticsearch, syslog or webhook): reports stored from now on are sent',
        body: CreateOutputBody,
        response: { 201: OutputBody, ...errors },
      },
    },
    async (req, reply) => {
      const orgId = orgOf(req).id;
      const o = await createOutput(db, orgId, req.body, actorOf(req), clock.now(), settings());
      return reply.code(201).send(await answer(orgId, o));
    },
  );

  app.get(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'One output (configuration masked) with its state and backlog',
        params: OutputIdParams,
        response: { 200: OutputBody, ...errors },
      },
    },
    async (req) => {
      const o = await getOutput(db, orgOf(req).id, req.params.id);
      if (!o) throw notFound(req.params.id);
      return outputJson(o, clock.now());
    },
  );

  app.patch(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Change an output (config keys left out, masked or empty keep their values)',
        params: OutputIdParams,
        body: ChangeOutputBody,
        response: { 200: OutputBody, ...errors },
      },
    },
    async (req) => {
      const orgId = orgOf(req).id;
      const o = await changeOutput(db, orgId, req.params.id, req.body, actorOf(req), clock.now(), settings());
      if (!o) throw notFound(req.params.id);
      return answer(orgId, o);
    },
  );

  app.delete(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Delete an output and its outbox',
        params: OutputIdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      if (!(await removeOutput(db, orgOf(req).id, req.params.id, actorOf(req), clock.now()))) {
        throw notFound(req.params.id);
      }
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/:id/test',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Send one test event to the output now; answers whether it was taken',
        params: OutputIdParams,
        response: { 200: OutputTestResult, ...errors },
      },
    },
    async (req) => {
      const r = await testOutput(db, orgOf(req).id, req.params.id, actorOf(req), clock.now(), settings());
      if (!r) throw notFound(req.params.id);
      return r;
    },
  );
};
