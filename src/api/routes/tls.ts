// SMTP TLS reports (RFC 8460): the list, one report with its policies and failure details, and the summary per
// policy domain with the failures by result type over time (cached like the other analytics answers).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AnalyticsAnswers } from '../../analytics/answers.js';
import type { TlsFilter } from '../../analytics/tls-filter.js';
import { getTlsReport, isTlsKeyset, listTlsReports } from '../../analytics/tls-reports.js';
import { answer } from '../answer.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { AppDeps } from '../deps.js';
import { toAnalyticsFilter } from '../filters.js';
import { orgOf } from '../plugins/auth.js';
import { HttpProblem } from '../problem.js';
import {
  DateString,
  DateTimeString,
  Nullable,
  Page,
  paginationProperties,
  problemResponses,
} from '../schemas/common.js';

const TlsFilterProperties = {
  domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'Policy domain' })),
  from: Type.Optional({ ...DateString, description: 'First day (inclusive), on the report period begin, UTC' }),
  to: Type.Optional({ ...DateString, description: 'Last day (inclusive), on the report period begin, UTC' }),
  org: Type.Optional(
    Type.String({ minLength: 1, maxLength: 500, description: 'Reporting organisation (organization-name), any case' }),
  ),
  result_type: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[A-Za-z0-9-]+$',
      description: 'Only reports with a failure detail of this result type, e.g. certificate-expired',
    }),
  ),
};

const TlsReportItem = Type.Object({
  id: Type.Integer(),
  fileId: Type.Integer(),
  organizationName: Type.String({ description: 'RFC 8460 organization-name' }),
  reportId: Type.String(),
  contactInfo: Nullable(Type.String()),
  domain: Type.String({ description: 'Policy domain' }),
  begin: DateTimeString,
  end: DateTimeString,
  date: DateString,
  policies: Type.Integer(),
  successfulSessions: Type.Integer(),
  failedSessions: Type.Integer(),
  failureShare: Nullable(Type.Number({ description: 'Failed sessions / all sessions' })),
  resultTypes: Type.Array(Type.String(), { description: 'Result types of its failure details' }),
  warnings: Type.Integer(),
  receivedAt: DateTimeString,
});

const FailureDetail = Type.Object({
  resultType: Type.String(),
  sendingMtaIp: Nullable(Type.String()),
  receivingMxHostname: Nullable(Type.String()),
  receivingMxHelo: Nullable(Type.String()),
  receivingIp: Nullable(Type.String()),
  failedSessionCount: Type.Integer(),
  additionalInformation: Nullable(Type.String()),
  failureReasonCode: Nullable(Type.String()),
});

const TlsReportDetail = Type.Object({
  ...TlsReportItem.properties,
  partName: Nullable(Type.String({ description: 'Where the report sat in its file' })),
  warningMessages: Type.Array(Type.String()),
  policyList: Type.Array(
    Type.Object({
      policyType: Type.String({ description: 'sts, tlsa, no-policy-found (or what the reporter sent)' }),
      policyDomain: Nullable(Type.String()),
      policyString: Type.Array(Type.String()),
      mxHost: Type.Array(Type.String()),
      successfulSessions: Type.Integer(),
      failedSessions: Type.Integer(),
      failureDetails: Type.Array(FailureDetail),
    }),
  ),
});

const TlsSummary = Type.Object({
  domains: Type.Array(
    Type.Object({
      domain: Type.String(),
      reports: Type.Integer(),
      sessions: Type.Integer(),
      successfulSessions: Type.Integer(),
      failedSessions: Type.Integer(),
      failureShare: Nullable(Type.Number()),
      byResultType: Type.Array(Type.Object({ resultType: Type.String(), failedSessions: Type.Integer() })),
    }),
  ),
  series: Type.Array(Type.Object({ date: DateString, resultType: Type.String(), failedSessions: Type.Integer() }), {
    description: 'Failed sessions per day (report period begin) and result type',
  }),
});

const ListQuery = Type.Object({ ...TlsFilterProperties, ...paginationProperties }, { additionalProperties: false });
const SummaryQuery = Type.Object(TlsFilterProperties, { additionalProperties: false });
const IdParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'SMTP TLS report id' }),
});

interface TlsQuery {
  domain?: string;
  from?: string;
  to?: string;
  org?: string;
  result_type?: string;
}

/** The validated query as the TLS filter of the caller's organisation (dates checked as for every route). */
function tlsFilter(orgId: number, q: TlsQuery): TlsFilter {
  const base = toAnalyticsFilter({ domain: q.domain, from: q.from, to: q.to });
  const f: TlsFilter = { orgId };
  if (base.domain !== undefined) f.domain = base.domain;
  if (base.from !== undefined) f.from = base.from;
  if (base.to !== undefined) f.to = base.to;
  if (q.org !== undefined && q.org.trim() !== '') f.reporter = q.org.trim();
  if (q.result_type !== undefined) f.resultType = q.result_type.toLowerCase();
  return f;
}

export const tlsRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps; answers: AnalyticsAnswers }> = async (
  app,
  { deps, answers },
) => {
  app.get(
    '/tls/reports',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'SMTP TLS reports (RFC 8460) matching the filters, newest period first',
        querystring: ListQuery,
        response: { 200: Page(TlsReportItem), ...problemResponses },
      },
    },
    async (req) => {
      const { limit, cursor, ...q } = req.query;
      const r = await listTlsReports(deps.db, tlsFilter(orgOf(req).id, q), {
        limit: limit ?? 50,
        after: decodeCursor(cursor, isTlsKeyset),
      });
      return { items: r.items, total: r.total, nextCursor: r.next ? encodeCursor(r.next) : null };
    },
  );

  app.get(
    '/tls/reports/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'One SMTP TLS report with its policies and their failure details',
        params: IdParams,
        response: { 200: TlsReportDetail, ...problemResponses },
      },
    },
    async (req) => {
      const { id } = req.params;
      const r = await getTlsReport(deps.db, orgOf(req).id, id);
      if (!r) throw new HttpProblem(404, 'report_not_found', `SMTP TLS report ${id} does not exist`);
      return r;
    },
  );

  app.get(
    '/tls/summary',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'SMTP TLS sessions per policy domain (failure share, by result type) and failures by type per day',
        querystring: SummaryQuery,
        response: { 200: TlsSummary, ...problemResponses },
      },
    },
    async (req, reply) => answer(reply, await answers.tlsSummary(tlsFilter(orgOf(req).id, req.query))),
  );
};
