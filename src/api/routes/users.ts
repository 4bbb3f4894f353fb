// User administration (admins only). Mounted at /users (as specified) and /api/users (next to the rest of
// the API, for the dashboard).
import { Type, type Static } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { AuthError, publicUser, type AuthService } from '../../auth/service.js';
import { UserConflictError } from '../../auth/users.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { principalOf } from '../plugins/auth.js';
import { HttpProblem } from '../problem.js';
import { Nullable, Page, Problem, paginationProperties } from '../schemas/common.js';
import { UserBody } from './auth.js';
import { KeyBody, keyJson } from './keys.js';

const RoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('analyst'), Type.Literal('viewer')]);

const CreateBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 320 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: RoleSchema,
    password: Type.Optional(Type.String({ minLength: 10, maxLength: 72 })),
  },
  { additionalProperties: false },
);

const PatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    role: Type.Optional(RoleSchema),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const KeyParams = Type.Object({ id: Type.Integer({ minimum: 1 }), keyId: Type.Integer({ minimum: 1 }) });
const ListQuery = Type.Object({ ...paginationProperties }, { additionalProperties: false });

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem };

function conflict(err: unknown): never {
  if (err instanceof UserConflictError) throw new HttpProblem(409, err.code, err.message);
  if (err instanceof AuthError)
    throw new HttpProblem(400, err.code, err.message, [{ field: 'password', message: err.message }]);
  throw err;
}

export function userRoutes(app: FastifyInstance, auth: AuthService): void {
  for (const base of ['/users', '/api/users']) {
    // Both paths are documented: /users as the issue names it, /api/users beside the rest of the API.
    const alias = base === '/users' ? { description: 'Same as the /api/users operation.' } : {};
    app.get(
      base,
      {
        config: { role: 'admin' },
        schema: {
          ...alias,
          tags: ['users'],
          summary: 'List users',
          querystring: ListQuery,
          response: { 200: Page(UserBody), ...errors },
        },
      },
      async (req) => {
        const q = req.query as Static<typeof ListQuery>;
        const after = decodeCursor(q.cursor, (v): v is { a: number } =>
          Number.isSafeInteger((v as { a?: number })?.a),
        )?.a;
        const r = await auth.listUsers({ limit: q.limit ?? 50, afterId: after });
        return {
          items: r.items.map(publicUser),
          total: r.total,
          nextCursor: r.nextAfterId !== null ? encodeCursor({ a: r.nextAfterId }) : null,
        };
      },
    );

    app.post(
      base,
      {
        config: { role: 'admin' },
        schema: {
          ...alias,
          tags: ['users'],
          summary: 'Create a user (without a password, one is generated and returned once)',
          body: CreateBody,
          response: {
            201: Type.Object({
              ...UserBody.properties,
              generatedPassword: Nullable(Type.String({ description: 'Shown once; null when a password was given' })),
            }),
            ...errors,
          },
        },
      },
      async (req, reply) => {
        const body = req.body as Static<typeof CreateBody>;
        const actor = principalOf(req).user;
        try {
          const r = await auth.createUser(body);
          await auth.record({
            actorId: actor.id,
            actor: actor.email,
            action: 'user.create',
            target: `user:${r.user.id} ${r.user.email}`,
            ip: req.ip,
            outcome: 'success',
            details: { role: r.user.role },
          });
          return reply.code(201).send({ ...publicUser(r.user), generatedPassword: r.generatedPassword });
        } catch (err) {
          await auth.record({
            actorId: actor.id,
            actor: actor.email,
            action: 'user.create',
            target: body.email,
            ip: req.ip,
            outcome: 'failure',
            details: { reason: err instanceof Error ? err.message : 'error' },
          });
          return conflict(err);
        }
      },
    );

    app.patch(
      `${base}/:id`,
      {
        config: { role: 'admin' },
        schema: {
          ...alias,
          tags: ['users'],
          summary: 'Edit a user (name, role, active); the last active admin cannot be demoted or deactivated',
          params: IdParams,
          body: PatchBody,
          response: { 200: UserBody, ...errors },
        },
      },
      async (req) => {
        const { id } = req.params as Static<typeof IdParams>;
        const change = req.body as Static<typeof PatchBody>;
        const actor = principalOf(req).user;
        let user;
        try {
          user = await auth.updateUser(id, change);
        } catch (err) {
          await auth.record({
            actorId: actor.id,
            actor: actor.email,
            action: 'user.update',
            target: `user:${id}`,
            ip: req.ip,
            outcome: 'failure',
            details: { change, reason: err instanceof Error ? err.message : 'error' },
          });
          return conflict(err);
        }
        if (!user) throw new HttpProblem(404, 'user_not_found', `user ${id} does not exist`);
        await auth.record({
          actorId: actor.id,
          actor: actor.email,
          action: 'user.update',
          target: `user:${id} ${user.email}`,
          ip: req.ip,
          outcome: 'success',
          details: { change },
        });
        return publicUser(user);
      },
    );

    app.delete(
      `${base}/:id`,
      {
        config: { role: 'admin' },
        schema: {
          ...alias,
          tags: ['users'],
          summary: 'Deactivate a user (their sessions end; the last active admin cannot be deactivated)',
          params: IdParams,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (req, reply) => {
        const { id } = req.params as Static<typeof IdParams>;
        const actor = principalOf(req).user;
        let user;
        try {
          user = await auth.updateUser(id, { active: false });
        } catch (err) {
          await auth.record({
            actorId: actor.id,
            actor: actor.email,
            action: 'user.deactivate',
            target: `user:${id}`,
            ip: req.ip,
            outcome: 'failure',
            details: { reason: err instanceof Error ? err.message : 'error' },
          });
          return conflict(err);
        }
        if (!user) throw new HttpProblem(404, 'user_not_found', `user ${id} does not exist`);
        await auth.record({
          actorId: actor.id,
          actor: actor.email,
          action: 'user.deactivate',
          target: `user:${id} ${user.email}`,
          ip: req.ip,
          outcome: 'success',
        });
        return reply.code(204).send();
      },
    );

    // An admin sees and revokes anyone's API keys (a leaked key, someone leaving) without deactivating them.
    app.get(
      `${base}/:id/keys`,
      {
        config: { role: 'admin' },
        schema: {
          ...alias,
          tags: ['users'],
          summary: "A user's API keys (never the keys themselves)",
          params: IdParams,
          response: { 200: Type.Object({ items: Type.Array(KeyBody) }), ...errors },
        },
      },
      async (req) => {
        const { id } = req.params as Static<typeof IdParams>;
        if (!(await auth.getUser(id))) throw new HttpProblem(404, 'user_not_found', `user ${id} does not exist`);
        return { items: (await auth.listApiKeys(id)).map(keyJson) };
      },
    );

    app.delete(
      `${base}/:id/keys/:keyId`,
      {
        config: { role: 'admin' },
        schema: {
          ...alias,
          tags: ['users'],
          summary: "Revoke one of a user's API keys",
          params: KeyParams,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (req, reply) => {
        const { id, keyId } = req.params as Static<typeof KeyParams>;
        const owner = await auth.getUser(id);
        if (!owner) throw new HttpProblem(404, 'user_not_found', `user ${id} does not exist`);
        if (!(await auth.revokeApiKey(id, keyId)))
          throw new HttpProblem(404, 'api_key_not_found', `user ${id} has no API key ${keyId}`);
        const actor = principalOf(req).user;
        await auth.record({
          actorId: actor.id,
          actor: actor.email,
          action: 'api_key.revoke',
          target: `api_key:${keyId}`,
          ip: req.ip,
          outcome: 'success',
          details: { owner: owner.email },
        });
        return reply.code(204).send();
      },
    );
  }
}
