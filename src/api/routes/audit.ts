// The audit log of an organisation, for its admins (a tenant plugin); platform administrators also see the
// platform-wide entries (logins, organisation management).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listAudit } from '../../auth/audit.js';
import type { Database } from '../../store/database.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { orgOf, principalOf } from '../plugins/auth.js';
import { DateTimeString, Nullable, Page, Problem, paginationProperties } from '../schemas/common.js';

const AuditItem = Type.Object({
  at: DateTimeString,
  actor: Type.String({ description: "E-mail of the actor, or 'anonymous'" }),
  action: Type.String({ description: 'e.g. login, user.create, api_key.revoke, upload, export' }),
  target: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  outcome: Type.Union([Type.Literal('success'), Type.Literal('failure'), Type.Literal('denied')]),
  details: Type.Record(Type.String(), Type.Unknown()),
});

const Query = Type.Object(
  {
    ...paginationProperties,
    action: Type.Optional(Type.String({ maxLength: 64 })),
    actor: Type.Optional(Type.String({ maxLength: 320 })),
    outcome: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failure'), Type.Literal('denied')])),
  },
  { additionalProperties: false },
);

export const auditRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async (app, { db }) => {
  app.get(
    '',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['auth'],
        summary:
          'Audit log: logins, failed logins, user, key and organisation changes, uploads, deletions (newest first)',
        querystring: Query,
        response: { 200: Page(AuditItem), 400: Problem, 401: Problem, 403: Problem, 429: Problem },
      },
    },
    async (req) => {
      const q = req.query;
      const before = decodeCursor(q.cursor, (v): v is { b: number } =>
        Number.isSafeInteger((v as { b?: number })?.b),
      )?.b;
      const r = await listAudit(
        db,
        {
          orgId: orgOf(req).id,
          includePlatform: principalOf(req).user.platformAdmin,
          action: q.action,
          actor: q.actor,
          outcome: q.outcome,
        },
        { limit: q.limit ?? 50, beforeId: before },
      );
      return {
        items: r.items.map((x) => ({ ...x, at: x.at.toISOString() })),
        total: r.total,
        nextCursor: r.nextBeforeId !== null ? encodeCursor({ b: r.nextBeforeId }) : null,
      };
    },
  );
};
