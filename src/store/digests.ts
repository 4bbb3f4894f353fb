// digests and digest_runs (migration 013): an organisation's scheduled e-mail digests and the record of each one
// sent or tried, per period and recipient. Claiming a run row is what makes a send happen at most once per
// (digest, period, recipient): claimRun inserts it or takes over a failed one, in one statement, and only the
// caller that got a row back sends.
import { uniqueName } from './alert-rules.js';
import type { Queryable } from './database.js';

export type DigestCadence = 'daily' | 'weekly' | 'monthly';

export interface Digest {
  id: number;
  orgId: number;
  name: string;
  recipients: string[];
  domains: string[];
  cadence: DigestCadence;
  timeZone: string;
  sendHour: number;
  attachPdf: boolean;
  enabled: boolean;
  createdBy: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export type DigestFields = Pick<
  Digest,
  'name' | 'recipients' | 'domains' | 'cadence' | 'timeZone' | 'sendHour' | 'attachPdf' | 'enabled'
>;

// text[] as JSON: both drivers then give plain arrays
const COLUMNS = `id, org_id AS "orgId", name, to_jsonb(recipients) AS recipients, to_jsonb(domains) AS domains, cadence,
  time_zone AS "timeZone", send_hour AS "sendHour", attach_pdf AS "attachPdf", enabled, created_by AS "createdBy",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

export async function listDigests(db: Queryable, orgId: number): Promise<Digest[]> {
  return (await db.query<Digest>(`SELECT ${COLUMNS} FROM digests WHERE org_id = $1 ORDER BY id`, [orgId])).rows;
}

/** The organisation's enabled digests (the send-digests task). */
export async function listEnabledDigests(db: Queryable, orgId: number): Promise<Digest[]> {
  return (await db.query<Digest>(`SELECT ${COLUMNS} FROM digests WHERE org_id = $1 AND enabled ORDER BY id`, [orgId]))
    .rows;
}

/** The organisations with at least one enabled digest. */
export async function orgsWithDigests(db: Queryable): Promise<number[]> {
  return (
    await db.query<{ id: number }>('SELECT DISTINCT org_id AS id FROM digests WHERE enabled ORDER BY 1')
  ).rows.map((r) => r.id);
}

export async function getDigest(db: Queryable, orgId: number, id: number): Promise<Digest | undefined> {
  return (await db.query<Digest>(`SELECT ${COLUMNS} FROM digests WHERE org_id = $1 AND id = $2`, [orgId, id])).rows[0];
}

export async function insertDigest(
  db: Queryable,
  orgId: number,
  f: DigestFields,
  createdBy: number | null,
  at: Date,
): Promise<Digest> {
  return uniqueName('digest', f.name, async () => {
    const r = await db.query<Digest>(
      `INSERT INTO digests (org_id, name, recipients, domains, cadence, time_zone, send_hour, attach_pdf, enabled,
         created_by, created_at, updated_at)
       VALUES ($1, $2, $3::text[], $4::text[], $5, $6, $7, $8, $9, $10, $11, $11) RETURNING ${COLUMNS}`,
      [
        orgId,
        f.name,
        f.recipients,
        f.domains,
        f.cadence,
        f.timeZone,
        f.sendHour,
        f.attachPdf,
        f.enabled,
        createdBy,
        at,
      ],
    );
    return r.rows[0]!;
  });
}

export async function updateDigest(
  db: Queryable,
  orgId: number,
  id: number,
  f: DigestFields,
  at: Date,
): Promise<Digest | undefined> {
  return uniqueName('digest', f.name, async () => {
    const r = await db.query<Digest>(
      `UPDATE digests SET name = $3, recipients = $4::text[], domains = $5::text[], cadence = $6, time_zone = $7,
         send_hour = $8, attach_pdf = $9, enabled = $10, updated_at = $11
       WHERE org_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [orgId, id, f.name, f.recipients, f.domains, f.cadence, f.timeZone, f.sendHour, f.attachPdf, f.enabled, at],
    );
    return r.rows[0];
  });
}

export async function deleteDigest(db: Queryable, orgId: number, id: number): Promise<boolean> {
  return (await db.query('DELETE FROM digests WHERE org_id = $1 AND id = $2', [orgId, id])).rowCount > 0;
}

// ---- runs ----

export type DigestRunStatus = 'sending' | 'sent' | 'failed';

export interface DigestRun {
  id: number;
  digestId: number;
  periodStart: string;
  periodEnd: string;
  recipient: string;
  status: DigestRunStatus;
  attempts: number;
  error: string | null;
  claimedAt: Date;
  sentAt: Date | null;
}

const RUN_COLUMNS = `id, digest_id AS "digestId", to_char(period_start, 'YYYY-MM-DD') AS "periodStart",
  to_char(period_end, 'YYYY-MM-DD') AS "periodEnd", recipient, status, attempts, error, claimed_at AS "claimedAt",
  sent_at AS "sentAt"`;

export interface RunKey {
  orgId: number;
  digestId: number;
  periodStart: string;
  periodEnd: string;
  recipient: string;
}

/**
 * Claims the run of (digest, period, recipient) for sending: a new row, or a failed one with fewer than
 * `maxAttempts` attempts, or one left 'sending' since before `staleBefore` (its sender died mid-send). Returns the
 * claimed row, or undefined when another sender has it or it is done (sent, or out of attempts).
 */
export async function claimRun(
  db: Queryable,
  k: RunKey,
  o: { at: Date; maxAttempts: number; staleBefore: Date },
): Promise<DigestRun | undefined> {
  const inserted = await db.query<DigestRun>(
    `INSERT INTO digest_runs (digest_id, org_id, period_start, period_end, recipient, status, attempts, claimed_at)
     VALUES ($1, $2, $3::date, $4::date, $5, 'sending', 1, $6)
     ON CONFLICT ON CONSTRAINT digest_runs_once DO NOTHING RETURNING ${RUN_COLUMNS}`,
    [k.digestId, k.orgId, k.periodStart, k.periodEnd, k.recipient, o.at],
  );
  if (inserted.rows[0]) return inserted.rows[0];
  const retried = await db.query<DigestRun>(
    `UPDATE digest_runs SET status = 'sending', attempts = attempts + 1, claimed_at = $6, error = NULL
     WHERE digest_id = $1 AND org_id = $2 AND period_start = $3::date AND recipient = $4 AND attempts < $5
       AND (status = 'failed' OR (status = 'sending' AND claimed_at < $7))
     RETURNING ${RUN_COLUMNS}`,
    [k.digestId, k.orgId, k.periodStart, k.recipient, o.maxAttempts, o.at, o.staleBefore],
  );
  return retried.rows[0];
}

export async function finishRun(
  db: Queryable,
  orgId: number,
  runId: number,
  outcome: { status: 'sent'; at: Date } | { status: 'failed'; error: string },
): Promise<void> {
  await db.query(`UPDATE digest_runs SET status = $3, sent_at = $4, error = $5 WHERE org_id = $1 AND id = $2`, [
    orgId,
    runId,
    outcome.status,
    outcome.status === 'sent' ? outcome.at : null,
    outcome.status === 'failed' ? outcome.error : null,
  ]);
}

/** The digest's latest runs, newest first. */
export async function listRuns(db: Queryable, orgId: number, digestId: number, limit: number): Promise<DigestRun[]> {
  return (
    await db.query<DigestRun>(
      `SELECT ${RUN_COLUMNS} FROM digest_runs WHERE org_id = $1 AND digest_id = $2 ORDER BY id DESC LIMIT $3`,
      [orgId, digestId, limit],
    )
  ).rows;
}

// ---- what a digest reports besides the analytics ----

export interface FailedFile {
  id: number;
  name: string;
  source: string;
  receivedAt: Date;
  error: string | null;
}

/** The organisation's files that failed to import and were received in [from, to) (at most `limit`, newest first). */
export async function failedFilesBetween(
  db: Queryable,
  orgId: number,
  from: Date,
  to: Date,
  limit: number,
): Promise<{ items: FailedFile[]; total: number }> {
  const r = await db.query<FailedFile & { total: number }>(
    `SELECT id, name, source, received_at AS "receivedAt", error, count(*) OVER () AS total
     FROM ingested_files WHERE org_id = $1 AND status = 'failed' AND received_at >= $2 AND received_at < $3
     ORDER BY received_at DESC, id DESC LIMIT $4`,
    [orgId, from, to, limit],
  );
  return {
    items: r.rows.map(({ total: _total, ...f }) => f),
    total: r.rows[0]?.total ?? 0,
  };
}
