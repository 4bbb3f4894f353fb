// Elasticsearch / OpenSearch: POST <url>/_bulk (NDJSON: an `index` action line then the document, per event),
// one index per month of the report's period (`<indexPrefix>-YYYY.MM`), the event_id as the document _id — so
// that a re-send overwrites the same document and every record is there exactly once. Basic auth
// (username/password) or `Authorization: ApiKey <apiKey>`. The answer's `errors: true` means some items failed:
// items with 429 or 5xx are sent again later (with the output's backoff), other 4xx items are refused for good
// (recorded with their reason); a non-2xx answer for the whole request is retried (5xx, 429, 401/403) or refused.
import { z } from 'zod';
import { BatchRejectedError, OUTPUT_ANSWER_BYTES, defineOutput, type EventOutcome } from './define.js';
import type { OutputEvent } from './event.js';
import { guardedPost, isRetryableStatus, statusText } from '../alerts/channels/http.js';

const config = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    indexPrefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,199}$/, 'must be lower-case letters, digits, "_", "-" or "." (an index name)')
      .default('dmarc_aggregate'),
    username: z.string().min(1).max(200).optional(),
    password: z.string().min(1).max(500).optional(),
    apiKey: z.string().min(1).max(1000).optional(),
    allowInsecure: z.boolean().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.apiKey && (c.username || c.password)) {
      ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'give either apiKey or username/password, not both' });
    }
    if ((c.username === undefined) !== (c.password === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'username and password go together' });
    }
  });
export type ElasticsearchConfig = z.infer<typeof config>;

/** prefix-YYYY.MM of the event's period begin (of now when unknown). */
export function indexOf(prefix: string, e: OutputEvent, now: Date): string {
  const month = e.begin_date ? e.begin_date.slice(0, 7) : now.toISOString().slice(0, 7);
  return `${prefix}-${month.replace('-', '.')}`;
}

interface BulkItem {
  status?: number;
  error?: { type?: string; reason?: string };
}

function authorization(c: ElasticsearchConfig): Record<string, string> {
  if (c.apiKey) return { authorization: `ApiKey ${c.apiKey}` };
  if (c.username && c.password) {
    return { authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` };
  }
  return {};
}

export const elasticsearchOutput = defineOutput<ElasticsearchConfig>()({
  name: 'elasticsearch',
  title: 'Elasticsearch / OpenSearch (_bulk)',
  config,
  maskConfig: (c) => ({
    ...c,
    ...(c.password ? { password: '••••' } : {}),
    ...(c.apiKey ? { apiKey: '••••' } : {}),
  }),
  secrets: (c) => [c.password, c.apiKey].filter((x): x is string => !!x),
  target: (c) => ({ url: c.url }),
  send: async (settings, c, events) => {
    const now = new Date();
    const lines: string[] = [];
    for (const e of events) {
      lines.push(JSON.stringify({ index: { _index: indexOf(c.indexPrefix, e, now), _id: e.event_id } }));
      lines.push(JSON.stringify({ ...e, '@timestamp': e.begin_date ? `${e.begin_date.replace(' ', 'T')}Z` : null }));
    }
    const url = `${c.url.replace(/\/$/, '')}/_bulk`;
    const a = await guardedPost(
      settings,
      url,
      `${lines.join('\n')}\n`,
      { 'content-type': 'application/x-ndjson', ...authorization(c) },
      { maxAnswerBytes: OUTPUT_ANSWER_BYTES, ...(c.allowInsecure ? { rejectUnauthorized: false } : {}) },
    );
    if (a.status < 200 || a.status >= 300) {
      if (isRetryableStatus(a.status) || a.status === 401 || a.status === 403) throw new Error(statusText(a));
      throw new BatchRejectedError(`the bulk request was refused: ${statusText(a)}`);
    }
    let answer: { errors?: boolean; items?: Record<string, BulkItem>[] };
    try {
      answer = JSON.parse(a.body) as typeof answer;
    } catch {
      throw new Error('the _bulk answer is not JSON');
    }
    if (!answer.errors) return;
    const items = answer.items ?? [];
    if (items.length !== events.length)
      throw new Error(`the _bulk answer has ${items.length} items for ${events.length}`);
    return items.map((item): EventOutcome => {
      const r = Object.values(item)[0] ?? {};
      const status = r.status ?? 0;
      if (status >= 200 && status < 300) return { ok: true };
      const why = `${status} ${r.error?.type ?? ''}${r.error?.reason ? `: ${r.error.reason}` : ''}`.trim();
      return { ok: false, retry: isRetryableStatus(status), error: why.slice(0, 300) };
    });
  },
});
