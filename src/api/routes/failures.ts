// Failure reports (RFC 6591, a tenant plugin, see tenant.ts): GET /api/failures (newest arrival first, cursor
// pages; filters: reported domain, arrival days, source IP, the source's sender, auth failure, feedback type) and
// GET /api/failures/:id
// (every field, the original message's headers the privacy settings kept — its body is never stored — and what is
// known of the source address).
import net from 'node:net';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { enrichmentOf } from '../../analytics/enrichment-view.js';
import { listFailureReports } from '../../analytics/failure-reports.js';
import { getFailureReport, type FailureKeyset, type StoredFailureReport } from '../../store/failure-reports.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { AppDeps } from '../deps.js';
import { toAnalyticsFilter } from '../filters.js';
import { orgOf } from '../plugins/auth.js';
import { EnrichmentBody } from '../schemas/enrichment.js';
import { HttpProblem, validationProblem } from '../problem.js';
import {
  DateString,
  DateTimeString,
  Nullable,
  Page,
  paginationProperties,
  problemResponses,
} from '../schemas/common.js';

const FailureItem = Type.Object({
  id: Type.Integer(),
  fileId: Type.Integer(),
  format: Type.String({ description: 'arf (a message/feedback-report part) or prose (fields only in the text)' }),
  reporter: Nullable(Type.String({ description: "The report mail's sender address" })),
  feedbackType: Nullable(Type.String({ description: 'auth-failure for DMARC; abuse, fraud, ... otherwise' })),
  authFailure: Nullable(Type.String({ description: 'adsp, bodyhash, revoked, signature, spf or dmarc' })),
  sourceIp: Nullable(Type.String()),
  reportedDomain: Nullable(Type.String()),
  originalMailFrom: Nullable(Type.String()),
  originalRcptTo: Type.Array(Type.String()),
  arrivalDate: Nullable(DateTimeString),
  arrivalDateRaw: Nullable(Type.String({ description: 'Arrival-Date as written' })),
  deliveryResult: Nullable(Type.String()),
  dkimDomain: Nullable(Type.String()),
  identityAlignment: Nullable(Type.String()),
  subject: Nullable(Type.String({ description: "The original message's Subject, when kept" })),
  warnings: Type.Integer({ description: 'Number of warnings' }),
  receivedAt: DateTimeString,
});

const Header = Type.Object({ name: Type.String(), value: Type.String() });

const FailureDetail = Type.Object({
  ...FailureItem.properties,
  partName: Nullable(Type.String({ description: 'Where the report sat in its file' })),
  userAgent: Nullable(Type.String()),
  version: Nullable(Type.String()),
  reportedUri: Type.Array(Type.String()),
  originalEnvelopeId: Nullable(Type.String()),
  authenticationResults: Type.Array(Type.String()),
  dkimIdentity: Nullable(Type.String()),
  dkimSelector: Nullable(Type.String()),
  dkimCanonicalizedHeader: Nullable(Type.String({ description: 'Kept only when DMARC_FAILURE_KEEP_HEADERS=true' })),
  spfDns: Type.Array(Type.String()),
  incidents: Nullable(Type.Integer()),
  fields: Type.Record(Type.String(), Type.Array(Type.String()), {
    description: 'Every feedback field as written (lower-case names), DKIM-Canonicalized-Body never',
  }),
  original: Type.String({ description: 'What the reporter attached of the original: message, headers or none' }),
  headers: Type.Array(Header, {
    description: 'Headers of the original message kept (DMARC_FAILURE_HEADERS, or all with DMARC_FAILURE_KEEP_HEADERS)',
  }),
  warningMessages: Type.Array(Type.String()),
  source: Nullable(EnrichmentBody),
});

const FailuresQuery = Type.Object(
  {
    domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'Reported domain' })),
    from: Type.Optional({ ...DateString, description: 'First day (inclusive) of arrival, UTC' }),
    to: Type.Optional({ ...DateString, description: 'Last day (inclusive) of arrival, UTC' }),
    source_ip: Type.Optional(Type.String({ minLength: 2, maxLength: 64, description: 'Source address' })),
    sender: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 300,
        description: "The source's sender as /api/rollup/senders names it: its key (google, ptr:example.net) or name",
      }),
    ),
    auth_failure: Type.Optional(
      Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$', description: 'e.g. dmarc, spf' }),
    ),
    feedback_type: Type.Optional(
      Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$', description: 'e.g. auth-failure' }),
    ),
    ...paginationProperties,
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Failure report id' }),
});

function isKeyset(v: unknown): v is FailureKeyset {
  const k = v as FailureKeyset;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof k.when === 'string' &&
    !Number.isNaN(Date.parse(k.when)) &&
    Number.isSafeInteger(k.id)
  );
}

function item(r: StoredFailureReport) {
  const subject = r.headers.find((h) => h.name.toLowerCase() === 'subject')?.value ?? null;
  return {
    id: r.id,
    fileId: r.fileId,
    format: r.format,
    reporter: r.reporter,
    feedbackType: r.feedbackType,
    authFailure: r.authFailure,
    sourceIp: r.sourceIp,
    reportedDomain: r.reportedDomain,
    originalMailFrom: r.originalMailFrom,
    originalRcptTo: r.originalRcptTo,
    arrivalDate: r.arrivalDate?.toISOString() ?? null,
    arrivalDateRaw: r.arrivalDateRaw,
    deliveryResult: r.deliveryResult,
    dkimDomain: r.dkimDomain,
    identityAlignment: r.identityAlignment,
    subject,
    warnings: r.warnings.length,
    receivedAt: r.receivedAt.toISOString(),
  };
}

export const failureRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/failures',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['failures'],
        summary: 'Failure reports (RFC 6591), newest arrival first',
        querystring: FailuresQuery,
        response: { 200: Page(FailureItem), ...problemResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const sourceIp = q.source_ip?.trim();
      if (sourceIp !== undefined && (net.isIP(sourceIp) === 0 || sourceIp.includes('%'))) {
        throw validationProblem([{ field: 'source_ip', message: `'${sourceIp}' is not an IPv4 or IPv6 address` }]);
      }
      // calendar days, from <= to, a sender that is not blank: as every analytics route checks them
      const f = toAnalyticsFilter({ domain: q.domain, from: q.from, to: q.to, sender: q.sender });
      const r = await listFailureReports(
        deps.db,
        orgOf(req).id,
        {
          domain: f.domain,
          from: f.from,
          to: f.to,
          sourceIp,
          sender: f.sender,
          authFailure: q.auth_failure,
          feedbackType: q.feedback_type,
        },
        { limit: q.limit ?? 50, after: decodeCursor(q.cursor, isKeyset) },
      );
      return { items: r.items.map(item), total: r.total, nextCursor: r.next ? encodeCursor(r.next) : null };
    },
  );

  app.get(
    '/failures/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['failures'],
        summary: 'One failure report: its feedback fields and the kept headers of the original message',
        params: IdParams,
        response: { 200: FailureDetail, ...problemResponses },
      },
    },
    async (req) => {
      const org = orgOf(req);
      const r = await getFailureReport(deps.db, org.id, req.params.id);
      if (!r) throw new HttpProblem(404, 'failure_report_not_found', `failure report ${req.params.id} does not exist`);
      const source = r.sourceIp ? await enrichmentOf(deps.db, org.id, r.sourceIp) : null;
      return {
        ...item(r),
        partName: r.partName,
        userAgent: r.userAgent,
        version: r.version,
        reportedUri: r.reportedUri,
        originalEnvelopeId: r.originalEnvelopeId,
        authenticationResults: r.authenticationResults,
        dkimIdentity: r.dkimIdentity,
        dkimSelector: r.dkimSelector,
        dkimCanonicalizedHeader: r.dkimCanonicalizedHeader,
        spfDns: r.spfDns,
        incidents: r.incidents,
        fields: r.fields,
        original: r.original,
        headers: r.headers,
        warningMessages: r.warnings,
        source,
      };
    },
  );
};
