// The members of an organisation, as the user administration of a single-organisation installation has always
// seen them (a tenant plugin, mounted at /users, /api/users and /api/orgs/:org/users; admins of the organisation).
// Roles are the organisation's; a user who also belongs to another organisation can only be edited as a person
// (name, deactivation, API keys) by a platform administrator, so that one customer's admin cannot lock out another's.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AuthError, publicUser, type AuthService } from '../../auth/service.js';
import { UserConflictError } from '../../auth/users.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { orgOf, principalOf } from '../plugins/auth.js';
import { HttpProblem } from '../problem.js';
import { Nullable, Page, Problem, paginationProperties } from '../schemas/common.js';
import { UserBody } from './auth.js';
import { KeyBody, keyJson } from './keys.js';

export const RoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('analyst'), Type.Literal('viewer')]);

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

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
const KeyParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  keyId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});
const ListQuery = Type.Object({ ...paginationProperties }, { additionalProperties: false });

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem };

/** Conflicts and refused passwords as problem answers; anything else propagates. */
export function userProblem(err: unknown): never {
  if (err instanceof UserConflictError) throw new HttpProblem(409, err.code, err.message);
  if (err instanceof AuthError)
    throw new HttpProblem(400, err.code, err.message, [{ field: 'password', message: err.message }]);
  throw err;
}

/** A page of an organisation's members with their role there (keyset on the user id). */
export async function memberPage(auth: AuthService, orgId: number, q: { limit?: number; cursor?: string }) {
  const after = decodeCursor(q.cursor, (v): v is { a: number } => Number.isSafeInteger((v as { a?: number })?.a))?.a;
  const r = await auth.listMembers(orgId, { limit: q.limit ?? 50, afterId: after });
  return {
    items: r.items.map((m) => publicUser(m, m.role)),
    total: r.total,
    nextCursor: r.nextAfterId !== null ? encodeCursor({ a: r.nextAfterId }) : null,
  };
}

/** The member `id` of the request's organisation, or 404. */
async function memberOf(auth: AuthService, req: FastifyRequest, id: number) {
  const m = await auth.getMember(orgOf(req).id, id);
  if (!m) throw new HttpProblem(404, 'user_not_found', `user ${id} is not a member of this organisation`);
  return m;
}

/** Changing the person (not their role here) of a user shared with other organisations needs a platform admin. */
async function mayEditPerson(auth: AuthService, req: FastifyRequest, id: number): Promise<void> {
  if (principalOf(req).user.platformAdmin) return;
  if (await auth.sharedWithOtherOrgs(id, orgOf(req).id)) {
    throw new HttpProblem(
      403,
      'forbidden',
      'this user also belongs to other organisations: only a platform administrator can change them',
    );
  }
}

export const userRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; alias?: boolean }> = async (
  app,
  { auth, alias },
) => {
  // Every path is documented: /users as first specified, /api/users beside the rest of the API.
  const doc = alias ? { description: 'Same as the /api/users operation.' } : {};
  const record = (req: FastifyRequest, action: string, target: string, ok: boolean, details?: object) =>
    auth.record({
      orgId: orgOf(req).id,
      actorId: principalOf(req).user.id,
      actor: principalOf(req).user.email,
      action,
      target,
      ip: req.ip,
      outcome: ok ? 'success' : 'failure',
      ...(details ? { details: details as Record<string, unknown> } : {}),
    });

  app.get(
    '',
    {
      config: { role: 'admin' },
      schema: {
        ...doc,
        tags: ['users'],
        summary: 'List the members of the organisation with their role',
        querystring: ListQuery,
        response: { 200: Page(UserBody), ...errors },
      },
    },
    async (req) => memberPage(auth, orgOf(req).id, req.query),
  );

  app.post(
    '',
    {
      config: { role: 'admin' },
      schema: {
        ...doc,
        tags: ['users'],
        summary: 'Create a user, a member of the organisation (without a password, one is generated and shown once)',
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
      const body = req.body;
      const { role, ...person } = body;
      try {
        const r = await auth.createUser({ ...person, member: { orgId: orgOf(req).id, role } });
        await record(req, 'user.create', `user:${r.user.id} ${r.user.email}`, true, { role });
        return reply
          .code(201)
          .header('cache-control', 'no-store')
          .send({ ...publicUser(r.user, role), generatedPassword: r.generatedPassword });
      } catch (err) {
        await record(req, 'user.create', body.email, false, {
          reason: err instanceof Error ? err.message : 'error',
        });
        return userProblem(err);
      }
    },
  );

  app.patch(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        ...doc,
        tags: ['users'],
        summary:
          "Edit a member (name, role here, active); the organisation's last active admin cannot be demoted or deactivated",
        params: IdParams,
        body: PatchBody,
        response: { 200: UserBody, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params;
      const change = req.body;
      const member = await memberOf(auth, req, id);
      const { role, ...person } = change;
      if (Object.keys(person).length > 0) await mayEditPerson(auth, req, id);
      try {
        if (role !== undefined) await auth.setMemberRole(orgOf(req).id, id, role);
        // deactivating an admin removes an admin: the same guard as a demotion
        if (person.active === false && member.role === 'admin' && member.active && role === undefined) {
          await auth.assertAnotherAdmin(orgOf(req).id, id);
        }
        if (Object.keys(person).length > 0) await auth.updateUser(id, person);
      } catch (err) {
        await record(req, 'user.update', `user:${id}`, false, {
          change,
          reason: err instanceof Error ? err.message : 'error',
        });
        return userProblem(err);
      }
      const after = await memberOf(auth, req, id);
      await record(req, 'user.update', `user:${id} ${after.email}`, true, { change });
      return publicUser(after, after.role);
    },
  );

  app.delete(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        ...doc,
        tags: ['users'],
        summary: "Deactivate a member (their sessions end; the organisation's last active admin cannot be deactivated)",
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const member = await memberOf(auth, req, id);
      await mayEditPerson(auth, req, id);
      try {
        if (member.role === 'admin' && member.active) await auth.assertAnotherAdmin(orgOf(req).id, id);
        await auth.updateUser(id, { active: false });
      } catch (err) {
        await record(req, 'user.deactivate', `user:${id}`, false, {
          reason: err instanceof Error ? err.message : 'error',
        });
        return userProblem(err);
      }
      await record(req, 'user.deactivate', `user:${id} ${member.email}`, true);
      return reply.code(204).send(null);
    },
  );

  // An admin sees and revokes a member's API keys in the organisation (a leaked key, someone leaving).
  app.get(
    '/:id/keys',
    {
      config: { role: 'admin' },
      schema: {
        ...doc,
        tags: ['users'],
        summary: "A member's API keys in this organisation (never the keys themselves)",
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(KeyBody) }), ...errors },
      },
    },
    async (req) => {
      const { id } = req.params;
      await memberOf(auth, req, id);
      return { items: (await auth.listApiKeys(id, orgOf(req).id)).map(keyJson) };
    },
  );

  app.delete(
    '/:id/keys/:keyId',
    {
      config: { role: 'admin' },
      schema: {
        ...doc,
        tags: ['users'],
        summary: "Revoke one of a member's API keys in this organisation",
        params: KeyParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const { id, keyId } = req.params;
      const owner = await memberOf(auth, req, id);
      if (!(await auth.revokeApiKey(id, orgOf(req).id, keyId)))
        throw new HttpProblem(404, 'api_key_not_found', `user ${id} has no API key ${keyId} here`);
      await record(req, 'api_key.revoke', `api_key:${keyId}`, true, { owner: owner.email });
      return reply.code(204).send(null);
    },
  );
};
