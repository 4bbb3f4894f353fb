// Discord: a channel webhook (https://discord.com/api/webhooks/<id>/<token>), sent one embed within Discord's
// documented limits — title 256, description 4,096, at most 25 fields (name 256, value 1,024), footer 2,048, and
// 6,000 characters for all of them together. A summary's link is the embed's URL (its title links it). The
// webhook URL (its token) is the secret.
import { z } from 'zod';
import { clip, defineChannel, maskUrl } from './define.js';
import { postJson } from './http.js';
import { absoluteLink, factsOf, leadOf, titleOf, type Notification } from './message.js';

const config = z.object({ url: z.url({ protocol: /^https?$/ }).max(2000) }).strict();
export type DiscordConfig = z.infer<typeof config>;

export const DISCORD_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
} as const;

const COLORS = { info: 0x3b82f6, warning: 0xf59e0b, critical: 0xdc2626, resolved: 0x16a34a } as const;

/** The characters Discord counts against the 6,000 of a message's embeds. */
export function embedLength(e: {
  title?: string;
  description?: string;
  fields?: { name: string; value: string }[];
  footer?: { text: string };
}): number {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.fields ?? []).reduce((s, f) => s + f.name.length + f.value.length, 0) +
    (e.footer?.text.length ?? 0)
  );
}

/** The webhook body of a notification: one embed, every part within its limit and the whole within 6,000. */
export function discordMessage(n: Notification) {
  const L = DISCORD_LIMITS;
  const title = clip(titleOf(n), L.title);
  const footer = { text: clip('DMARC report platform', L.footer) };
  const fields = factsOf(n)
    .slice(0, L.fields)
    .map((f) => ({ name: clip(f.label, L.fieldName), value: clip(f.value || '-', L.fieldValue), inline: true }));
  const room = L.total - embedLength({ title, fields, footer });
  const description = clip(leadOf(n), Math.max(1, Math.min(L.description, room)));
  const link = absoluteLink(n);
  return {
    username: 'DMARC alerts',
    embeds: [
      {
        title,
        ...(link ? { url: link } : {}),
        description,
        color: n.event === 'resolved' ? COLORS.resolved : COLORS[n.severity],
        fields,
        footer,
        timestamp: n.at.toISOString(),
      },
    ],
    allowed_mentions: { parse: [] as string[] },
  };
}

export const discordChannel = defineChannel<DiscordConfig>()({
  name: 'discord',
  title: 'Discord (webhook)',
  config,
  maskConfig: (c) => ({ url: maskUrl(c.url) }),
  secrets: (c) => [c.url, new URL(c.url).pathname],
  targetUrl: (c) => c.url,
  send: async (settings, c, n) => {
    await postJson(settings, c.url, JSON.stringify(discordMessage(n)));
  },
});
