// ingest_failing: the organisation's reports are not coming in. Two subjects: 'files' — files have failed to be
// read since the last one that was read, the first of them at least `minutes` ago (within lookbackHours); and
// 'mailbox:<name>' — the fetches of an IMAP mailbox have failed (unreachable, refused login) since its last good
// one, the first failing fetch at least `minutes` ago (the fetch-imap runs of the task history).
import { z } from 'zod';
import { count } from '../days.js';
import { defineRule } from './define.js';

export const ingestFailingParams = z.strictObject({
  /** How long ingestion must have been failing. */
  minutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  /** Failures older than this are not looked at (a mailbox removed long ago is not failing). */
  lookbackHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24),
});
export type IngestFailingParams = z.output<typeof ingestFailingParams>;

const short = (text: string | null): string | null =>
  text === null ? null : text.length > 300 ? `${text.slice(0, 300)}…` : text;

const minutesAgo = (now: Date, t: Date): number => Math.floor((now.getTime() - t.getTime()) / 60_000);

export const ingestFailingRule = defineRule<IngestFailingParams>()({
  name: 'ingest_failing',
  title: 'Ingestion failing',
  description:
    'Files have failed to be read, or an IMAP mailbox could not be fetched, since the last success, for at ' +
    'least `minutes` minutes (failures of the last lookbackHours hours).',
  scope: 'organisation',
  params: ingestFailingParams,
  evaluate: async ({ db, orgId, now }, { params: p }) => {
    const since = new Date(now.getTime() - p.lookbackHours * 3_600_000);
    const due = new Date(now.getTime() - p.minutes * 60_000);
    const files = await db.query<{ failed: number; first: Date | null; error: string | null; name: string | null }>(
      `WITH ok AS (
         SELECT max(processed_at) AS at FROM ingested_files
         WHERE org_id = $1 AND status IN ('processed', 'duplicate') AND processed_at <= $3)
       SELECT count(*)::int AS failed, min(f.processed_at) AS first,
         (array_agg(f.error ORDER BY f.processed_at DESC))[1] AS error,
         (array_agg(f.name ORDER BY f.processed_at DESC))[1] AS name
       FROM ingested_files f, ok
       WHERE f.org_id = $1 AND f.status = 'failed' AND f.processed_at > $2 AND f.processed_at <= $3
         AND (ok.at IS NULL OR f.processed_at > ok.at)`,
      [orgId, since, now],
    );
    const breaches = [];
    const f = files.rows[0];
    if (f && f.failed > 0 && f.first !== null && f.first <= due) {
      breaches.push({
        domain: null,
        subject: 'files',
        summary:
          `${count(f.failed)} file${f.failed === 1 ? '' : 's'} failed to be read since the last good one, ` +
          `for ${minutesAgo(now, f.first)} minutes (latest: ${f.name ?? '?'}: ${short(f.error) ?? 'no reason'})`,
        figures: { failedFiles: f.failed, failingSince: f.first.toISOString(), latestError: short(f.error) },
      });
    }
    const mailboxes = await db.query<{ mailbox: string; failed: number; first: Date; error: string | null }>(
      `WITH runs AS (
         SELECT payload->>'mailbox' AS mailbox, state, error, queued_at,
           coalesce(finished_at, started_at, queued_at) AS at
         FROM task_runs
         WHERE org_id = $1 AND name = 'fetch-imap' AND payload->>'mailbox' IS NOT NULL
           AND queued_at > $2 AND queued_at <= $3),
       ok AS (SELECT mailbox, max(at) AS at FROM runs WHERE state = 'completed' GROUP BY mailbox)
       SELECT r.mailbox, count(*)::int AS failed, min(r.queued_at) AS first,
         (array_agg(r.error ORDER BY r.queued_at DESC))[1] AS error
       FROM runs r LEFT JOIN ok ON ok.mailbox = r.mailbox
       WHERE r.state IN ('failed', 'retrying') AND (ok.at IS NULL OR r.queued_at > ok.at)
       GROUP BY r.mailbox HAVING min(r.queued_at) <= $4
       ORDER BY r.mailbox`,
      [orgId, since, now, due],
    );
    for (const m of mailboxes.rows) {
      breaches.push({
        domain: null,
        subject: `mailbox:${m.mailbox}`,
        summary:
          `IMAP mailbox ${m.mailbox}: ${count(m.failed)} fetch${m.failed === 1 ? '' : 'es'} failed since the last ` +
          `good one, for ${minutesAgo(now, m.first)} minutes (${short(m.error) ?? 'no reason'})`,
        figures: {
          mailbox: m.mailbox,
          failedFetches: m.failed,
          failingSince: m.first.toISOString(),
          latestError: short(m.error),
        },
      });
    }
    return breaches;
  },
});
