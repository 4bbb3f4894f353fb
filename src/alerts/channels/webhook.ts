// A generic webhook: the notification as JSON (notificationJson), signed — X-DMARC-Signature: sha256=<hex
// HMAC-SHA256 of the raw body with the channel's secret> — so that the receiver can tell it came from here. The
// URL and the secret are both shown masked.
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { defineChannel, maskUrl } from './define.js';
import { postJson } from './http.js';
import { notificationJson } from './message.js';

const config = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    secret: z.string().min(16, 'must be at least 16 characters').max(500),
  })
  .strict();
export type WebhookConfig = z.infer<typeof config>;

export const SIGNATURE_HEADER = 'X-DMARC-Signature';

/** sha256=<hex HMAC-SHA256 of body with secret> */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export const webhookChannel = defineChannel<WebhookConfig>()({
  name: 'webhook',
  title: 'Webhook (signed JSON)',
  config,
  maskConfig: (c) => ({ url: maskUrl(c.url), secret: '••••' }),
  secrets: (c) => [c.url, new URL(c.url).pathname + new URL(c.url).search, c.secret],
  targetUrl: (c) => c.url,
  send: async (settings, c, n) => {
    const body = JSON.stringify(notificationJson(n));
    await postJson(settings, c.url, body, { [SIGNATURE_HEADER]: signature(c.secret, body), 'X-DMARC-Event': n.event });
  },
});
