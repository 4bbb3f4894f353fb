// Domains, reports (list and detail) and the record-level drill-down. A tenant plugin (see tenant.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AnalyticsAnswers } from '../../analytics/answers.js';
import {
  getReport,
  isKeysetFor,
  isRecordCursor,
  listRecords,
  listReports,
  type ReportSort,
} from '../../analytics/reports.js';
import { OVERRIDE_REASONS } from '../../model/aggregate.js';
import { offsetOf, pageAnswer } from '../answer.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { AppDeps } from '../deps.js';
import { scopedFilter } from '../filters.js';
import { orgOf } from '../plugins/auth.js';
import { HttpProblem } from '../problem.js';
import {
  DateString,
  DateTimeString,
  Nullable,
  Page,
  PolicyPublished,
  filterProperties,
  orderProperty,
  paginationProperties,
  problemResponses,
} from '../schemas/common.js';

const DomainItem = Type.Object({
  domain: Type.String(),
  reports: Type.Integer(),
  messages: Type.Integer(),
  dmarcPass: Type.Integer(),
  dmarcFail: Type.Integer(),
  complianceRate: Nullable(Type.Number()),
  firstDate: Nullable(DateString),
  lastDate: Nullable(DateString),
  reporters: Type.Integer({ description: 'Distinct reporting organisations' }),
  policy: PolicyPublished,
  policyDate: Nullable({ ...DateString, description: 'Date of the report the policy comes from' }),
});

export const ReportItem = Type.Object({
  id: Type.Integer(),
  fileId: Type.Integer(),
  orgName: Type.String({ description: "The reporter's name as the report gives it (RFC 7489 org_name)" }),
  reporter: Type.String({
    description: "The reporter's canonical name, which figures group by and the org filter takes",
  }),
  email: Nullable(Type.String()),
  reportId: Type.String(),
  domain: Type.String(),
  begin: Nullable(DateTimeString),
  end: Nullable(DateTimeString),
  date: Nullable(DateString),
  records: Type.Integer(),
  messages: Type.Integer(),
  dmarcPass: Type.Integer(),
  dmarcFail: Type.Integer(),
  complianceRate: Nullable(Type.Number()),
  policy: PolicyPublished,
  schema: Type.String({ description: 'rfc7489 or dmarcbis' }),
  version: Nullable(Type.String()),
  recovered: Type.Boolean({ description: 'Recovered from XML that was not well-formed' }),
  warnings: Type.Integer({ description: 'Number of warnings (bad records etc.)' }),
  receivedAt: DateTimeString,
});

const HumanResultLang = Type.String({ description: 'RFC 9990 lang of human_result; absent when none' });

export const RecordItem = Type.Object({
  reportId: Type.Integer({ description: 'Id of the report (GET /api/reports/:id)' }),
  idx: Type.Integer({ description: 'Position of the record in its report, from 0' }),
  orgName: Type.String({ description: "The reporter's name as the report gives it (RFC 7489 org_name)" }),
  reporter: Type.String({
    description: "The reporter's canonical name, which figures group by and the org filter takes",
  }),
  domain: Type.String(),
  date: Nullable(DateString),
  sourceIp: Nullable(Type.String()),
  count: Type.Integer(),
  disposition: Nullable(Type.String()),
  dkim: Nullable(Type.String({ description: 'Policy-evaluated (aligned) DKIM' })),
  spf: Nullable(Type.String({ description: 'Policy-evaluated (aligned) SPF' })),
  dmarc: Type.Union([Type.Literal('pass'), Type.Literal('fail')]),
  reasons: Type.Array(
    Type.Object({
      type: Type.String({ description: `Override reason type, e.g. ${OVERRIDE_REASONS.join(', ')}` }),
      comment: Nullable(Type.String()),
      commentLang: Type.Optional(Type.String({ description: 'RFC 9990 lang of the comment; absent when none' })),
    }),
  ),
  headerFrom: Nullable(Type.String()),
  envelopeFrom: Nullable(Type.String()),
  envelopeTo: Nullable(Type.String()),
  dkimResults: Type.Array(
    Type.Object({
      domain: Type.String(),
      selector: Nullable(Type.String()),
      result: Type.String(),
      humanResult: Nullable(Type.String()),
      humanResultLang: Type.Optional(HumanResultLang),
    }),
  ),
  spfResults: Type.Array(
    Type.Object({
      domain: Type.String(),
      scope: Nullable(Type.String()),
      result: Type.String(),
      humanResult: Nullable(Type.String()),
      humanResultLang: Type.Optional(HumanResultLang),
    }),
  ),
});

const ReportDetail = Type.Object({
  ...ReportItem.properties,
  extraContactInfo: Nullable(Type.String()),
  extraContactInfoLang: Nullable(Type.String({ description: 'RFC 9990 lang of extra_contact_info' })),
  namespace: Nullable(Type.String()),
  generator: Nullable(Type.String()),
  reporterErrors: Type.Array(Type.String()),
  reporterErrorLangs: Type.Array(Nullable(Type.String()), {
    description: 'RFC 9990 lang of each reporter error, parallel to reporterErrors (null: none given)',
  }),
  extensions: Type.Array(
    Type.Object({
      record: Nullable(
        Type.Integer({ description: 'idx of the record the element sits in (recordList[].idx); null: report level' }),
      ),
      xml: Type.String({ description: 'The element as XML text, with the namespace declarations it uses' }),
    }),
    {
      description:
        'RFC 9990 extension elements (children of <extension>, elements in other namespaces), in document order',
    },
  ),
  warningMessages: Type.Array(Type.String()),
  partName: Nullable(Type.String({ description: 'Where the report sat in its file' })),
  records: Type.Integer(),
  recordList: Type.Array(RecordItem),
});

const DomainsQuery = Type.Object(
  {
    ...filterProperties,
    ...paginationProperties,
    sort: Type.Optional(
      Type.Union(
        [Type.Literal('domain'), Type.Literal('messages'), Type.Literal('complianceRate'), Type.Literal('reports')],
        {
          default: 'domain',
        },
      ),
    ),
    order: orderProperty,
  },
  { additionalProperties: false },
);

const reasonProperty = {
  reason: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[^*]+$',
      description:
        'Only records with this policy-override reason (reports: with such a record), e.g. ' +
        `${OVERRIDE_REASONS.join(', ')}; case-insensitive`,
    }),
  ),
};

const ReportsQuery = Type.Object(
  {
    ...filterProperties,
    ...reasonProperty,
    ...paginationProperties,
    sort: Type.Optional(
      Type.Union(
        [
          Type.Literal('begin'),
          Type.Literal('messages'),
          Type.Literal('org'),
          Type.Literal('domain'),
          Type.Literal('received'),
        ],
        { default: 'begin' },
      ),
    ),
    order: orderProperty,
  },
  { additionalProperties: false },
);

const RecordsQuery = Type.Object(
  { ...filterProperties, ...reasonProperty, ...paginationProperties },
  { additionalProperties: false },
);

const reasonOf = (r: string | undefined): string | undefined => r?.trim().toLowerCase() || undefined;

const IdParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Report id' }),
});

export const reportRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps; answers: AnalyticsAnswers }> = async (
  app,
  { deps, answers: h },
) => {
  app.get(
    '/domains',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'Policy domains with totals and the latest published policy',
        querystring: DomainsQuery,
        response: { 200: Page(DomainItem), ...problemResponses },
      },
    },
    async (req, reply) => {
      const { sort, order, limit, cursor, ...filters } = req.query;
      const f = scopedFilter(orgOf(req), filters);
      return pageAnswer(reply, await h.domains(f, { sort, order, limit, offset: offsetOf(cursor) }));
    },
  );

  app.get(
    '/reports',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'Reports matching the filters',
        description:
          'With outcome filters (disposition, dmarc, source_ip), the reports that hold at least one matching record.',
        querystring: ReportsQuery,
        response: { 200: Page(ReportItem), ...problemResponses },
      },
    },
    async (req) => {
      const { sort, order, limit, cursor, reason, ...filters } = req.query;
      const s: ReportSort = sort ?? 'begin';
      const r = await listReports(deps.db, scopedFilter(orgOf(req), filters), {
        sort: s,
        order: order ?? (s === 'org' || s === 'domain' ? 'asc' : 'desc'),
        limit: limit ?? 50,
        after: decodeCursor(cursor, isKeysetFor(s)),
        reason: reasonOf(reason),
      });
      return { items: r.items, total: r.total, nextCursor: r.next ? encodeCursor(r.next) : null };
    },
  );

  app.get(
    '/reports/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'One report with its published policy and every record with its auth results',
        params: IdParams,
        response: { 200: ReportDetail, ...problemResponses },
      },
    },
    async (req) => {
      const { id } = req.params;
      const r = await getReport(deps.db, orgOf(req).id, id);
      if (!r) throw new HttpProblem(404, 'report_not_found', `report ${id} does not exist`);
      return r;
    },
  );

  app.get(
    '/records',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'Record-level drill-down',
        description: 'Newest report first, records in report order.',
        querystring: RecordsQuery,
        response: { 200: Page(RecordItem), ...problemResponses },
      },
    },
    async (req) => {
      const { limit, cursor, reason, ...filters } = req.query;
      const r = await listRecords(deps.db, scopedFilter(orgOf(req), filters), {
        limit: limit ?? 50,
        after: decodeCursor(cursor, isRecordCursor),
        reason: reasonOf(reason),
      });
      return { items: r.items, total: r.total, nextCursor: r.next ? encodeCursor(r.next) : null };
    },
  );
};
