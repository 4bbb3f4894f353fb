// An organisation's notification channels (admins): list, create, read, change, delete, and send a test message
// (/api/alerts/channels, a tenant plugin). Every answer shows the configuration masked (webhook URLs and signing
// secrets are secrets); every change is in the audit log.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { changeChannel, createChannel, removeChannel, testChannel } from '../../alerts/channels-admin.js';
import { maskedConfig } from '../../alerts/channels/index.js';
import type { Actor } from '../../alerts/lifecycle.js';
import type { Clock } from '../../auth/clock.js';
import { getChannel, listChannels, type AlertChannel } from '../../store/alert-channels.js';
import type { AppDeps } from '../deps.js';
import { orgOf, principalOf } from '../plugins/auth.js';
import { HttpProblem } from '../problem.js';
import {
  ChangeChannelBody,
  ChannelBody,
  ChannelIdParams,
  ChannelTestResult,
  CreateChannelBody,
} from '../schemas/alert-channels.js';
import { Problem } from '../schemas/common.js';

export const channelJson = (c: AlertChannel) => ({
  id: c.id,
  name: c.name,
  type: c.type,
  config: maskedConfig(c.type, c.config),
  enabled: c.enabled,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem };
const tags = ['alerts'];

function actorOf(req: FastifyRequest): Actor {
  const user = principalOf(req).user;
  return { id: user.id, email: user.email, ip: req.ip };
}

const notFound = (id: number) => new HttpProblem(404, 'alert_channel_not_found', `no alert channel ${id} here`);

export const alertChannelRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps; clock: Clock }> = async (
  app,
  { deps, clock },
) => {
  const { db } = deps;
  const settings = () => ({
    allowPrivate: deps.config.alerts.webhookAllowPrivate,
    timeoutMs: deps.config.alerts.webhookTimeoutMs,
    smtp: deps.config.alerts.smtp,
  });

  app.get(
    '',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'The notification channels of the organisation (configurations masked)',
        response: { 200: Type.Object({ items: Type.Array(ChannelBody) }), ...errors },
      },
    },
    async (req) => ({ items: (await listChannels(db, orgOf(req).id)).map(channelJson) }),
  );

  app.post(
    '',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Create a notification channel (email, slack, discord, teams or webhook)',
        body: CreateChannelBody,
        response: { 201: ChannelBody, ...errors },
      },
    },
    async (req, reply) => {
      const ch = await createChannel(db, orgOf(req).id, req.body, actorOf(req), clock.now(), settings());
      return reply.code(201).send(channelJson(ch));
    },
  );

  app.get(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'One notification channel (configuration masked)',
        params: ChannelIdParams,
        response: { 200: ChannelBody, ...errors },
      },
    },
    async (req) => {
      const ch = await getChannel(db, orgOf(req).id, req.params.id);
      if (!ch) throw notFound(req.params.id);
      return channelJson(ch);
    },
  );

  app.patch(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Change a notification channel (config keys left out keep their values)',
        params: ChannelIdParams,
        body: ChangeChannelBody,
        response: { 200: ChannelBody, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params;
      const ch = await changeChannel(db, orgOf(req).id, id, req.body, actorOf(req), clock.now(), settings());
      if (!ch) throw notFound(id);
      return channelJson(ch);
    },
  );

  app.delete(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Delete a notification channel (rules stop naming it; past deliveries keep its name)',
        params: ChannelIdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      if (!(await removeChannel(db, orgOf(req).id, req.params.id, actorOf(req), clock.now()))) {
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
        summary: 'Send a test message to the channel now; answers whether it was delivered',
        params: ChannelIdParams,
        response: { 200: ChannelTestResult, ...errors },
      },
    },
    async (req) => {
      const r = await testChannel(db, orgOf(req).id, req.params.id, actorOf(req), clock.now(), settings());
      if (!r) throw notFound(req.params.id);
      return r;
    },
  );
};
