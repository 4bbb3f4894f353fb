// An organisation's scheduled e-mail digests (admins): list, create, read, change, delete, and send now
// (/api/digests, a tenant plugin). Every change and every "send now" is in the audit log. "Send now" sends the
// last complete period to every recipient whatever was sent before, and answers each recipient's outcome.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Clock } from '../../auth/clock.js';
import {
  changeDigest,
  createDigest,
  digestOf,
  removeDigest,
  sendNow,
  type DigestActor,
} from '../../exports/digests/admin.js';
import type { Queryable } from '../../store/database.js';
import { listDigests, listRuns, type Digest, type DigestRun } from '../../store/digests.js';
import type { AppDeps } from '../deps.js';
import { orgOf, principalOf } from '../plugins/auth.js';
import { Problem } from '../schemas/common.js';
import {
  ChangeDigestBody,
  CreateDigestBody,
  DigestBody,
  DigestIdParams,
  DigestSendResult,
} from '../schemas/digests.js';

const RUNS_SHOWN = 20;

const runJson = (r: DigestRun) => ({
  periodStart: r.periodStart,
  periodEnd: r.periodEnd,
  recipient: r.recipient,
  status: r.status,
  attempts: r.attempts,
  error: r.error,
  claimedAt: r.claimedAt.toISOString(),
  sentAt: r.sentAt ? r.sentAt.toISOString() : null,
});

async function digestJson(db: Queryable, d: Digest) {
  return {
    id: d.id,
    name: d.name,
    recipients: d.recipients,
    domains: d.domains,
    cadence: d.cadence,
    timeZone: d.timeZone,
    sendHour: d.sendHour,
    attachPdf: d.attachPdf,
    enabled: d.enabled,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    runs: (await listRuns(db, d.orgId, d.id, RUNS_SHOWN)).map(runJson),
  };
}

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem };
const tags = ['digests'];

function actorOf(req: FastifyRequest): DigestActor {
  const user = principalOf(req).user;
  return { id: user.id, email: user.email, ip: req.ip };
}

export const digestRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps; clock: Clock }> = async (
  app,
  { deps, clock },
) => {
  const { db } = deps;
  const settings = () => ({ smtp: deps.config.alerts.smtp, timeoutMs: deps.config.alerts.webhookTimeoutMs });

  app.get(
    '',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'The e-mail digests of the organisation, each with its latest scheduled sends',
        response: { 200: Type.Object({ items: Type.Array(DigestBody) }), ...errors },
      },
    },
    async (req) => {
      const items = [];
      for (const d of await listDigests(db, orgOf(req).id)) items.push(await digestJson(db, d));
      return { items };
    },
  );

  app.post(
    '',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Create an e-mail digest (daily, weekly or monthly, in a time zone)',
        body: CreateDigestBody,
        response: { 201: DigestBody, ...errors },
      },
    },
    async (req, reply) => {
      const d = await createDigest(db, orgOf(req).id, req.body, actorOf(req), clock.now());
      return reply.code(201).send(await digestJson(db, d));
    },
  );

  app.get(
    '/:id',
    {
      config: { role: 'admin' },
      schema: { tags, summary: 'One e-mail digest', params: DigestIdParams, response: { 200: DigestBody, ...errors } },
    },
    async (req) => digestJson(db, await digestOf(db, orgOf(req).id, req.params.id)),
  );

  app.patch(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Change an e-mail digest (fields left out keep their values)',
        params: DigestIdParams,
        body: ChangeDigestBody,
        response: { 200: DigestBody, ...errors },
      },
    },
    async (req) =>
      digestJson(db, await changeDigest(db, orgOf(req).id, req.params.id, req.body, actorOf(req), clock.now())),
  );

  app.delete(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Delete an e-mail digest (and the record of its sends)',
        params: DigestIdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await removeDigest(db, orgOf(req).id, req.params.id, actorOf(req), clock.now());
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/:id/send',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Send the digest of the last complete period to every recipient now',
        description:
          'Sends whatever was sent before (no deduplication) and records nothing in the digest\u2019s runs: the ' +
          'scheduled send of that period still happens. 409 smtp_not_configured without an SMTP server.',
        params: DigestIdParams,
        response: { 200: DigestSendResult, ...errors },
      },
    },
    async (req) => {
      const r = await sendNow(db, orgOf(req).id, req.params.id, settings(), actorOf(req), clock.now());
      return { period: r.period, outcomes: r.outcomes };
    },
  );
};
