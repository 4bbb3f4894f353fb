// Splunk HTTP Event Collector: POST <url>/services/collector/event with `Authorization: Splunk <token>`, the batch
// as concatenated JSON event objects ({time, host, source, sourcetype, index?, event}); Splunk answers
// {"text":"Success","code":0}. 400 (malformed data) refuses the batch for good; 401/403 (token) and 503/429
// (busy, queue full) and other 5xx are retried with the output's backoff (a fixed token must not lose the
// backlog). HEC does not deduplicate: a batch re-sent after a lost answer arrives twice (at-least-once); every
// event carries event_id for `| dedup event_id`.
import os from 'node:os';
import { z } from 'zod';
import { BatchRejectedError, OUTPUT_ANSWER_BYTES, defineOutput } from './define.js';
import { eventTime } from './event.js';
import { guardedPost, isRetryableStatus, statusText } from '../alerts/channels/http.js';

const config = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    token: z.string().min(1, 'is required').max(500),
    index: z.string().min(1).max(200).optional(),
    sourcetype: z.string().min(1).max(200).optional(),
    source: z.string().min(1).max(200).optional(),
    allowInsecure: z.boolean().optional(),
  })
  .strict();
export type SplunkHecConfig = z.infer<typeof config>;

export function collectorUrl(base: string): string {
  const u = new URL(base);
  if (!/\/services\/collector(\/event)?\/?$/.test(u.pathname)) {
    u.pathname = `${u.pathname.replace(/\/$/, '')}/services/collector/event`;
  }
  return u.toString();
}

export const splunkHecOutput = defineOutput<SplunkHecConfig>()({
  name: 'splunk_hec',
  title: 'Splunk HTTP Event Collector',
  config,
  maskConfig: (c) => ({ ...c, token: '••••' }),
  secrets: (c) => [c.token],
  target: (c) => ({ url: c.url }),
  send: async (settings, c, events) => {
    const now = new Date();
    const body = events
      .map((e) =>
        JSON.stringify({
          time: eventTime(e, now),
          host: os.hostname(),
          source: c.source ?? 'dmarc-report-processor',
          sourcetype: c.sourcetype ?? 'dmarc:aggregate',
          ...(c.index ? { index: c.index } : {}),
          event: e,
        }),
      )
      .join('\n');
    const a = await guardedPost(
      settings,
      collectorUrl(c.url),
      body,
      { authorization: `Splunk ${c.token}` },
      { maxAnswerBytes: OUTPUT_ANSWER_BYTES, ...(c.allowInsecure ? { rejectUnauthorized: false } : {}) },
    );
    if (a.status >= 200 && a.status < 300) return;
    if (a.status === 400) throw new BatchRejectedError(`Splunk refused the batch: ${statusText(a)}`);
    if (isRetryableStatus(a.status) || a.status === 401 || a.status === 403) throw new Error(statusText(a));
    throw new BatchRejectedError(`Splunk refused the batch: ${statusText(a)}`);
  },
});
