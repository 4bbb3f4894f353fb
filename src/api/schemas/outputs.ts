// The outputs' bodies: what an admin sends (the type's own configuration is checked by the output type's schema,
// src/outputs/<type>.ts) and what every answer shows — the configuration masked, with the output's state.
import { Type } from 'typebox';
import { OUTPUT_TYPE_NAMES } from '../../outputs/index.js';
import { DateTimeString, Nullable } from './common.js';

const TYPES = OUTPUT_TYPE_NAMES.join(', ');

export const OutputConfig = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'The type\'s settings. splunk_hec: {"url", "token", "index"?, "sourcetype"?, "source"?, "allowInsecure"?}; ' +
    'elasticsearch: {"url", "indexPrefix"?, "username"?+"password"? | "apiKey"?, "allowInsecure"?}; ' +
    'syslog: {"host", "port"?, "protocol": "udp"|"tcp"|"tls", "ca"? (PEM certificates), "allowInsecure"?, "appName"?, "facility"?}; ' +
    'webhook: {"url", "secret"? (X-DMARC-Signature: sha256=<hex HMAC-SHA256>), "headers"?}. Answers show secrets ' +
    'masked; in a PATCH, a key left out or sent back masked keeps its value, and so does a secret sent empty.',
});

export const OutputBody = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.String({ description: `One of ${TYPES}` }),
  config: OutputConfig,
  enabled: Type.Boolean(),
  state: Type.Union([Type.Literal('ok'), Type.Literal('backing-off'), Type.Literal('disabled'), Type.Literal('new')], {
    description: 'disabled; backing-off (the latest request failed, retried at retryAt); ok; new (nothing sent yet)',
  }),
  backlog: Type.Integer({ description: 'Reports queued and not yet (completely) sent' }),
  sent: Type.Integer({ description: 'Reports sent' }),
  rejected: Type.Integer({ description: 'Events the target refused for good' }),
  lastSuccessAt: Nullable(DateTimeString),
  lastError: Nullable(Type.String({ description: 'The latest failure (secrets masked)' })),
  lastErrorAt: Nullable(DateTimeString),
  retryAt: Nullable(DateTimeString),
  createdAt: DateTimeString,
  updatedAt: DateTimeString,
});

export const CreateOutputBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    type: Type.String({ minLength: 1, maxLength: 40, description: `One of ${TYPES}` }),
    config: OutputConfig,
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ChangeOutputBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: `One of ${TYPES}` })),
    config: Type.Optional(OutputConfig),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const OutputTestResult = Type.Object({
  delivered: Type.Boolean(),
  error: Nullable(Type.String({ description: 'Why the test event was not delivered (secrets masked)' })),
});

export const OutputIdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
