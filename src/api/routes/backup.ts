// POST /api/platform/backup: a backup of the embedded database taken by the running server, which holds the data
// directory (one process at a time): what `dmarc backup --url` asks for. Platform administrators only; audited.
// The answer is the backup file itself (src/store/backup-file.ts), gzip-compressed when ?gzip=true.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/service.js';
import { createBackup } from '../../store/backup.js';
import type { Database } from '../../store/database.js';
import { attachmentDisposition } from '../download.js';
import { principalOf } from '../plugins/auth.js';
import { Problem, problemResponses } from '../schemas/common.js';

export const backupRoutes: FastifyPluginAsyncTypebox<{ db: Database; auth: AuthService }> = async (
  app,
  { db, auth },
) => {
  app.post(
    '/api/platform/backup',
    {
      config: { role: 'platform_admin' },
      schema: {
        tags: ['platform'],
        summary: 'A backup of the embedded database, consistent while the server runs (platform administrators)',
        description:
          'The whole database as SQL from one snapshot (pg_dump), behind a header line that `dmarc restore` ' +
          'checks. Uploads and other requests wait while the dump runs. With PostgreSQL (DATABASE_URL) the ' +
          'answer is 409: use pg_dump there.',
        querystring: Type.Object({ gzip: Type.Optional(Type.Boolean({ default: false })) }),
        produces: ['application/octet-stream'],
        response: {
          200: Type.Unsafe<Buffer>({
            description: 'The backup file (an attachment)',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          }),
          409: Problem,
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const gzip = req.query.gzip === true;
      const now = new Date();
      const backup = await createBackup(db, { gzip, now });
      const actor = principalOf(req).user;
      await auth.record({
        actorId: actor.id,
        actor: actor.email,
        action: 'platform.backup',
        ip: req.ip,
        outcome: 'success',
        details: { bytes: backup.bytes.length, schemaVersion: backup.schemaVersion },
      });
      const name = `dmarc-backup-${now.toISOString().slice(0, 19).replace(/[:T]/g, '-')}.sql${gzip ? '.gz' : ''}`;
      return reply
        .type('application/octet-stream')
        .header('content-disposition', attachmentDisposition(name))
        .header('cache-control', 'no-store')
        .header('x-dmarc-schema-version', String(backup.schemaVersion))
        .send(backup.bytes);
    },
  );
};
