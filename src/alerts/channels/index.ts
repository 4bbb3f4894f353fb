// The registry of channel types: one file per type in this folder (see define.ts for what it exports), listed here
// once. Adding a type is adding its file and its line below; the API, the delivery and the documentation read
// this list.
import type { ChannelType } from './define.js';
import { discordChannel } from './discord.js';
import { emailChannel } from './email.js';
import { slackChannel } from './slack.js';
import { teamsChannel } from './teams.js';
import { webhookChannel } from './webhook.js';

export const CHANNEL_TYPES = [emailChannel, slackChannel, discordChannel, teamsChannel, webhookChannel] as const;

export type ChannelTypeName = (typeof CHANNEL_TYPES)[number]['name'];
export const CHANNEL_TYPE_NAMES: readonly ChannelTypeName[] = CHANNEL_TYPES.map((c) => c.name);

/** A channel type with its configuration's type erased: what the delivery and the API handle. */
export type AnyChannelType = ChannelType<string, Record<string, unknown>>;

export function channelTypeNamed(name: string): AnyChannelType | undefined {
  return (CHANNEL_TYPES as readonly unknown[] as readonly AnyChannelType[]).find((c) => c.name === name);
}

/** A stored channel's configuration as answers and logs show it (an unknown type or a broken one: nothing). */
export function maskedConfig(type: string, config: Record<string, unknown>): Record<string, unknown> {
  const t = channelTypeNamed(type);
  const parsed = t?.config.safeParse(config);
  return t && parsed?.success ? t.maskConfig(parsed.data) : {};
}

/** `text` with every secret of the channel's configuration (and `extra` ones) replaced by •••• (errors, logs). */
export function scrub(
  type: string,
  config: Record<string, unknown>,
  text: string,
  extra: readonly (string | null | undefined)[] = [],
): string {
  const t = channelTypeNamed(type);
  const parsed = t?.config.safeParse(config);
  const secrets = [...(t && parsed?.success ? t.secrets(parsed.data) : []), ...extra.filter((x): x is string => !!x)];
  let out = text;
  for (const s of secrets.filter((x) => x.length >= 8).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join('••••');
  }
  return out;
}
