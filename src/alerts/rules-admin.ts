// Managing an organisation's rules (admins): the parameters checked against the rule type's schema (defaults
// filled in), the channels checked to be the organisation's, every change in the audit log. Deleting a rule
// resolves its unresolved alerts (they could never resolve themselves otherwise).
import { audit } from '../auth/audit.js';
import { existingChannelIds } from '../store/alert-channels.js';
import { deleteRule, getRule, insertRule, updateRule, type AlertRule, type RuleFields } from '../store/alert-rules.js';
import { listUnresolvedAlerts } from '../store/alerts.js';
import type { Database, Queryable } from '../store/database.js';
import { listChannels } from '../store/alert-channels.js';
import { listSuppressions } from '../store/alert-suppressions.js';
import { changeByPerson, lockAlerts, type Actor } from './lifecycle.js';
import type { Severity } from './model.js';
import { RULE_TYPE_NAMES, ruleTypeNamed } from './rules/index.js';
import { fieldErrors, InvalidAlertInput, invalid, normaliseDomain } from './validation.js';

export interface RuleInput {
  name?: string;
  type?: string;
  domain?: string | null;
  severity?: Severity;
  channels?: number[];
  enabled?: boolean;
  params?: Record<string, unknown>;
  resolveAfterMinutes?: number;
  cooldownMinutes?: number;
  notifyOnResolve?: boolean;
}

const DEFAULTS = { enabled: true, resolveAfterMinutes: 60, cooldownMinutes: 60, notifyOnResolve: false };

/** The rule's fields after checking `input` (merged over `base` for an update). */
export async function ruleFields(
  db: Queryable,
  orgId: number,
  input: RuleInput,
  base?: AlertRule,
): Promise<RuleFields> {
  const typeName = input.type ?? base?.type;
  const type = typeName !== undefined ? ruleTypeNamed(typeName) : undefined;
  if (!type) throw invalid('type', `must be one of ${RULE_TYPE_NAMES.join(', ')}`);
  // a new type takes new parameters: the old ones are not carried over
  const rawParams = input.params ?? (base && base.type === type.name ? base.params : {});
  const params = type.params.safeParse(rawParams);
  if (!params.success) throw new InvalidAlertInput(fieldErrors('params', params.error));
  const domain = normaliseDomain('domain', input.domain !== undefined ? input.domain : (base?.domain ?? null));
  if (type.scope === 'organisation' && domain !== null) {
    throw invalid('domain', `a ${type.name} rule is about the organisation as a whole: its domain must be null`);
  }
  const channelIds = [...new Set(input.channels ?? base?.channelIds ?? [])];
  const known = await existingChannelIds(db, orgId, channelIds);
  const unknown = channelIds.filter((id) => !known.includes(id));
  if (unknown.length > 0) throw invalid('channels', `no channel ${unknown.join(', ')} in this organisation`);
  const name = input.name ?? base?.name;
  if (name === undefined) throw invalid('name', 'is required');
  const severity = input.severity ?? base?.severity;
  if (severity === undefined) throw invalid('severity', 'is required');
  return {
    name: name.trim(),
    type: type.name,
    domain,
    severity,
    channelIds,
    enabled: input.enabled ?? base?.enabled ?? DEFAULTS.enabled,
    params: params.data,
    resolveAfterMinutes: input.resolveAfterMinutes ?? base?.resolveAfterMinutes ?? DEFAULTS.resolveAfterMinutes,
    cooldownMinutes: input.cooldownMinutes ?? base?.cooldownMinutes ?? DEFAULTS.cooldownMinutes,
    notifyOnResolve: input.notifyOnResolve ?? base?.notifyOnResolve ?? DEFAULTS.notifyOnResolve,
  };
}

const auditRule = (db: Queryable, orgId: number, actor: Actor, action: string, rule: AlertRule, at: Date) =>
  audit(
    db,
    {
      orgId,
      actorId: actor.id,
      actor: actor.email,
      action: `alert_rule.${action}`,
      target: `alert_rule:${rule.id}`,
      ip: actor.ip ?? null,
      outcome: 'success',
      details: { name: rule.name, type: rule.type, domain: rule.domain, severity: rule.severity },
    },
    at,
  );

export async function createRule(db: Database, orgId: number, input: RuleInput, actor: Actor, at: Date) {
  const fields = await ruleFields(db, orgId, input);
  return db.transaction(async (tx) => {
    const rule = await insertRule(tx, orgId, fields, actor.email, at);
    await auditRule(tx, orgId, actor, 'created', rule, at);
    return rule;
  });
}

export async function changeRule(
  db: Database,
  orgId: number,
  id: number,
  input: RuleInput,
  actor: Actor,
  at: Date,
): Promise<AlertRule | undefined> {
  const base = await getRule(db, orgId, id);
  if (!base) return undefined;
  const fields = await ruleFields(db, orgId, input, base);
  return db.transaction(async (tx) => {
    const rule = await updateRule(tx, orgId, id, fields, at);
    if (rule) await auditRule(tx, orgId, actor, 'updated', rule, at);
    return rule;
  });
}

/** Deletes the rule after resolving its unresolved alerts; returns the deliveries those resolves created. */
export async function removeRule(
  db: Database,
  orgId: number,
  id: number,
  actor: Actor,
  at: Date,
): Promise<{ deleted: boolean; deliveries: number[] }> {
  return db.transaction(async (tx) => {
    await lockAlerts(tx, orgId);
    const rule = await getRule(tx, orgId, id);
    if (!rule) return { deleted: false, deliveries: [] };
    const deliveries: number[] = [];
    const env = {
      rule: () => Promise.resolve(rule),
      channels: await listChannels(tx, orgId),
      suppressions: await listSuppressions(tx, orgId),
    };
    for (const a of await listUnresolvedAlerts(tx, orgId)) {
      if (a.ruleId !== id) continue;
      const r = await changeByPerson(tx, orgId, at, a.id, 'resolve', actor, 'the rule was deleted', env);
      deliveries.push(...(r?.deliveries ?? []));
    }
    await deleteRule(tx, orgId, id);
    await auditRule(tx, orgId, actor, 'deleted', rule, at);
    return { deleted: true, deliveries };
  });
}
