// Organisations and their members. GET/POST /api/orgs are platform routes (the organisations you can enter;
// creating one is a platform administrator's); /api/orgs/:org and its members are tenant routes of that
// organisation, registered only under the /api/orgs/:org prefix.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { publicUser, type AuthService } from '../../auth/service.js';
import type { Database } from '../../store/database.js';
import {
  OrganizationConflictError,
  deleteOrg,
  getOrg,
  insertOrg,
  listOrgDomains,
  updateOrg,
} from '../../store/organizations.js';
import { SLUG_PATTERN, orgOf, principalOf } from '../plugins/auth.js';
import { HttpProblem } from '../problem.js';
import { DateTimeString, Nullable, Page, Problem, paginationProperties } from '../schemas/common.js';
import { OrgRef, UserBody } from './auth.js';
import { RoleSchema, memberPage, userProblem } from './users.js';

const Slug = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: SLUG_PATTERN.source,
  description: 'In URLs: lower-case letters, digits and inner hyphens',
  examples: ['acme-corp'],
});
const OrgName = Type.String({ minLength: 1, maxLength: 200 });

const OrgBody = Type.Object({ id: Type.Integer(), slug: Type.String(), name: Type.String() });
const OrgDetail = Type.Object({
  ...OrgBody.properties,
  createdAt: DateTimeString,
  role: OrgRef.properties.role,
  domains: Type.Array(Type.String(), { description: 'Policy domains the organisation has received reports for' }),
});

const CreateOrg = Type.Object({ slug: Slug, name: OrgName }, { additionalProperties: false });
const PatchOrg = Type.Object(
  { slug: Type.Optional(Slug), name: Type.Optional(OrgName) },
  { additionalProperties: false, minProperties: 1 },
);

const AddMember = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 320 }),
    role: RoleSchema,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'With password: create the user' })),
    password: Type.Optional(Type.String({ minLength: 10, maxLength: 72 })),
  },
  { additionalProperties: false },
);
const PatchMember = Type.Object({ role: RoleSchema }, { additionalProperties: false });
const MemberParams = Type.Object({ userId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
const ListQuery = Type.Object({ ...paginationProperties }, { additionalProperties: false });

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem };

function conflict(err: unknown): never {
  if (err instanceof OrganizationConflictError) throw new HttpProblem(409, 'slug_taken', err.message);
  throw err;
}

const orgJson = (o: { id: number; slug: string; name: string }) => ({ id: o.id, slug: o.slug, name: o.name });

/** GET/POST /api/orgs (platform routes). */
export const organizationsRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; db: Database }> = async (
  app,
  { auth, db },
) => {
  app.get(
    '',
    {
      config: { role: 'authenticated' },
      schema: {
        tags: ['organizations'],
        summary: 'The organisations you can enter, with your role in each (platform administrators: all)',
        response: { 200: Type.Object({ items: Type.Array(OrgRef) }), ...errors },
      },
    },
    async (req) => {
      const p = principalOf(req);
      if (p.via === 'api_key') {
        const org = await auth.resolveOrg(p, undefined);
        return { items: org ? [org] : [] };
      }
      return { items: await auth.organisationsOf(p.user) };
    },
  );

  app.post(
    '',
    {
      config: { role: 'platform_admin' },
      schema: {
        tags: ['organizations'],
        summary: 'Create an organisation (platform administrators)',
        body: CreateOrg,
        response: { 201: OrgBody, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body;
      const actor = principalOf(req).user;
      const org = await insertOrg(db, body).catch(conflict);
      await auth.record({
        orgId: org.id,
        actorId: actor.id,
        actor: actor.email,
        action: 'org.create',
        target: `org:${org.id} ${org.slug}`,
        ip: req.ip,
        outcome: 'success',
      });
      return reply.code(201).send(orgJson(org));
    },
  );
};

/** /api/orgs/:org and its members (tenant routes, only under the /api/orgs/:org prefix). */
export const organizationRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; db: Database }> = async (
  app,
  { auth, db },
) => {
  const record = (req: FastifyRequest, action: string, target: string, details?: Record<string, unknown>) =>
    auth.record({
      orgId: orgOf(req).id,
      actorId: principalOf(req).user.id,
      actor: principalOf(req).user.email,
      action,
      target,
      ip: req.ip,
      outcome: 'success',
      ...(details ? { details } : {}),
    });

  app.get(
    '',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['organizations'],
        summary: 'The organisation: name, your role, its policy domains',
        response: { 200: OrgDetail, ...errors },
      },
    },
    async (req) => {
      const org = orgOf(req);
      const row = await getOrg(db, org.id);
      if (!row) throw new HttpProblem(404, 'organization_not_found', `no organisation '${org.slug}'`);
      return {
        ...orgJson(row),
        createdAt: row.createdAt.toISOString(),
        role: org.role,
        domains: (await listOrgDomains(db, org.id)).map((d) => d.name),
      };
    },
  );

  app.patch(
    '',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['organizations'],
        summary: 'Rename the organisation or change its slug (links with the old slug stop working)',
        body: PatchOrg,
        response: { 200: OrgBody, ...errors },
      },
    },
    async (req) => {
      const change = req.body;
      const org = await updateOrg(db, orgOf(req).id, change).catch(conflict);
      if (!org) throw new HttpProblem(404, 'organization_not_found', 'the organisation no longer exists');
      await record(req, 'org.update', `org:${org.id} ${org.slug}`, { change });
      return orgJson(org);
    },
  );

  app.delete(
    '',
    {
      config: { role: 'platform_admin' },
      schema: {
        tags: ['organizations'],
        summary: 'Delete the organisation and all of its data: files, reports, records, members, API keys',
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const org = orgOf(req);
      await deleteOrg(db, org.id);
      await auth.record({
        orgId: null,
        actorId: principalOf(req).user.id,
        actor: principalOf(req).user.email,
        action: 'org.delete',
        target: `org:${org.id} ${org.slug}`,
        ip: req.ip,
        outcome: 'success',
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/members',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['organizations'],
        summary: 'The members and their roles',
        querystring: ListQuery,
        response: { 200: Page(UserBody), ...errors },
      },
    },
    async (req) => memberPage(auth, orgOf(req).id, req.query),
  );

  app.post(
    '/members',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['organizations'],
        summary: 'Add a member: an existing user by e-mail, or (with name and password) a new user',
        description:
          'An existing user keeps their password and their other organisations; adding someone who is already a ' +
          'member changes their role.',
        body: AddMember,
        response: {
          201: Type.Object({ ...UserBody.properties, generatedPassword: Nullable(Type.String()) }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const body = req.body;
      const orgId = orgOf(req).id;
      let userId: number;
      let generatedPassword: string | null = null;
      const existing = await auth.findUserByEmail(body.email);
      if (existing) {
        if (body.password !== undefined) {
          throw new HttpProblem(409, 'email_taken', `a user with the e-mail ${body.email} already exists`, [
            { field: 'password', message: 'leave it out to add the existing user' },
          ]);
        }
        await auth.setMemberRole(orgId, existing.id, body.role).catch(userProblem);
        userId = existing.id;
      } else {
        if (body.name === undefined || body.password === undefined) {
          throw new HttpProblem(404, 'user_not_found', `no user ${body.email}: give name and password to create one`, [
            { field: 'email', message: 'is not a user; add name and password to create it' },
          ]);
        }
        const r = await auth
          .createUser({
            email: body.email,
            name: body.name,
            password: body.password,
            member: { orgId, role: body.role },
          })
          .catch(userProblem);
        userId = r.user.id;
        generatedPassword = r.generatedPassword;
      }
      const m = await auth.getMember(orgId, userId);
      if (!m) throw new HttpProblem(404, 'user_not_found', 'the user vanished');
      await record(req, 'member.add', `user:${m.id} ${m.email}`, { role: body.role, created: !existing });
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ ...publicUser(m, m.role), generatedPassword });
    },
  );

  app.patch(
    '/members/:userId',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['organizations'],
        summary: "Change a member's role (the last active admin keeps theirs)",
        params: MemberParams,
        body: PatchMember,
        response: { 200: UserBody, ...errors },
      },
    },
    async (req) => {
      const { userId } = req.params;
      const orgId = orgOf(req).id;
      if (!(await auth.getMember(orgId, userId)))
        throw new HttpProblem(404, 'user_not_found', `user ${userId} is not a member of this organisation`);
      await auth.setMemberRole(orgId, userId, req.body.role).catch(userProblem);
      const m = (await auth.getMember(orgId, userId))!;
      await record(req, 'member.update', `user:${m.id} ${m.email}`, { role: m.role });
      return publicUser(m, m.role);
    },
  );

  app.delete(
    '/members/:userId',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['organizations'],
        summary: 'Remove a member (their access and API keys here end at once; the last active admin stays)',
        params: MemberParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const { userId } = req.params;
      const orgId = orgOf(req).id;
      const m = await auth.getMember(orgId, userId);
      if (!m) throw new HttpProblem(404, 'user_not_found', `user ${userId} is not a member of this organisation`);
      await auth.removeMember(orgId, userId).catch(userProblem);
      await record(req, 'member.remove', `user:${m.id} ${m.email}`);
      return reply.code(204).send(null);
    },
  );
};
