// Microsoft Teams: a Workflows webhook ("Send webhook alerts to a channel"; the older incoming webhooks take the
// same body), sent a message with one Adaptive Card attachment (contentType application/vnd.microsoft.card.adaptive):
// a title, the lead and the facts as a FactSet. A critical alert is marked urgent: the card opens with an
// "URGENT" line in the attention colour inside an attention-styled container. A summary's link is an
// Action.OpenUrl button. The webhook URL is the secret.
import { z } from 'zod';
import { defineChannel, maskUrl } from './define.js';
import { postJson } from './http.js';
import { absoluteLink, factsOf, leadOf, titleOf, type Notification } from './message.js';

const config = z.object({ url: z.url({ protocol: /^https?$/ }).max(4000) }).strict();
export type TeamsConfig = z.infer<typeof config>;

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** The webhook body of a notification: a message with one Adaptive Card. */
export function teamsMessage(n: Notification) {
  const urgent = n.severity === 'critical' && n.event !== 'resolved';
  const heading = {
    type: 'Container',
    style: urgent ? 'attention' : n.event === 'resolved' ? 'good' : 'emphasis',
    items: [
      ...(urgent ? [{ type: 'TextBlock', text: 'URGENT', weight: 'Bolder', color: 'Attention', wrap: true }] : []),
      { type: 'TextBlock', text: titleOf(n), weight: 'Bolder', size: 'Medium', wrap: true },
    ],
  };
  const link = absoluteLink(n);
  return {
    type: 'message',
    attachments: [
      {
        contentType: ADAPTIVE_CARD_CONTENT_TYPE,
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body: [
            heading,
            { type: 'TextBlock', text: leadOf(n), wrap: true },
            { type: 'FactSet', facts: factsOf(n).map((f) => ({ title: f.label, value: f.value })) },
          ],
          ...(link ? { actions: [{ type: 'Action.OpenUrl', title: 'Open these alerts', url: link }] } : {}),
        },
      },
    ],
  };
}

export const teamsChannel = defineChannel<TeamsConfig>()({
  name: 'teams',
  title: 'Microsoft Teams (Workflows webhook, Adaptive Card)',
  config,
  maskConfig: (c) => ({ url: maskUrl(c.url) }),
  secrets: (c) => [c.url, new URL(c.url).pathname + new URL(c.url).search],
  targetUrl: (c) => c.url,
  send: async (settings, c, n) => {
    await postJson(settings, c.url, JSON.stringify(teamsMessage(n)));
  },
});
