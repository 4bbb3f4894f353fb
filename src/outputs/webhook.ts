// A generic webhook: POST {"events": [...]} as JSON, signed like the alert webhook channel when a secret is set
// (X-DMARC-Signature: sha256=<hex HMAC-SHA256 of the raw body>), with the admin's extra headers. 2xx: taken;
// 408/429/5xx: retried with the output's backoff; other 4xx: the batch is refused (recorded). The URL and the
// secret are shown masked (a webhook URL often is the credential), header values too.
import { z } from 'zod';
import { maskUrl } from '../alerts/channels/define.js';
import { SIGNATURE_HEADER, signature } from '../alerts/channels/webhook.js';
import { BatchRejectedError, OUTPUT_ANSWER_BYTES, defineOutput } from './define.js';
import { guardedPost, isRetryableStatus, statusText } from '../alerts/channels/http.js';

const RESERVED = new Set(['content-type', 'content-length', 'host', 'x-dmarc-signature', 'transfer-encoding']);

const config = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    secret: z.string().min(16, 'must be at least 16 characters').max(500).optional(),
    headers: z
      .record(
        z.string(),
        z
          .string()
          .max(2000)
          .regex(/^[^\r\n]*$/, 'must be one line'),
      )
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const h of Object.keys(c.headers ?? {})) {
      const path = ['headers', h];
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/.test(h))
        ctx.addIssue({ code: 'custom', path, message: 'must be a header name' });
      else if (RESERVED.has(h.toLowerCase()))
        ctx.addIssue({ code: 'custom', path, message: 'is set by the output itself' });
    }
  });
export type WebhookOutputConfig = z.infer<typeof config>;

export const webhookOutput = defineOutput<WebhookOutputConfig>()({
  name: 'webhook',
  title: 'Webhook (JSON batches, signed)',
  config,
  maskConfig: (c) => ({
    url: maskUrl(c.url),
    ...(c.secret ? { secret: '••••' } : {}),
    ...(c.headers ? { headers: Object.fromEntries(Object.keys(c.headers).map((k) => [k, '••••'])) } : {}),
  }),
  secrets: (c) => [
    c.url,
    new URL(c.url).pathname + new URL(c.url).search,
    ...(c.secret ? [c.secret] : []),
    ...Object.values(c.headers ?? {}),
  ],
  target: (c) => ({ url: c.url }),
  send: async (settings, c, events) => {
    const body = JSON.stringify({ events });
    const a = await guardedPost(
      settings,
      c.url,
      body,
      {
        ...(c.headers ?? {}),
        ...(c.secret ? { [SIGNATURE_HEADER]: signature(c.secret, body) } : {}),
        'X-DMARC-Event': 'dmarc.aggregate.records',
      },
      { maxAnswerBytes: OUTPUT_ANSWER_BYTES },
    );
    if (a.status >= 200 && a.status < 300) return;
    if (isRetryableStatus(a.status)) throw new Error(statusText(a));
    throw new BatchRejectedError(`the webhook refused the batch: ${statusText(a)}`);
  },
});
