// The DNS checks' answers (GET /api/domains/{domain}/dns, .../dns/history, POST .../dns/check): the records as
// found, the findings with their severity and text, the changes against the check before.
import { Type } from 'typebox';
import { CHANGE_KINDS, FINDING_SEVERITIES, RECORD_KINDS } from '../../model/dns-checks.js';
import { Nullable, Page } from './common.js';

/** One of the values (a union of literals, typed as the values' union). */
const literals = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v))));

const Severity = literals(FINDING_SEVERITIES);
const RecordKind = literals(RECORD_KINDS);
const Status = Type.Union([Type.Literal('found'), Type.Literal('missing'), Type.Literal('unknown')], {
  description: 'found; missing (the DNS says there is none); unknown (the DNS did not answer: see failure)',
});

export const FindingT = Type.Object({
  code: Type.String({ description: 'Stable machine-readable code, e.g. spf_too_many_lookups' }),
  severity: Severity,
  text: Type.String({ description: 'What is wrong and what to do, in plain English' }),
  record: Type.Optional(RecordKind),
});

const txtProps = {
  name: Type.String({ description: 'The name looked up, e.g. _dmarc.example.com' }),
  status: Status,
  records: Type.Array(Type.String(), { description: 'The records of the kind as published (two is itself a finding)' }),
  failure: Type.Optional(Type.String({ description: 'Why the status is unknown' })),
};
const TxtState = Type.Object(txtProps);

const Destination = Type.Object({
  uri: Type.String(),
  domain: Nullable(Type.String()),
  external: Type.Boolean({ description: 'Outside the policy domain (RFC 7489 §7.1)' }),
  authorised: Nullable(
    Type.Boolean({ description: 'External: authorised by <domain>._report._dmarc.<dest>; null: not known' }),
  ),
});

const DmarcStateT = Type.Object({
  ...txtProps,
  tags: Nullable(Type.Record(Type.String(), Type.String())),
  rua: Type.Array(Destination),
  ruf: Type.Array(Destination),
});

const SpfStateT = Type.Object({
  ...txtProps,
  lookups: Nullable(Type.Integer({ description: 'DNS-querying terms through every include (limit 10)' })),
  voidLookups: Nullable(Type.Integer({ description: 'Lookups that found nothing (limit 2)' })),
  all: Nullable(Type.String()),
  includes: Type.Array(Type.String()),
  loops: Type.Array(Type.String()),
  missingIncludes: Type.Array(Type.String()),
  uncheckedIncludes: Type.Array(Type.String()),
  nestedErrors: Type.Array(Type.String()),
  usesPtr: Type.Boolean(),
});

const DkimStateT = Type.Object({
  selector: Type.String(),
  domain: Type.String(),
  name: Type.String(),
  status: Status,
  keyType: Nullable(Type.String()),
  bits: Nullable(Type.Integer()),
  revoked: Type.Boolean(),
  messages: Type.Integer({
    description: "Messages signed with it in the reports of the domain's latest 30 report days",
  }),
  failure: Type.Optional(Type.String()),
});

export const DnsRecordsT = Type.Object({
  dmarc: DmarcStateT,
  spf: SpfStateT,
  dkim: Type.Array(DkimStateT),
  mtaSts: TxtState,
  tlsRpt: TxtState,
  bimi: TxtState,
});

export const ChangeT = Type.Object({
  kind: literals(CHANGE_KINDS),
  severity: Severity,
  record: RecordKind,
  text: Type.String(),
});

const Counts = Type.Object({ error: Type.Integer(), warning: Type.Integer(), info: Type.Integer() });

export const DnsCheckT = Type.Object({
  id: Type.Integer(),
  domain: Type.String(),
  checkedAt: Type.String({ format: 'date-time' }),
  trigger: Type.Union([Type.Literal('scheduled'), Type.Literal('manual')]),
  digest: Type.String({ description: 'sha256 of what is published: equal digests, nothing changed' }),
  counts: Counts,
  findings: Type.Array(FindingT, { description: 'Most severe first' }),
  changes: Type.Array(ChangeT, { description: 'Against the check before (none for the first)' }),
  records: DnsRecordsT,
});

export const LatestDnsAnswer = Type.Object({
  domain: Type.String(),
  checked: Type.Boolean({ description: 'false: the domain was never checked (check is null)' }),
  message: Nullable(Type.String({ description: 'Why there is no check, when there is none' })),
  check: Nullable(DnsCheckT),
});

export const DnsHistoryItemT = Type.Object({
  id: Type.Integer(),
  checkedAt: Type.String({ format: 'date-time' }),
  trigger: Type.Union([Type.Literal('scheduled'), Type.Literal('manual')]),
  digest: Type.String(),
  errors: Type.Integer(),
  warnings: Type.Integer(),
  changes: Type.Array(ChangeT),
});

export const DnsHistoryPage = Page(DnsHistoryItemT);
