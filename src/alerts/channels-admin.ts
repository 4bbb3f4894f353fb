// Managing an organisation's notification channels (admins): the configuration checked against the channel
// type's schema, a webhook kind's URL checked against the private-address guard, every change in the audit log
// (with the configuration masked), a deleted channel taken out of the rules that named it, and the test button
// (a test message sent now, its outcome answered and audited). A PATCH's config is merged over the stored one
// (channels/stored-config.ts): a masked value sent back keeps the stored secret.
import {
  deleteChannel,
  getChannel,
  insertChannel,
  updateChannel,
  type AlertChannel,
  type ChannelFields,
} from '../store/alert-channels.js';
import { removeChannelFromRules } from '../store/alert-rules.js';
import type { Database, Queryable } from '../store/database.js';
import { getOrg } from '../store/organizations.js';
import { CHANNEL_TYPE_NAMES, channelTypeNamed, maskedConfig, scrub } from './channels/index.js';
import { PermanentDeliveryError, type SendSettings } from './channels/define.js';
import { TargetRefusedError, checkTarget } from './channels/guard.js';
import { auditTarget, mergeOverStored } from './channels/stored-config.js';
import { testNotification, type Notification } from './channels/message.js';
import type { Actor } from './lifecycle.js';
import { fieldErrors, InvalidAlertInput, invalid } from './validation.js';

export interface ChannelInput {
  name?: string;
  type?: string;
  config?: Record<string, unknown>;
  enabled?: boolean;
}

/** The channel's fields after checking `input` (merged over `base` for an update). */
export async function channelFields(
  input: ChannelInput,
  settings: Pick<SendSettings, 'allowPrivate'>,
  base?: AlertChannel,
): Promise<ChannelFields> {
  const typeName = input.type ?? base?.type;
  const type = typeName !== undefined ? channelTypeNamed(typeName) : undefined;
  if (!type) throw invalid('type', `must be one of ${CHANNEL_TYPE_NAMES.join(', ')}`);
  const parsed = type.config.safeParse(
    mergeOverStored(type.name, input.config, base, (c) => maskedConfig(c.type, c.config)),
  );
  if (!parsed.success) throw new InvalidAlertInput(fieldErrors('config', parsed.error));
  const url = type.targetUrl(parsed.data);
  if (url !== null) {
    try {
      await checkTarget(url, settings.allowPrivate);
    } catch (err) {
      if (err instanceof TargetRefusedError) throw invalid('config.url', err.message);
      throw err;
    }
  }
  const name = (input.name ?? base?.name)?.trim();
  if (!name) throw invalid('name', 'is required');
  return { name, type: type.name, config: parsed.data, enabled: input.enabled ?? base?.enabled ?? true };
}

const auditChannel = (
  db: Queryable,
  orgId: number,
  actor: Actor,
  action: string,
  ch: AlertChannel,
  at: Date,
  extra: Record<string, unknown> = {},
  outcome: 'success' | 'failure' = 'success',
) => auditTarget(db, 'alert_channel', orgId, actor, action, ch, maskedConfig(ch.type, ch.config), at, extra, outcome);

export async function createChannel(
  db: Database,
  orgId: number,
  input: ChannelInput,
  actor: Actor,
  at: Date,
  settings: Pick<SendSettings, 'allowPrivate'>,
): Promise<AlertChannel> {
  const fields = await channelFields(input, settings);
  return db.transaction(async (tx) => {
    const ch = await insertChannel(tx, orgId, fields, at);
    await auditChannel(tx, orgId, actor, 'created', ch, at);
    return ch;
  });
}

export async function changeChannel(
  db: Database,
  orgId: number,
  id: number,
  input: ChannelInput,
  actor: Actor,
  at: Date,
  settings: Pick<SendSettings, 'allowPrivate'>,
): Promise<AlertChannel | undefined> {
  const base = await getChannel(db, orgId, id);
  if (!base) return undefined;
  const fields = await channelFields(input, settings, base);
  return db.transaction(async (tx) => {
    const ch = await updateChannel(tx, orgId, id, fields, at);
    if (ch) await auditChannel(tx, orgId, actor, 'updated', ch, at);
    return ch;
  });
}

/** Deletes the channel and takes it out of the rules; its past deliveries keep its name and type. */
export async function removeChannel(db: Database, orgId: number, id: number, actor: Actor, at: Date) {
  return db.transaction(async (tx) => {
    const ch = await getChannel(tx, orgId, id);
    if (!ch) return false;
    await removeChannelFromRules(tx, orgId, id);
    await deleteChannel(tx, orgId, id);
    await auditChannel(tx, orgId, actor, 'deleted', ch, at);
    return true;
  });
}

export interface TestOutcome {
  delivered: boolean;
  /** Why it was not (secrets scrubbed); null when delivered. */
  error: string | null;
}

/** Sends a test message to the channel now (undefined: no such channel); the outcome is audited. */
export async function testChannel(
  db: Database,
  orgId: number,
  id: number,
  actor: Actor,
  at: Date,
  settings: SendSettings,
): Promise<TestOutcome | undefined> {
  const ch = await getChannel(db, orgId, id);
  if (!ch) return undefined;
  const outcome = await sendTo(ch, testNotification((await getOrg(db, orgId))?.name ?? '', at), settings);
  await auditChannel(
    db,
    orgId,
    actor,
    'tested',
    ch,
    at,
    outcome.error ? { error: outcome.error } : {},
    outcome.delivered ? 'success' : 'failure',
  );
  return outcome;
}

/** Sends one notification to a channel; the outcome, with secrets scrubbed from the error. */
export async function sendTo(
  ch: Pick<AlertChannel, 'type' | 'config'>,
  n: Notification,
  settings: SendSettings,
): Promise<TestOutcome & { permanent: boolean }> {
  const type = channelTypeNamed(ch.type);
  if (!type) return { delivered: false, error: `unknown channel type '${ch.type}'`, permanent: true };
  const parsed = type.config.safeParse(ch.config);
  if (!parsed.success) return { delivered: false, error: 'the channel configuration is not valid', permanent: true };
  try {
    await type.send(settings, parsed.data, n);
    return { delivered: true, error: null, permanent: false };
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    const permanent = err instanceof PermanentDeliveryError;
    return {
      delivered: false,
      error: scrub(ch.type, ch.config, text, [settings.smtp?.password, settings.smtp?.url]).slice(0, 500),
      permanent,
    };
  }
}
