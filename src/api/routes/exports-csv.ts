// CSV and NDJSON exports (a tenant plugin): reports, records, sources and senders with every analytics filter, and
// the alerts with the alerts list's filters. Each answer streams from the database in keyset pages
// (src/exports/csv), pulled by the client's socket: memory stays flat whatever the size, and reading stops when
// the client goes away. Exports count against the caller's export limit (export-rate-limit.ts) besides the
// general one.
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { normaliseDomain } from '../../alerts/validation.js';
import { CONTENT_TYPES, type ExportFormat } from '../../exports/csv/cells.js';
import {
  ANALYTICS_EXPORTS,
  REASON_EXPORTS,
  exportChunks,
  exportColumns,
  exportFileName,
  type ExportRequest,
} from '../../exports/csv/index.js';
import type { AppDeps } from '../deps.js';
import { attachmentDisposition } from '../download.js';
import { exportRateLimit } from '../export-rate-limit.js';
import { scopedFilter } from '../filters.js';
import { orgOf } from '../plugins/auth.js';
import { SeveritySchema } from '../schemas/alerts.js';
import { filterProperties, problemResponses } from '../schemas/common.js';
import { statesOf } from './alerts.js';
import { ALERT_STATES } from '../../model/alerts.js';

const formatProperties = {
  format: Type.Optional(
    Type.Union([Type.Literal('csv'), Type.Literal('json')], {
      default: 'csv',
      description: 'csv (RFC 4180, UTF-8, header row) or json: NDJSON, one object per line with the same columns',
    }),
  ),
  bom: Type.Optional(
    Type.Boolean({ description: 'CSV only: start with a UTF-8 byte order mark, for Excel (default false)' }),
  ),
};

const ExportQuery = Type.Object({ ...filterProperties, ...formatProperties }, { additionalProperties: false });

/** Reports and records also take the reports list's override-reason filter (GET /api/reports?reason=). */
const ReasonExportQuery = Type.Object(
  {
    ...filterProperties,
    reason: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        pattern: '^[^*]+$',
        description:
          'Only records with this policy-override reason (reports: with such a record), e.g. forwarded; ' +
          'case-insensitive',
      }),
    ),
    ...formatProperties,
  },
  { additionalProperties: false },
);

const AlertsExportQuery = Type.Object(
  {
    state: Type.Optional(
      Type.String({
        maxLength: 100,
        description: `Comma-separated states (${ALERT_STATES.join(', ')}), or unresolved (open and acknowledged)`,
      }),
    ),
    severity: Type.Optional(SeveritySchema),
    domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'Policy domain' })),
    rule: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Rule id' })),
    suppressed: Type.Optional(Type.Boolean({ description: 'Only alerts whose latest breach was (not) suppressed' })),
    ...formatProperties,
  },
  { additionalProperties: false },
);

const exportResponse = (what: string) => ({
  200: {
    description: `${what}: a CSV file (or NDJSON with format=json), sent as an attachment`,
    content: {
      'text/csv': { schema: Type.String() },
      'application/x-ndjson': { schema: Type.String() },
    },
  },
  ...problemResponses,
});

const DESCRIPTIONS: Record<(typeof ANALYTICS_EXPORTS)[number], string> = {
  reports: 'One row per report matching the filters (as GET /api/reports), oldest stored first.',
  records:
    'One row per record of the matching reports, with its DKIM and SPF results, domains and selectors, override ' +
    'reasons, disposition and alignment, in storage order.',
  sources: 'One row per source address (as GET /api/rollup/sources), in address order.',
  senders: 'One row per sender (as GET /api/rollup/senders), most messages first.',
};

export const exportCsvRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const base = { tags: ['exports'] };
  const limited = exportRateLimit(app, deps.config.security.exportRatePerMinute);

  /** Streams the export to the client, pulled by its socket; no further page is read once it has gone. */
  function send(
    req: FastifyRequest,
    reply: FastifyReply,
    what: ExportRequest,
    format: ExportFormat,
    bom: boolean,
    fileFilter: Parameters<typeof exportFileName>[1],
  ): FastifyReply {
    const abort = new AbortController();
    reply.raw.once('close', () => abort.abort());
    const chunks = exportChunks(deps.db, what, { format, bom, signal: abort.signal });
    req.log.debug({ export: what.name, format, columns: exportColumns(what.name).length }, 'export started');
    return reply
      .header('content-type', CONTENT_TYPES[format])
      .header('content-disposition', attachmentDisposition(exportFileName(what.name, fileFilter, format)))
      .header('cache-control', 'no-store')
      .send(Readable.from(chunks, { objectMode: false }));
  }

  for (const name of ANALYTICS_EXPORTS) {
    app.get(
      `/export/${name}.csv`,
      {
        config: { role: 'viewer' },
        preHandler: limited,
        schema: {
          ...base,
          summary: `Export ${name} as CSV or NDJSON, with the analytics filters`,
          description: `${DESCRIPTIONS[name]} Columns: docs/exports.md. Counts against DMARC_EXPORT_RATE_PER_MINUTE.`,
          querystring: REASON_EXPORTS.includes(name) ? ReasonExportQuery : ExportQuery,
          produces: ['text/csv', 'application/x-ndjson'],
          response: exportResponse(name),
        },
      },
      async (req, reply) => {
        const { format, bom, reason, ...filters } = req.query as Static<typeof ReasonExportQuery>;
        const f = scopedFilter(orgOf(req), filters);
        const filter = { ...f, ...(reason?.trim() ? { reason: reason.trim().toLowerCase() } : {}) };
        return send(req, reply, { name, filter }, format === 'json' ? 'ndjson' : 'csv', bom === true, f);
      },
    );
  }

  app.get(
    '/export/alerts.csv',
    {
      config: { role: 'viewer' },
      preHandler: limited,
      schema: {
        ...base,
        summary: 'Export alerts as CSV or NDJSON, with the alerts list filters',
        description:
          'One row per alert (as GET /api/alerts), newest first. Columns: docs/exports.md. Counts against ' +
          'DMARC_EXPORT_RATE_PER_MINUTE.',
        querystring: AlertsExportQuery,
        produces: ['text/csv', 'application/x-ndjson'],
        response: exportResponse('alerts'),
      },
    },
    async (req, reply) => {
      const q = req.query;
      const states = statesOf(q.state);
      const domain = q.domain !== undefined ? (normaliseDomain('domain', q.domain) ?? undefined) : undefined;
      const filter = {
        orgId: orgOf(req).id,
        states,
        severity: q.severity,
        domain,
        ruleId: q.rule,
        suppressed: q.suppressed,
      };
      return send(req, reply, { name: 'alerts', filter }, q.format === 'json' ? 'ndjson' : 'csv', q.bom === true, {
        domain,
      });
    },
  );
};
