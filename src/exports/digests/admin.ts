// Managing an organisation's digests (admins): what an admin sends checked beyond its shape (e-mail addresses,
// an IANA time zone known to Intl, domains the organisation has reports for), every change in the audit log,
// and "send now" (its outcome audited too). A PATCH keeps what it leaves out.
import { z } from 'zod';
import { audit } from '../../auth/audit.js';
import { AppError, type FieldError } from '../../model/errors.js';
import type { Database, Queryable } from '../../store/database.js';
import {
  deleteDigest,
  getDigest,
  insertDigest,
  updateDigest,
  type Digest,
  type DigestCadence,
  type DigestFields,
} from '../../store/digests.js';
import { listOrgDomains } from '../../store/organizations.js';
import { isTimeZone } from './period.js';
import { sendDigestNow, type DigestSettings, type RunOutcome } from './send.js';

export interface DigestInput {
  name?: string;
  recipients?: string[];
  domains?: string[];
  cadence?: DigestCadence;
  timeZone?: string;
  sendHour?: number;
  attachPdf?: boolean;
  enabled?: boolean;
}

export interface DigestActor {
  id: number;
  email: string;
  ip?: string;
}

const email = z.email();

function invalid(errors: FieldError[]): AppError {
  return new AppError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
}

const notFound = (id: number) => new AppError('digest_not_found', `no digest ${id} here`);

/** The digest's fields after checking `input` (over `base` for a change). */
export async function digestFields(
  db: Queryable,
  orgId: number,
  input: DigestInput,
  base?: Digest,
): Promise<DigestFields> {
  const errors: FieldError[] = [];
  const name = (input.name ?? base?.name ?? '').trim();
  if (!name) errors.push({ field: 'name', message: 'is required' });
  const recipients = [...new Set((input.recipients ?? base?.recipients ?? []).map((r) => r.trim()))];
  if (recipients.length === 0) errors.push({ field: 'recipients', message: 'needs at least one e-mail address' });
  recipients.forEach((r, i) => {
    if (r.length > 254 || !email.safeParse(r).success) {
      errors.push({ field: `recipients.${i}`, message: `'${r.slice(0, 80)}' is not an e-mail address` });
    }
  });
  const domains = [
    ...new Set((input.domains ?? base?.domains ?? []).map((d) => d.trim().toLowerCase().replace(/\.$/, ''))),
  ];
  if (input.domains !== undefined && domains.length > 0) {
    const known = new Set((await listOrgDomains(db, orgId)).map((d) => d.name));
    domains.forEach((d, i) => {
      if (!known.has(d))
        errors.push({ field: `domains.${i}`, message: `no reports for '${d.slice(0, 80)}' in this organisation` });
    });
  }
  const timeZone = input.timeZone ?? base?.timeZone ?? 'UTC';
  if (!isTimeZone(timeZone))
    errors.push({ field: 'timeZone', message: `'${timeZone.slice(0, 80)}' is not an IANA time zone` });
  const cadence = input.cadence ?? base?.cadence;
  if (cadence === undefined) errors.push({ field: 'cadence', message: 'is required (daily, weekly or monthly)' });
  if (errors.length > 0) throw invalid(errors);
  return {
    name,
    recipients,
    domains: domains.sort(),
    cadence: cadence!,
    timeZone,
    sendHour: input.sendHour ?? base?.sendHour ?? 8,
    attachPdf: input.attachPdf ?? base?.attachPdf ?? false,
    enabled: input.enabled ?? base?.enabled ?? true,
  };
}

const details = (d: Digest) => ({
  name: d.name,
  recipients: d.recipients,
  domains: d.domains,
  cadence: d.cadence,
  timeZone: d.timeZone,
  sendHour: d.sendHour,
  attachPdf: d.attachPdf,
  enabled: d.enabled,
});

const auditDigest = (
  db: Queryable,
  actor: DigestActor,
  action: string,
  d: Digest,
  at: Date,
  extra: Record<string, unknown> = {},
  outcome: 'success' | 'failure' = 'success',
) =>
  audit(
    db,
    {
      orgId: d.orgId,
      actorId: actor.id,
      actor: actor.email,
      action: `digest.${action}`,
      target: `digest:${d.id}`,
      ip: actor.ip ?? null,
      outcome,
      details: { ...details(d), ...extra },
    },
    at,
  );

export async function createDigest(db: Database, orgId: number, input: DigestInput, actor: DigestActor, at: Date) {
  const fields = await digestFields(db, orgId, input);
  return db.transaction(async (tx) => {
    const d = await insertDigest(tx, orgId, fields, actor.id, at);
    await auditDigest(tx, actor, 'created', d, at);
    return d;
  });
}

export async function changeDigest(
  db: Database,
  orgId: number,
  id: number,
  input: DigestInput,
  actor: DigestActor,
  at: Date,
): Promise<Digest> {
  const base = await getDigest(db, orgId, id);
  if (!base) throw notFound(id);
  const fields = await digestFields(db, orgId, input, base);
  return db.transaction(async (tx) => {
    const d = await updateDigest(tx, orgId, id, fields, at);
    if (!d) throw notFound(id);
    await auditDigest(tx, actor, 'changed', d, at);
    return d;
  });
}

export async function removeDigest(db: Database, orgId: number, id: number, actor: DigestActor, at: Date) {
  const base = await getDigest(db, orgId, id);
  if (!base) throw notFound(id);
  await db.transaction(async (tx) => {
    if (!(await deleteDigest(tx, orgId, id))) throw notFound(id);
    await auditDigest(tx, actor, 'deleted', base, at);
  });
}

export async function digestOf(db: Queryable, orgId: number, id: number): Promise<Digest> {
  const d = await getDigest(db, orgId, id);
  if (!d) throw notFound(id);
  return d;
}

/** "Send now": 409 without an SMTP server; otherwise each recipient's outcome (audited). */
export async function sendNow(
  db: Database,
  orgId: number,
  id: number,
  settings: DigestSettings,
  actor: DigestActor,
  at: Date,
): Promise<RunOutcome> {
  const d = await digestOf(db, orgId, id);
  if (!settings.smtp) {
    throw new AppError(
      'smtp_not_configured',
      'no SMTP server is configured (DMARC_SMTP_URL or DMARC_SMTP_HOST): digests cannot be sent',
    );
  }
  const r = await sendDigestNow(db, settings, d, at);
  const failed = r.outcomes.filter((o) => o.status === 'failed').length;
  await auditDigest(
    db,
    actor,
    'sent_now',
    d,
    at,
    { period: r.period, outcomes: r.outcomes },
    failed > 0 ? 'failure' : 'success',
  );
  return r;
}
