// The alert channels' bodies: what an admin sends (the type's own configuration is checked by the channel type's
// schema, src/alerts/channels/<type>.ts) and what every answer shows — the configuration masked.
import { Type } from 'typebox';
import { CHANNEL_TYPE_NAMES } from '../../alerts/channels/index.js';
import { DateTimeString, Nullable } from './common.js';

const TYPES = CHANNEL_TYPE_NAMES.join(', ');

export const ChannelConfig = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'The type\'s settings: {"url"} for slack, discord and teams; {"url", "secret"} for webhook (the body is signed: ' +
    'X-DMARC-Signature: sha256=<hex HMAC-SHA256>); {"to": ["a@example.com"]} for email. Answers show secrets masked; ' +
    'in a PATCH, a key left out (or sent back masked) keeps its value.',
});

export const ChannelBody = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.String({ description: `One of ${TYPES}` }),
  config: ChannelConfig,
  enabled: Type.Boolean(),
  createdAt: DateTimeString,
  updatedAt: DateTimeString,
});

export const CreateChannelBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    type: Type.String({ minLength: 1, maxLength: 40, description: `One of ${TYPES}` }),
    config: ChannelConfig,
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ChangeChannelBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: `One of ${TYPES}` })),
    config: Type.Optional(ChannelConfig),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ChannelTestResult = Type.Object({
  delivered: Type.Boolean(),
  error: Nullable(Type.String({ description: 'Why the test message was not delivered (secrets masked)' })),
});

export const ChannelIdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
