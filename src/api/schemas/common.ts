// Shared request/response schemas (TypeBox → JSON Schema: validation, serialisation and OpenAPI from one
// source).
import { Type, type Static, type TSchema } from 'typebox';

export const DateString = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  description: 'UTC date YYYY-MM-DD',
  examples: ['2024-06-13'],
});

export const DateTimeString = Type.String({ format: 'date-time', description: 'UTC timestamp (ISO 8601)' });

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const Disposition = Type.Union(
  [Type.Literal('none'), Type.Literal('quarantine'), Type.Literal('reject'), Type.Literal('pass')],
  { description: 'Policy applied by the receiver (pass is DMARCbis)' },
);

/** The analytics filters every list/rollup route accepts. */
export const filterProperties = {
  domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'Policy domain' })),
  from: Type.Optional({ ...DateString, description: 'First day (inclusive), on the report period begin, UTC' }),
  to: Type.Optional({ ...DateString, description: 'Last day (inclusive), on the report period begin, UTC' }),
  period: Type.Optional(
    Type.Union([Type.Literal('all'), Type.Literal('none')], {
      description:
        'Instead of from/to: all = every report, with a readable period or not (for trends: the whole span of the ' +
        'data); none = only the reports without a readable period (no begin date), which no date range holds. ' +
        'Without period, from or to, lists and figures cover every report too.',
    }),
  ),
  org: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'Reporter: its canonical name (as /api/rollup/reporters lists it)',
    }),
  ),
  source_ip: Type.Optional(
    Type.String({ minLength: 2, maxLength: 64, description: 'Source address or CIDR network, e.g. 192.0.2.0/24' }),
  ),
  disposition: Type.Optional(Disposition),
  dmarc: Type.Optional(Type.Union([Type.Literal('pass'), Type.Literal('fail')], { description: 'DMARC result' })),
  country: Type.Optional(
    Type.String({
      minLength: 2,
      maxLength: 2,
      description: "The source's country, ISO 3166-1 alpha-2 (e.g. DE), from its enrichment; ZZ: sources not located",
    }),
  ),
  asn: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 4294967295, description: "The source's AS number, from its enrichment" }),
  ),
  sender: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 300,
      description:
        "The source's sender: a key of /api/rollup/senders (sendgrid, ptr:example.net, asn:64500, own:<name>) or " +
        'its name (any case)',
    }),
  ),
};

export const FilterQuery = Type.Object(filterProperties, { additionalProperties: false });
export type FilterQueryT = Static<typeof FilterQuery>;

export const paginationProperties = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'Page size' })),
  cursor: Type.Optional(Type.String({ maxLength: 500, description: 'Opaque cursor from the previous page' })),
};

export const orderProperty = Type.Optional(
  Type.Union([Type.Literal('asc'), Type.Literal('desc')], { description: 'Sort direction' }),
);

export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ description: 'Items matching the filters, all pages' }),
    nextCursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last' })),
  });
}

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { description: 'RFC 9457 problem details (application/problem+json)' },
);

/** Error answers every route may give. */
export const problemResponses = {
  400: Problem,
  404: Problem,
  500: Problem,
};

export const Figures = Type.Object({
  reports: Type.Integer(),
  records: Type.Integer(),
  messages: Type.Integer(),
  dmarcPass: Type.Integer({ description: 'Messages whose policy-evaluated DKIM or SPF is pass' }),
  dkimAlignedPass: Type.Integer(),
  spfAlignedPass: Type.Integer(),
  disposition: Type.Object({
    none: Type.Integer(),
    quarantine: Type.Integer(),
    reject: Type.Integer(),
    pass: Type.Integer(),
  }),
  complianceRate: Nullable(Type.Number({ description: 'dmarcPass / messages, 0..1; null without messages' })),
});

export const PolicyPublished = Type.Object({
  p: Nullable(Type.String()),
  sp: Nullable(Type.String()),
  np: Nullable(Type.String()),
  pct: Nullable(Type.Integer()),
  adkim: Nullable(Type.String()),
  aspf: Nullable(Type.String()),
  fo: Nullable(Type.String()),
  testing: Nullable(Type.String()),
  discoveryMethod: Nullable(Type.String()),
});
