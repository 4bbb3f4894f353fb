// Login, token refresh and logout. The refresh token is answered in the body and also set as an HttpOnly,
// SameSite=Strict cookie scoped to /auth, which /auth/refresh accepts: a browser app keeps no token that
// scripts can read.
import type {} from '@fastify/cookie';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AuthError, publicUser, type AuthService, type Session } from '../../auth/service.js';
import { ADMIN_COOKIE, ADMIN_COOKIE_PATH, REFRESH_COOKIE } from '../cookies.js';
import { SLUG_PATTERN, principalOf } from '../plugins/auth.js';
import { apiKeyHeader, bearerToken } from '../plugins/security.js';
import { HttpProblem } from '../problem.js';
import { DateTimeString, Nullable, Problem } from '../schemas/common.js';

export { REFRESH_COOKIE } from '../cookies.js';

export const UserBody = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('analyst'), Type.Literal('viewer')], {
    description: 'Role in the organisation of the answer (platform administrators are admins everywhere)',
  }),
  platformAdmin: Type.Boolean({ description: 'Manages every organisation' }),
  active: Type.Boolean(),
  createdAt: DateTimeString,
  lastLoginAt: Nullable(DateTimeString),
});

const SessionBody = Type.Object({
  accessToken: Type.String({ description: 'HS256 JWT; send as Authorization: Bearer <token>' }),
  refreshToken: Type.String({ description: 'Single use: exchange at /auth/refresh for a new pair' }),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
  user: UserBody,
});

export const OrgRef = Type.Object({
  id: Type.Integer(),
  slug: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('analyst'), Type.Literal('viewer')], {
    description: 'Your role there',
  }),
});

const MeBody = Type.Object({
  ...UserBody.properties,
  organization: Nullable({ ...OrgRef, description: 'What /api/... means for this session (X-Org, else the default)' }),
  organizations: Type.Array(OrgRef, { description: 'Every organisation you can enter' }),
});

const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    org: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        pattern: SLUG_PATTERN.source,
        description: 'Slug of the organisation this session works in (what /api/... means); default: your default one',
      }),
    ),
  },
  { additionalProperties: false },
);

const RefreshBody = Type.Object(
  { refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);

function toHttp(err: unknown): never {
  if (err instanceof AuthError) {
    if (err.code === 'too_many_failures') throw new HttpProblem(429, 'too_many_failures', err.message);
    throw new HttpProblem(401, err.code, err.message);
  }
  throw err;
}

export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService }> = async (app, { auth }) => {
  // The body of refresh and logout is optional (the cookie carries the token): an empty JSON body is no body,
  // not a 400. Everything else goes through Fastify's own (prototype-poisoning-safe) JSON parser.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    void json(req, text, done); // it answers through done()
  });
  // No body at all validates as an empty one (refresh and logout need none; login then names what is missing).
  app.addHook('preValidation', async (req) => {
    if (req.body === undefined || req.body === null) req.body = {};
  });
  // Answers that carry secrets (tokens) are never stored by a browser or a proxy.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
  });
  const setCookie = (req: FastifyRequest, reply: FastifyReply, s: Session): void => {
    reply.setCookie(REFRESH_COOKIE, s.refreshToken, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/auth',
      secure: req.protocol === 'https',
      maxAge: auth.refreshTokenTtlSeconds,
    });
  };
  const clearCookie = (req: FastifyRequest, reply: FastifyReply): void => {
    reply.clearCookie(REFRESH_COOKIE, {
      path: '/auth',
      httpOnly: true,
      sameSite: 'strict',
      secure: req.protocol === 'https',
    });
  };
  const tooMany = { 429: Problem };

  app.post(
    '/auth/login',
    {
      config: { role: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Log in with e-mail and password',
        body: LoginBody,
        response: { 200: SessionBody, 400: Problem, 401: Problem, ...tooMany },
      },
    },
    async (req, reply) => {
      const { email, password, org } = req.body;
      try {
        const s = await auth.login(email, password, req.ip, org);
        setCookie(req, reply, s);
        return s;
      } catch (err) {
        if (err instanceof AuthError && err.code === 'too_many_failures') {
          reply.header('retry-after', String(err.retryAfterSeconds ?? 900));
          req.log.warn({ event: 'login_blocked', email, ip: req.ip }, 'login refused: too many failures');
        } else if (err instanceof AuthError) {
          req.log.warn({ event: 'login_failed', email, ip: req.ip }, 'login failed');
        }
        return toHttp(err);
      }
    },
  );

  app.post(
    '/auth/refresh',
    {
      config: { role: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token (body or cookie) for a new token pair',
        description:
          'Refresh tokens are single use. Presenting one that was already exchanged revokes its whole session.',
        body: Type.Optional(RefreshBody),
        response: { 200: SessionBody, 400: Problem, 401: Problem, ...tooMany },
      },
    },
    async (req, reply) => {
      const body = req.body ?? {};
      const token = body.refreshToken ?? req.cookies[REFRESH_COOKIE];
      if (!token) throw new HttpProblem(401, 'invalid_token', 'no refresh token (body or cookie)');
      try {
        const s = await auth.refreshSession(token, req.ip);
        setCookie(req, reply, s);
        return s;
      } catch (err) {
        clearCookie(req, reply);
        return toHttp(err);
      }
    },
  );

  app.post(
    '/auth/logout',
    {
      // public: the refresh token (body or cookie) is the session's own credential, so that a browser whose
      // access token expired still signs out; an access token or API key alone ends nothing but is recorded
      config: { role: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'End the session of a refresh token (body or cookie); the access token is optional',
        body: Type.Optional(RefreshBody),
        response: { 204: Type.Null(), 401: Problem, ...tooMany },
      },
    },
    async (req, reply) => {
      const body = req.body ?? {};
      const token = body.refreshToken ?? req.cookies[REFRESH_COOKIE];
      const bearer = bearerToken(req);
      const apiKey = apiKeyHeader(req);
      const principal =
        bearer !== undefined || apiKey !== undefined
          ? await auth.authenticate({ bearer, apiKey: bearer === undefined ? apiKey : undefined })
          : undefined;
      if (token) {
        const ended = await auth.logout(token, principal, req.ip);
        clearCookie(req, reply);
        if (!ended && !principal) {
          throw new HttpProblem(401, 'invalid_token', 'the refresh token is not valid (expired, revoked or unknown)');
        }
        return reply.code(204).send(null);
      }
      if (!principal) {
        throw new HttpProblem(401, 'invalid_token', 'a refresh token (body or cookie) or an access token is required');
      }
      await auth.recordLogout(principal, req.ip);
      clearCookie(req, reply);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/admin-session',
    {
      config: { role: 'platform_admin' },
      schema: {
        tags: ['auth'],
        summary: 'Open the admin pages (queue board) in this browser: sets a 15-minute HttpOnly cookie on /admin',
        description:
          'The queue board at /admin/queues is a page the browser loads itself, without the Authorization header; ' +
          'this exchanges the access token for an HttpOnly, SameSite=Strict cookie valid only under /admin.',
        response: { 204: Type.Null(), 401: Problem, 403: Problem, ...tooMany },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      // the cookie's token belongs to the same session: it ends with it
      const token = await auth.access.sign(p.user.id, p.orgId, p.sessionId);
      reply.setCookie(ADMIN_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        path: ADMIN_COOKIE_PATH,
        secure: req.protocol === 'https',
        maxAge: auth.access.expiresIn,
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/me',
    {
      config: { role: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'The current user, the organisation of this session and every organisation they can enter',
        response: { 200: MeBody, 401: Problem },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const header = req.headers['x-org'];
      const named = typeof header === 'string' && SLUG_PATTERN.test(header) ? header : undefined;
      const org = await auth.resolveOrg(p, named);
      const organizations = p.via === 'api_key' ? (org ? [org] : []) : await auth.organisationsOf(p.user);
      return { ...publicUser(p.user, org?.role ?? 'viewer'), organization: org ?? null, organizations };
    },
  );
};
