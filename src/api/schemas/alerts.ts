// The alerts API's request and answer schemas (TypeBox): alerts with their history and deliveries, rules and
// rule types, suppressions. Shared by routes/alerts.ts, routes/alert-rules.ts and routes/alert-suppressions.ts.
import { Type, type TSchema } from 'typebox';
import { ALERT_STATES } from '../../model/alerts.js';
import { DateTimeString, Nullable } from './common.js';

export const SeveritySchema = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], {
  description: 'info < warning < critical',
});

export const AlertStateSchema = Type.Union(
  [Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')],
  { description: 'open → acknowledged → resolved (open → resolved directly too)' },
);

export const IdParam = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

const Json = Type.Record(Type.String(), Type.Unknown());

/**
 * A nullable request field: null first, so that the validator's type coercion (coerceTypes) meets null as null
 * rather than turning it into '' or 0 for the other branch ('' is then read as null too).
 */
const OrNull = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);

export const AlertItem = Type.Object({
  id: Type.Integer(),
  ruleId: Nullable(Type.Integer({ description: 'null once the rule was deleted' })),
  ruleName: Type.String({ description: 'The rule as it was when the alert opened' }),
  ruleType: Type.String(),
  fingerprint: Type.String({ description: 'hex SHA-256 of organisation, rule, domain and subject' }),
  domain: Nullable(Type.String()),
  subject: Nullable(Type.String({ description: 'What in the domain breaches: a source, a reporter, a mailbox' })),
  severity: SeveritySchema,
  state: AlertStateSchema,
  summary: Type.String(),
  figures: Json,
  firstSeenAt: DateTimeString,
  lastSeenAt: DateTimeString,
  occurrences: Type.Integer({ description: 'Check periods (hours) in which the breach was seen' }),
  clearSince: Nullable(DateTimeString),
  suppressed: Type.Boolean({ description: 'The latest breach fell in a suppression (recorded, not notified)' }),
  suppressedBy: Nullable(Type.Integer()),
  notifiedSeverity: Nullable(SeveritySchema),
  acknowledgedAt: Nullable(DateTimeString),
  acknowledgedBy: Nullable(Type.String()),
  resolvedAt: Nullable(DateTimeString),
  resolvedBy: Nullable(Type.String({ description: "E-mail of who resolved it, or 'system'" })),
  updatedAt: DateTimeString,
});

export const AlertEventItem = Type.Object({
  id: Type.Integer(),
  at: DateTimeString,
  actor: Type.String({ description: "E-mail, or 'system' for the evaluation" }),
  action: Type.String({ description: 'opened, escalated, acknowledged, resolved, ...' }),
  fromState: Nullable(AlertStateSchema),
  toState: Nullable(AlertStateSchema),
  note: Nullable(Type.String()),
  details: Json,
});

export const DeliveryItem = Type.Object({
  id: Type.Integer(),
  channel: Type.String({ description: 'The channel name as it was' }),
  channelId: Nullable(Type.Integer({ description: 'null once the channel was deleted' })),
  channelType: Type.String(),
  event: Type.Union([Type.Literal('opened'), Type.Literal('escalated'), Type.Literal('resolved')]),
  severity: SeveritySchema,
  state: Type.Union([
    Type.Literal('pending'),
    Type.Literal('retrying'),
    Type.Literal('delivered'),
    Type.Literal('failed'),
  ]),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  createdAt: DateTimeString,
  updatedAt: DateTimeString,
  deliveredAt: Nullable(DateTimeString),
});

export const AlertDetail = Type.Object({
  ...AlertItem.properties,
  history: Type.Array(AlertEventItem, { description: 'Every change, oldest first' }),
  deliveries: Type.Array(DeliveryItem),
});

export const AlertsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Page size' })),
    cursor: Type.Optional(Type.String({ maxLength: 500, description: 'Opaque cursor from the previous page' })),
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
  },
  { additionalProperties: false },
);

export const NoteBody = Type.Object(
  { note: Type.Optional(OrNull(Type.String({ maxLength: 2000, description: 'Kept in the history' }))) },
  { additionalProperties: false },
);

export const OpenCounts = Type.Object({
  open: Type.Integer({ description: 'Open alerts (not acknowledged, not resolved)' }),
  bySeverity: Type.Object({ info: Type.Integer(), warning: Type.Integer(), critical: Type.Integer() }),
});

export const EvaluationAnswer = Type.Object({
  rules: Type.Integer({ description: 'Enabled rules evaluated' }),
  breaches: Type.Integer(),
  opened: Type.Integer(),
  updated: Type.Integer(),
  escalated: Type.Integer(),
  resolved: Type.Integer(),
  suppressed: Type.Integer({ description: 'Breaches inside a suppression (recorded, not notified)' }),
  coolingDown: Type.Integer({ description: "Breaches of a fingerprint resolved less than its rule's cooldown ago" }),
  deliveries: Type.Integer({ description: 'Notifications created' }),
  failedRules: Type.Array(Type.Object({ ruleId: Type.Integer(), name: Type.String(), error: Type.String() })),
});

// ---- rules ----

export const RuleItem = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.String(),
  domain: Nullable(Type.String({ description: 'null: every domain of the organisation' })),
  severity: SeveritySchema,
  channels: Type.Array(Type.Integer(), { description: 'Channel ids' }),
  enabled: Type.Boolean(),
  params: Json,
  resolveAfterMinutes: Type.Integer(),
  cooldownMinutes: Type.Integer(),
  notifyOnResolve: Type.Boolean(),
  createdBy: Nullable(Type.String()),
  createdAt: DateTimeString,
  updatedAt: DateTimeString,
});

const ruleBodyProperties = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  type: Type.String({ minLength: 1, maxLength: 64, description: 'A rule type (GET /api/alerts/rules/types)' }),
  domain: OrNull(Type.String({ maxLength: 253, description: 'null: every domain' })),
  severity: SeveritySchema,
  channels: Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), { maxItems: 50 }),
  enabled: Type.Boolean(),
  params: Type.Record(Type.String(), Type.Unknown(), {
    description: "The rule type's parameters; omitted ones take their defaults",
  }),
  resolveAfterMinutes: Type.Integer({ minimum: 0, maximum: 525_600 }),
  cooldownMinutes: Type.Integer({ minimum: 0, maximum: 525_600 }),
  notifyOnResolve: Type.Boolean(),
};

export const RuleCreateBody = Type.Object(
  {
    name: ruleBodyProperties.name,
    type: ruleBodyProperties.type,
    severity: ruleBodyProperties.severity,
    domain: Type.Optional(ruleBodyProperties.domain),
    channels: Type.Optional(ruleBodyProperties.channels),
    enabled: Type.Optional(ruleBodyProperties.enabled),
    params: Type.Optional(ruleBodyProperties.params),
    resolveAfterMinutes: Type.Optional(ruleBodyProperties.resolveAfterMinutes),
    cooldownMinutes: Type.Optional(ruleBodyProperties.cooldownMinutes),
    notifyOnResolve: Type.Optional(ruleBodyProperties.notifyOnResolve),
  },
  { additionalProperties: false },
);

const r = ruleBodyProperties;
export const RulePatchBody = Type.Object(
  {
    name: Type.Optional(r.name),
    type: Type.Optional(r.type),
    severity: Type.Optional(r.severity),
    domain: Type.Optional(r.domain),
    channels: Type.Optional(r.channels),
    enabled: Type.Optional(r.enabled),
    params: Type.Optional(r.params),
    resolveAfterMinutes: Type.Optional(r.resolveAfterMinutes),
    cooldownMinutes: Type.Optional(r.cooldownMinutes),
    notifyOnResolve: Type.Optional(r.notifyOnResolve),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const PreviewBody = Type.Object(
  {
    type: ruleBodyProperties.type,
    domain: Type.Optional(ruleBodyProperties.domain),
    params: Type.Optional(ruleBodyProperties.params),
  },
  { additionalProperties: false },
);

export const BreachItem = Type.Object({
  domain: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  summary: Type.String(),
  figures: Json,
  severity: Nullable(SeveritySchema),
});

export const PreviewAnswer = Type.Object({
  type: Type.String(),
  domain: Nullable(Type.String()),
  params: Json,
  evaluatedAt: DateTimeString,
  breaches: Type.Array(BreachItem, { description: 'What the rule would fire on now (nothing is stored)' }),
});

export const RuleTypeItem = Type.Object({
  name: Type.String(),
  title: Type.String(),
  description: Type.String(),
  scope: Type.Union([Type.Literal('domain'), Type.Literal('organisation')]),
  defaults: Json,
  paramsSchema: Json,
});

// ---- suppressions ----

export const SuppressionItem = Type.Object({
  id: Type.Integer(),
  ruleId: Nullable(Type.Integer()),
  domain: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  all: Type.Boolean({ description: 'Covers everything of the organisation' }),
  startsAt: Nullable(DateTimeString),
  endsAt: Nullable(DateTimeString),
  cron: Nullable(Type.String()),
  timezone: Type.String(),
  durationMinutes: Nullable(Type.Integer()),
  reason: Type.String(),
  createdBy: Type.String(),
  createdAt: DateTimeString,
  updatedAt: DateTimeString,
  activeNow: Type.Boolean(),
  nextWindow: Nullable(Type.Object({ start: DateTimeString, end: DateTimeString })),
});

const suppressionBodyProperties = {
  ruleId: OrNull(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  domain: OrNull(Type.String({ maxLength: 253 })),
  subject: OrNull(Type.String({ maxLength: 500, description: 'A source IP or CIDR network, a reporter, a mailbox' })),
  all: Type.Boolean({ description: 'true: suppress everything of the organisation (no rule, domain or subject)' }),
  startsAt: OrNull(Type.String({ maxLength: 64, description: 'ISO 8601' })),
  endsAt: OrNull(Type.String({ maxLength: 64, description: 'ISO 8601' })),
  cron: OrNull(Type.String({ maxLength: 200, description: 'Recurring: when each window opens, e.g. 0 2 * * 6' })),
  timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone of the cron expression' }),
  durationMinutes: OrNull(Type.Integer({ minimum: 1, maximum: 525_600 })),
  reason: Type.String({ minLength: 1, maxLength: 1000 }),
};

const sp = suppressionBodyProperties;
const suppressionOptional = {
  ruleId: Type.Optional(sp.ruleId),
  domain: Type.Optional(sp.domain),
  subject: Type.Optional(sp.subject),
  all: Type.Optional(sp.all),
  startsAt: Type.Optional(sp.startsAt),
  endsAt: Type.Optional(sp.endsAt),
  cron: Type.Optional(sp.cron),
  timezone: Type.Optional(sp.timezone),
  durationMinutes: Type.Optional(sp.durationMinutes),
};

export const SuppressionCreateBody = Type.Object(
  { ...suppressionOptional, reason: sp.reason },
  { additionalProperties: false },
);

export const SuppressionPatchBody = Type.Object(
  { ...suppressionOptional, reason: Type.Optional(sp.reason) },
  { additionalProperties: false, minProperties: 1 },
);
