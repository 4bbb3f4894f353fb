// Slack: an incoming webhook (https://hooks.slack.com/services/...), sent a Block Kit message — a header, the
// lead as a section, the facts as the section's fields (Slack takes at most 10, of at most 2,000 characters), a
// context line — with `text` as the fallback shown in notifications; a summary's link as a button (an actions
// block; a button's URL may be 3,000 characters). The webhook URL is the secret.
import { z } from 'zod';
import { clip, defineChannel, maskUrl } from './define.js';
import { postJson } from './http.js';
import { absoluteLink, factsOf, leadOf, titleOf, type Notification } from './message.js';

const config = z.object({ url: z.url({ protocol: /^https?$/ }).max(2000) }).strict();
export type SlackConfig = z.infer<typeof config>;

const EMOJI = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' } as const;

/** The Block Kit message of a notification. */
export function slackMessage(n: Notification) {
  const title = titleOf(n);
  const link = absoluteLink(n);
  const open =
    link && link.length <= 3000
      ? [
          {
            type: 'actions',
            elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open these alerts' }, url: link }],
          },
        ]
      : [];
  return {
    text: clip(`${title}: ${leadOf(n)}`, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(`${EMOJI[n.severity]} ${title}`, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(leadOf(n), 3000) } },
      {
        type: 'section',
        fields: factsOf(n)
          .slice(0, 10)
          .map((f) => ({ type: 'mrkdwn', text: clip(`*${f.label}*\n${f.value}`, 2000) })),
      },
      ...open,
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: clip(`DMARC report platform · ${n.at.toISOString()}`, 3000) }],
      },
    ],
  };
}

export const slackChannel = defineChannel<SlackConfig>()({
  name: 'slack',
  title: 'Slack (incoming webhook)',
  config,
  maskConfig: (c) => ({ url: maskUrl(c.url) }),
  secrets: (c) => [c.url, new URL(c.url).pathname],
  targetUrl: (c) => c.url,
  send: async (settings, c, n) => {
    await postJson(settings, c.url, JSON.stringify(slackMessage(n)));
  },
});
