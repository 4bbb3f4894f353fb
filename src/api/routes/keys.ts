// Each user's own API keys in an organisation: create (shown once), list, revoke (a tenant plugin, /api/keys and
// /api/orgs/:org/keys). A key acts for its owner in that one organisation, with the owner's role there at the time
// of each request.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiKey } from '../../auth/api-keys.js';
import type { AuthService } from '../../auth/service.js';
import { orgOf, principalOf } from '../plugins/auth.js';
import { HttpProblem } from '../problem.js';
import { DateTimeString, Nullable, Problem } from '../schemas/common.js';

export const KeyBody = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'The visible start of the key, to recognise it' }),
  createdAt: DateTimeString,
  expiresAt: Nullable(DateTimeString),
  lastUsedAt: Nullable(DateTimeString),
  revokedAt: Nullable(DateTimeString),
});

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    expiresAt: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  },
  { additionalProperties: false },
);

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
export const keyJson = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  createdAt: k.createdAt.toISOString(),
  expiresAt: iso(k.expiresAt),
  lastUsedAt: iso(k.lastUsedAt),
  revokedAt: iso(k.revokedAt),
});

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 429: Problem };

export const keyRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService }> = async (app, { auth }) => {
  app.get(
    '',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['auth'],
        summary: 'Your API keys in this organisation',
        response: { 200: Type.Object({ items: Type.Array(KeyBody) }), ...errors },
      },
    },
    async (req) => ({ items: (await auth.listApiKeys(principalOf(req).user.id, orgOf(req).id)).map(keyJson) }),
  );

  app.post(
    '',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['auth'],
        summary: 'Create an API key for this organisation (the key is shown once; send it as X-API-Key)',
        body: CreateBody,
        response: { 201: Type.Object({ ...KeyBody.properties, key: Type.String() }), ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body;
      const user = principalOf(req).user;
      const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= auth.clock.now().getTime()) {
        throw new HttpProblem(400, 'validation_failed', 'expiresAt is in the past', [
          { field: 'expiresAt', message: 'must be in the future' },
        ]);
      }
      const { key, record } = await auth.createApiKey(user.id, orgOf(req).id, body.name, expiresAt);
      await auth.record({
        orgId: orgOf(req).id,
        actorId: user.id,
        actor: user.email,
        action: 'api_key.create',
        target: `api_key:${record.id} ${record.prefix}`,
        ip: req.ip,
        outcome: 'success',
        details: { name: record.name },
      });
      // the key is shown once: never kept by a browser or a proxy
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ ...keyJson(record), key });
    },
  );

  app.delete(
    '/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['auth'],
        summary: 'Revoke one of your API keys',
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const user = principalOf(req).user;
      if (!(await auth.revokeApiKey(user.id, orgOf(req).id, id)))
        throw new HttpProblem(404, 'api_key_not_found', `you have no API key ${id} here`);
      await auth.record({
        orgId: orgOf(req).id,
        actorId: user.id,
        actor: user.email,
        action: 'api_key.revoke',
        target: `api_key:${id}`,
        ip: req.ip,
        outcome: 'success',
      });
      return reply.code(204).send(null);
    },
  );
};
