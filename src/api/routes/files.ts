// Bulk upload and the ingested files of an organisation (a tenant plugin, see tenant.ts). An upload is read
// completely before anything is kept: a request over a limit is refused with 413 and leaves nothing behind.
// Processing continues in the background.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { audit } from '../../auth/audit.js';
import { formatBytes } from '../../config/parse-values.js';
import type { ReportStoredSink } from '../../events/report-stored.js';
import { acceptFile, type EnqueueFile } from '../../ingest/accept-file.js';
import { receiveBytes } from '../../ingest/received-bytes.js';
import { processFileKey } from '../../jobs/queue.js';
import { failureReportsOfFile } from '../../store/failure-reports.js';
import { getFile, listFiles, reportsOfFile, type FileStatus } from '../../store/files.js';
import { tlsReportsOfFile } from '../../store/tls-reports.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { AppDeps } from '../deps.js';
import { orgOf, principalOf } from '../plugins/auth.js';
import { AppError } from '../../model/errors.js';
import { HttpProblem } from '../problem.js';
import { DateTimeString, Nullable, Page, Problem, paginationProperties, problemResponses } from '../schemas/common.js';

const FileStatusSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('processing'),
  Type.Literal('processed'),
  Type.Literal('duplicate'),
  Type.Literal('unsupported'),
  Type.Literal('failed'),
]);

const FileBody = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  status: FileStatusSchema,
  error: Nullable(Type.String()),
  kind: Nullable(Type.String({ description: 'aggregate, smtp_tls or forensic, once known' })),
  source: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  receivedAt: DateTimeString,
  processedAt: Nullable(DateTimeString),
  recovered: Type.Boolean(),
  warnings: Type.Array(Type.String()),
  reportCount: Type.Integer(),
  recordCount: Type.Integer(),
});

const FileDetail = Type.Object({
  ...FileBody.properties,
  reports: Type.Array(
    Type.Object({
      id: Type.Integer(),
      orgName: Type.String(),
      reportId: Type.String(),
      domain: Type.String(),
      records: Type.Integer(),
      messages: Type.Integer(),
    }),
    { description: 'The aggregate reports stored from the file' },
  ),
  tlsReports: Type.Array(
    Type.Object({
      id: Type.Integer(),
      orgName: Type.String(),
      reportId: Type.String(),
      domain: Type.String(),
      successfulSessions: Type.Integer(),
      failedSessions: Type.Integer(),
    }),
    { description: 'The SMTP TLS reports (RFC 8460) stored from the file' },
  ),
  failureReports: Type.Array(
    Type.Object({
      id: Type.Integer(),
      reportedDomain: Type.Union([Type.String(), Type.Null()]),
      sourceIp: Type.Union([Type.String(), Type.Null()]),
      authFailure: Type.Union([Type.String(), Type.Null()]),
      arrivalDate: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    }),
    { description: 'The failure reports (RFC 6591) stored from the file' },
  ),
});

const UploadResult = Type.Object({
  name: Type.String(),
  status: Type.Union(
    [
      Type.Literal('accepted'),
      Type.Literal('duplicate'),
      Type.Literal('unsupported'),
      Type.Literal('rejected'),
      Type.Literal('failed'),
    ],
    { description: 'failed: the server could not store this file (nothing kept; send it again)' },
  ),
  fileId: Nullable(Type.Integer({ description: 'null when the file was not kept (failed)' })),
  error: Nullable(Type.String()),
});

/** A stored name: control characters (NUL, line breaks) replaced, at most 255 characters. */
function fileName(raw: string | undefined, n: number): string {
  const name = (raw ?? '')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
    .replace(/[\u0000-\u001f\u007f]/g, '_')
    .trim()
    .slice(0, 255);
  return name || `upload-${n}`;
}

/** A body the multipart parser cannot read (no boundary, a wrong one, cut short) is the client's: 400. */
function unreadableBody(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const status = (err as { statusCode?: number }).statusCode;
  if (status === 413) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new HttpProblem(400, 'invalid_multipart', `the multipart body cannot be read: ${detail.slice(0, 200)}`);
}

const FilesQuery = Type.Object(
  {
    ...paginationProperties,
    status: Type.Optional(
      Type.String({
        description: 'Comma-separated statuses: pending, processing, processed, duplicate, unsupported, failed',
      }),
    ),
  },
  { additionalProperties: false },
);

const STATUSES: FileStatus[] = ['pending', 'processing', 'processed', 'duplicate', 'unsupported', 'failed'];

function fileJson(f: NonNullable<Awaited<ReturnType<typeof getFile>>>) {
  return {
    id: f.id,
    name: f.name,
    status: f.status,
    error: f.error,
    kind: f.kind,
    source: f.source,
    size: f.size,
    sha256: f.sha256,
    receivedAt: f.receivedAt.toISOString(),
    processedAt: f.processedAt ? f.processedAt.toISOString() : null,
    recovered: f.recovered,
    warnings: f.warnings,
    reportCount: f.reportCount,
    recordCount: f.recordCount,
  };
}

interface Received {
  name: string;
  contentType: string;
  bytes: Buffer;
  sha256: string;
}

export const fileRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps; sink: ReportStoredSink }> = async (
  app,
  { deps, sink },
) => {
  const { maxUploadBytes, maxFileBytes, maxUploadFiles } = deps.config.server;
  const enqueue: EnqueueFile = (f) =>
    deps.queue.enqueue('process-file', { orgId: f.orgId, fileId: f.fileId }, { dedupeKey: processFileKey(f.fileId) });
  // The multipart body, for the OpenAPI document only: the handler reads the parts as a stream.
  const UploadBody = Type.Object({
    files: Type.Array(Type.String({ format: 'binary', contentMediaType: 'application/octet-stream' }), {
      minItems: 1,
      maxItems: maxUploadFiles,
      description: 'The report files (repeat the field)',
    }),
  });

  app.post(
    '/upload',
    {
      config: {
        role: 'analyst',
        swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body: UploadBody }, url }),
      },
      bodyLimit: maxUploadBytes,
      schema: {
        tags: ['ingest'],
        summary: 'Upload report files (xml, gz, zip, eml, mbox); processing continues in the background',
        description:
          `multipart/form-data with the field \`files\` repeated, 1 to ${maxUploadFiles} files. ` +
          `At most ${formatBytes(maxFileBytes)} per file (DMARC_MAX_FILE_BYTES) and ${formatBytes(maxUploadBytes)} ` +
          'per request (DMARC_MAX_UPLOAD_BYTES); over a limit the request is refused with 413 and nothing is kept. ' +
          'The files enter the organisation of the request. Poll GET /api/files/{fileId} for the outcome of ' +
          'accepted files.',
        consumes: ['multipart/form-data'],
        response: {
          200: Type.Object({ results: Type.Array(UploadResult) }),
          400: Problem,
          413: Problem,
          415: Problem,
          500: Problem,
        },
      },
    },
    async (req) => {
      if (!req.isMultipart()) {
        throw new HttpProblem(415, 'not_multipart', 'send multipart/form-data with one or more `files` fields');
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > maxUploadBytes) {
        throw new HttpProblem(
          413,
          'upload_too_large',
          `the request exceeds ${formatBytes(maxUploadBytes)} (DMARC_MAX_UPLOAD_BYTES)`,
        );
      }
      const received: Received[] = [];
      let total = 0;
      // Everything is read before anything is kept, so that a refused request leaves no trace.
      try {
        for await (const part of req.parts({ limits: { fileSize: maxFileBytes, files: maxUploadFiles, fields: 20 } })) {
          if (part.type !== 'file') continue;
          if (part.fieldname !== 'files') {
            part.file.resume();
            throw new HttpProblem(400, 'unexpected_field', `unexpected file field '${part.fieldname}'; use 'files'`, [
              { field: part.fieldname, message: "file fields must be named 'files'" },
            ]);
          }
          // hashed as it arrives (received-bytes.ts); past the file limit the parser cuts the part short
          const { bytes, sha256 } = await receiveBytes(part.file);
          if (part.file.truncated) {
            throw new HttpProblem(
              413,
              'file_too_large',
              `${part.filename || 'a file'} exceeds ${formatBytes(maxFileBytes)} (DMARC_MAX_FILE_BYTES)`,
            );
          }
          total += bytes.byteLength;
          if (total > maxUploadBytes) {
            throw new HttpProblem(
              413,
              'upload_too_large',
              `the request exceeds ${formatBytes(maxUploadBytes)} (DMARC_MAX_UPLOAD_BYTES)`,
            );
          }
          received.push({
            name: fileName(part.filename, received.length + 1),
            contentType: part.mimetype,
            bytes,
            sha256,
          });
        }
      } catch (err) {
        throw unreadableBody(err);
      }
      if (received.length === 0) {
        throw new HttpProblem(400, 'no_files', 'no files in the request: send them in `files` fields', [
          { field: 'files', message: 'at least one file is required' },
        ]);
      }
      const org = orgOf(req);
      const limits = { ...deps.config.limits, maxInputBytes: Math.max(deps.config.limits.maxInputBytes, maxFileBytes) };
      const results: Static<typeof UploadResult>[] = [];
      for (const f of received) {
        try {
          const r = await acceptFile(
            deps.db,
            {
              orgId: org.id,
              bytes: f.bytes,
              sha256: f.sha256,
              name: f.name,
              source: 'upload',
              contentType: f.contentType,
            },
            { limits, enqueue, sink, failures: deps.config.failures },
          );
          results.push({ name: f.name, ...r });
        } catch (err) {
          // one file the database could not take does not undo the others: each file answers for itself
          req.log.error({ err, file: f.name }, 'upload: a file could not be stored');
          results.push({
            name: f.name,
            status: 'failed',
            fileId: null,
            error: 'the file could not be stored; send it again',
          });
        }
      }
      const actor = principalOf(req).user;
      await audit(
        deps.db,
        {
          orgId: org.id,
          actorId: actor.id,
          actor: actor.email,
          action: 'upload',
          target: results
            .filter((r) => r.fileId !== null)
            .map((r) => `file:${r.fileId}`)
            .join(' ')
            .slice(0, 1000),
          ip: req.ip,
          outcome: results.some((r) => r.status === 'failed') ? 'failure' : 'success',
          details: {
            files: results.length,
            accepted: results.filter((r) => r.status === 'accepted').length,
            duplicate: results.filter((r) => r.status === 'duplicate').length,
            rejected: results.filter((r) => r.status === 'rejected').length,
            unsupported: results.filter((r) => r.status === 'unsupported').length,
            failed: results.filter((r) => r.status === 'failed').length,
          },
        },
        new Date(),
      );
      return { results };
    },
  );

  app.get(
    '/files',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['ingest'],
        summary: 'Ingested files, newest first',
        querystring: FilesQuery,
        response: { 200: Page(FileBody), ...problemResponses },
      },
    },
    async (req) => {
      const q = req.query;
      let statuses: FileStatus[] | undefined;
      if (q.status !== undefined) {
        const list = q.status
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const bad = list.filter((s) => !STATUSES.includes(s as FileStatus));
        if (bad.length > 0 || list.length === 0) {
          throw new HttpProblem(400, 'validation_failed', `unknown status ${bad.join(', ') || '(empty)'}`, [
            { field: 'status', message: `must be a comma-separated list of ${STATUSES.join(', ')}` },
          ]);
        }
        statuses = list as FileStatus[];
      }
      const before = decodeCursor(q.cursor, (v): v is { b: number } =>
        Number.isSafeInteger((v as { b?: number })?.b),
      )?.b;
      const r = await listFiles(deps.db, orgOf(req).id, { statuses, limit: q.limit ?? 50, beforeId: before });
      return {
        items: r.items.map(fileJson),
        total: r.total,
        nextCursor: r.nextBeforeId !== null ? encodeCursor({ b: r.nextBeforeId }) : null,
      };
    },
  );

  app.get(
    '/files/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['ingest'],
        summary: 'One ingested file: status, error, and the reports of every kind stored from it',
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }),
        response: { 200: FileDetail, ...problemResponses },
      },
    },
    async (req) => {
      const { id } = req.params;
      const orgId = orgOf(req).id;
      const f = await getFile(deps.db, orgId, id);
      if (!f) throw new HttpProblem(404, 'file_not_found', `file ${id} does not exist`);
      const [reports, tls, failures] = await Promise.all([
        reportsOfFile(deps.db, orgId, id),
        tlsReportsOfFile(deps.db, orgId, id),
        failureReportsOfFile(deps.db, orgId, id),
      ]);
      return {
        ...fileJson(f),
        reports,
        tlsReports: tls,
        failureReports: failures.map((x) => ({ ...x, arrivalDate: x.arrivalDate?.toISOString() ?? null })),
      };
    },
  );
};
