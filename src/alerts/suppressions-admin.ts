// Managing an organisation's suppressions (admins): what they cover (a rule of the organisation, a domain, a
// subject, or — said explicitly — everything), when (a window, or a cron expression with a duration, in a time
// zone), why (a reason is required) and who made them. Every change is in the audit log.
import { audit } from '../auth/audit.js';
import { getRule } from '../store/alert-rules.js';
import {
  deleteSuppression,
  getSuppression,
  insertSuppression,
  updateSuppression,
  type AlertSuppression,
  type SuppressionFields,
} from '../store/alert-suppressions.js';
import type { Database, Queryable } from '../store/database.js';
import type { Actor } from './lifecycle.js';
import { nextWindow, parseCron, windowAt } from './suppressions.js';
import { invalid, normaliseDomain } from './validation.js';

export interface SuppressionInput {
  ruleId?: number | null;
  domain?: string | null;
  subject?: string | null;
  /** Required (true) when nothing else says what is covered: everything of the organisation. */
  all?: boolean;
  startsAt?: string | null;
  endsAt?: string | null;
  cron?: string | null;
  timezone?: string;
  durationMinutes?: number | null;
  reason?: string;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const date = (field: string, v: string | null | undefined): Date | null | undefined => {
  if (v === undefined || v === null) return v;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalid(field, 'must be a date and time (ISO 8601)');
  return new Date(t);
};

async function suppressionFields(
  db: Queryable,
  orgId: number,
  input: SuppressionInput,
  base?: AlertSuppression,
): Promise<SuppressionFields> {
  const pick = <K extends keyof SuppressionFields>(k: K, v: SuppressionFields[K] | undefined): SuppressionFields[K] =>
    v !== undefined ? v : base ? base[k] : (null as SuppressionFields[K]);
  const ruleId = pick('ruleId', input.ruleId);
  if (ruleId !== null && !(await getRule(db, orgId, ruleId))) {
    throw invalid('ruleId', `no rule ${ruleId} in this organisation`);
  }
  const domain = normaliseDomain('domain', pick('domain', input.domain));
  const subject = pick('subject', input.subject === undefined ? undefined : input.subject?.trim() || null);
  const scoped = ruleId !== null || domain !== null || subject !== null;
  if (input.all === true && scoped) throw invalid('all', 'cannot be combined with ruleId, domain or subject');
  if (!scoped && !(input.all ?? (base !== undefined && !baseScoped(base)))) {
    throw invalid('all', 'say all: true to suppress everything, or give a ruleId, domain or subject');
  }
  const cron = pick('cron', input.cron === undefined ? undefined : input.cron?.trim() || null);
  const timezone = input.timezone ?? base?.timezone ?? 'UTC';
  if (!isTimeZone(timezone)) throw invalid('timezone', 'must be an IANA time zone such as Europe/Berlin');
  const durationMinutes = pick('durationMinutes', input.durationMinutes);
  const startsAt = pick('startsAt', date('startsAt', input.startsAt));
  const endsAt = pick('endsAt', date('endsAt', input.endsAt));
  if (cron !== null) {
    try {
      parseCron(cron, timezone);
    } catch (err) {
      throw invalid('cron', `is not a cron expression: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (durationMinutes === null) throw invalid('durationMinutes', 'is required with cron');
  } else {
    if (durationMinutes !== null) throw invalid('durationMinutes', 'is only for a recurring window (cron)');
    if (startsAt === null) throw invalid('startsAt', 'is required (or give a cron expression and a duration)');
    if (endsAt === null) throw invalid('endsAt', 'is required (or give a cron expression and a duration)');
  }
  if (startsAt && endsAt && endsAt <= startsAt) throw invalid('endsAt', 'must be after startsAt');
  const reason = (input.reason ?? base?.reason ?? '').trim();
  if (reason === '') throw invalid('reason', 'is required: say why');
  return { ruleId, domain, subject, startsAt, endsAt, cron, timezone, durationMinutes, reason };
}

const baseScoped = (s: AlertSuppression) => s.ruleId !== null || s.domain !== null || s.subject !== null;

/** A suppression as answered: with whether it holds now and its current or next window. */
export function publicSuppression(s: AlertSuppression, now: Date) {
  const next = nextWindow(s, now);
  return {
    id: s.id,
    ruleId: s.ruleId,
    domain: s.domain,
    subject: s.subject,
    all: !baseScoped(s),
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    cron: s.cron,
    timezone: s.timezone,
    durationMinutes: s.durationMinutes,
    reason: s.reason,
    createdBy: s.createdBy,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    activeNow: windowAt(s, now) !== null,
    nextWindow: next ? { start: next.start, end: next.end } : null,
  };
}

const auditSuppression = (db: Queryable, orgId: number, actor: Actor, action: string, s: AlertSuppression, at: Date) =>
  audit(
    db,
    {
      orgId,
      actorId: actor.id,
      actor: actor.email,
      action: `alert_suppression.${action}`,
      target: `alert_suppression:${s.id}`,
      ip: actor.ip ?? null,
      outcome: 'success',
      details: { ruleId: s.ruleId, domain: s.domain, subject: s.subject, cron: s.cron, reason: s.reason },
    },
    at,
  );

export async function createSuppression(db: Database, orgId: number, input: SuppressionInput, actor: Actor, at: Date) {
  const fields = await suppressionFields(db, orgId, input);
  return db.transaction(async (tx) => {
    const s = await insertSuppression(tx, orgId, fields, { id: actor.id, email: actor.email }, at);
    await auditSuppression(tx, orgId, actor, 'created', s, at);
    return s;
  });
}

export async function changeSuppression(
  db: Database,
  orgId: number,
  id: number,
  input: SuppressionInput,
  actor: Actor,
  at: Date,
): Promise<AlertSuppression | undefined> {
  const base = await getSuppression(db, orgId, id);
  if (!base) return undefined;
  const fields = await suppressionFields(db, orgId, input, base);
  return db.transaction(async (tx) => {
    const s = await updateSuppression(tx, orgId, id, fields, at);
    if (s) await auditSuppression(tx, orgId, actor, 'updated', s, at);
    return s;
  });
}

export async function removeSuppression(db: Database, orgId: number, id: number, actor: Actor, at: Date) {
  return db.transaction(async (tx) => {
    const s = await getSuppression(tx, orgId, id);
    if (!s) return false;
    await deleteSuppression(tx, orgId, id);
    await auditSuppression(tx, orgId, actor, 'deleted', s, at);
    return true;
  });
}
