// The digests' bodies: what an admin sends (the shape here; addresses, the time zone and the domains are checked
// by exports/digests/admin.ts) and what every answer shows, with the latest runs.
import { Type } from 'typebox';
import { DateTimeString, Nullable } from './common.js';

const LocalDate = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  description: "Local date (the digest's time zone)",
});

export const Cadence = Type.Union([Type.Literal('daily'), Type.Literal('weekly'), Type.Literal('monthly')], {
  description: 'daily: the previous day; weekly: the previous ISO week (Monday–Sunday); monthly: the previous month',
});

const fields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  recipients: Type.Array(Type.String({ minLength: 1, maxLength: 254 }), {
    minItems: 1,
    maxItems: 50,
    description: 'E-mail addresses',
  }),
  domains: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
    maxItems: 100,
    description: "Policy domains of the organisation; empty: all of the organisation's",
  }),
  cadence: Cadence,
  timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' }),
  sendHour: Type.Integer({
    minimum: 0,
    maximum: 23,
    description: 'Local hour from which the digest of a completed period is sent (default 8)',
  }),
  attachPdf: Type.Boolean({
    description: 'Attach the PDF report of the period (one per domain when domains are named)',
  }),
  enabled: Type.Boolean(),
};

export const DigestRunBody = Type.Object({
  periodStart: LocalDate,
  periodEnd: LocalDate,
  recipient: Type.String(),
  status: Type.Union([Type.Literal('sending'), Type.Literal('sent'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  error: Nullable(Type.String()),
  claimedAt: DateTimeString,
  sentAt: Nullable(DateTimeString),
});

export const DigestBody = Type.Object({
  id: Type.Integer(),
  ...fields,
  createdAt: DateTimeString,
  updatedAt: DateTimeString,
  /** The latest scheduled sends (send-now ones are not recorded). */
  runs: Type.Array(DigestRunBody, { description: 'The latest scheduled sends, newest first (at most 20)' }),
});

export const CreateDigestBody = Type.Object(
  {
    name: fields.name,
    recipients: fields.recipients,
    domains: Type.Optional(fields.domains),
    cadence: fields.cadence,
    timeZone: Type.Optional(fields.timeZone),
    sendHour: Type.Optional(fields.sendHour),
    attachPdf: Type.Optional(fields.attachPdf),
    enabled: Type.Optional(fields.enabled),
  },
  { additionalProperties: false },
);

export const ChangeDigestBody = Type.Object(
  {
    name: Type.Optional(fields.name),
    recipients: Type.Optional(fields.recipients),
    domains: Type.Optional(fields.domains),
    cadence: Type.Optional(fields.cadence),
    timeZone: Type.Optional(fields.timeZone),
    sendHour: Type.Optional(fields.sendHour),
    attachPdf: Type.Optional(fields.attachPdf),
    enabled: Type.Optional(fields.enabled),
  },
  { additionalProperties: false },
);

export const DigestSendResult = Type.Object({
  period: Type.Object({ start: LocalDate, end: LocalDate }),
  outcomes: Type.Array(
    Type.Object({
      recipient: Type.String(),
      status: Type.Union([Type.Literal('sent'), Type.Literal('failed')]),
      error: Nullable(Type.String({ description: 'Why it was not delivered (no secrets)' })),
    }),
  ),
});

export const DigestIdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
