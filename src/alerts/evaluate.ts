// The evaluation of an organisation's alert rules: every enabled rule reads the data (in one read-only snapshot,
// under a statement timeout on PostgreSQL), then the lifecycle applies what they found, in one transaction holding
// the organisation's alert lock. A rule that cannot be evaluated (an error, parameters no longer valid) decides
// nothing about its alerts and is named in the summary. Evaluating twice on the same data changes nothing.
import type { Database } from '../store/database.js';
import { listChannels } from '../store/alert-channels.js';
import { listRules, type AlertRule } from '../store/alert-rules.js';
import { listSuppressions } from '../store/alert-suppressions.js';
import { listOrgs } from '../store/organizations.js';
import { applyRuleResults, lockAlerts, type LifecycleSummary, type RuleResult } from './lifecycle.js';
import type { Breach } from './model.js';
import { ruleTypeNamed } from './rules/index.js';
import { SOURCE_IP_KEY, type SourceKey } from './source-key.js';

export interface EvaluateDeps {
  db: Database;
  now: Date;
  /** How sources are named (default: their IP address). */
  sourceKey?: SourceKey;
  /** Longest one rule's query may run on PostgreSQL (default 60 s). */
  statementTimeoutMs?: number;
  /** Alerts of one rule notified one by one per run; the rest in one summary per channel (default 20). */
  notifyMaxPerRule?: number;
}

export interface EvaluationSummary extends LifecycleSummary {
  orgId: number;
  rules: number;
  /** Rules that could not be evaluated, and why. */
  failedRules: { ruleId: number; name: string; error: string }[];
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 500);

/** What one rule (stored or not yet) finds now; throws when it cannot be evaluated. */
export async function evaluateRule(
  deps: Omit<EvaluateDeps, 'db'> & { db: Database | Parameters<Parameters<Database['readOnly']>[1]>[0] },
  orgId: number,
  rule: Pick<AlertRule, 'type' | 'domain' | 'params'>,
): Promise<Breach[]> {
  const type = ruleTypeNamed(rule.type);
  if (!type) throw new Error(`unknown rule type '${rule.type}'`);
  const params = type.params.safeParse(rule.params);
  if (!params.success) throw new Error(`parameters not valid: ${params.error.issues[0]?.message ?? 'invalid'}`);
  return type.evaluate(
    { db: deps.db, orgId, now: deps.now, sourceKey: deps.sourceKey ?? SOURCE_IP_KEY },
    { domain: type.scope === 'organisation' ? null : rule.domain, params: params.data },
  );
}

export async function evaluateOrg(deps: EvaluateDeps, orgId: number): Promise<EvaluationSummary> {
  const { db, now } = deps;
  const rules = await listRules(db, orgId, { enabledOnly: true });
  const failedRules: EvaluationSummary['failedRules'] = [];
  const results = await db.readOnly(deps.statementTimeoutMs ?? 60_000, async (q) => {
    const out: RuleResult[] = [];
    for (const rule of rules) {
      try {
        out.push({ rule, breaches: await evaluateRule({ ...deps, db: q }, orgId, rule) });
      } catch (err) {
        failedRules.push({ ruleId: rule.id, name: rule.name, error: errorText(err) });
      }
    }
    return out;
  });
  const summary = await db.transaction(async (tx) => {
    await lockAlerts(tx, orgId);
    const [channels, suppressions] = [await listChannels(tx, orgId), await listSuppressions(tx, orgId)];
    return applyRuleResults(tx, orgId, now, results, channels, suppressions, deps.notifyMaxPerRule);
  });
  return { orgId, rules: rules.length, failedRules, ...summary };
}

/** Every organisation in turn (the hourly run). */
export async function evaluateAllOrgs(deps: EvaluateDeps): Promise<EvaluationSummary[]> {
  const out: EvaluationSummary[] = [];
  for (const org of await listOrgs(deps.db)) out.push(await evaluateOrg(deps, org.id));
  return out;
}
