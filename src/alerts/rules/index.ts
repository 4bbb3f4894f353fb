// The registry of rule types: one file per type in this folder (see define.ts for what it exports), listed here
// once. Adding a type is adding its file and its line below; the API, the evaluation and the documentation read
// this list.
import { anomalyRule } from './anomaly.js';
import type { RuleType } from './define.js';
import { dnsChangeRule } from './dns-change.js';
import { failureRateRule } from './failure-rate.js';
import { ingestFailingRule } from './ingest-failing.js';
import { missingReportsRule } from './missing-reports.js';
import { newSenderRule } from './new-sender.js';
import { policyWeakenedRule } from './policy-weakened.js';
import { senderFailingRule } from './sender-failing.js';
import { volumeChangeRule } from './volume-change.js';

export const RULE_TYPES = [
  failureRateRule,
  volumeChangeRule,
  newSenderRule,
  senderFailingRule,
  missingReportsRule,
  policyWeakenedRule,
  ingestFailingRule,
  dnsChangeRule,
  anomalyRule,
] as const;

export type RuleTypeName = (typeof RULE_TYPES)[number]['name'];
export const RULE_TYPE_NAMES: readonly RuleTypeName[] = RULE_TYPES.map((r) => r.name);

/** A rule type with its parameters' type erased: what the evaluation and the API handle. */
export type AnyRuleType = RuleType<string, Record<string, unknown>>;

/** Every rule type, erased. */
export const ANY_RULE_TYPES = RULE_TYPES as readonly unknown[] as readonly AnyRuleType[];

export function ruleTypeNamed(name: string): AnyRuleType | undefined {
  return ANY_RULE_TYPES.find((r) => r.name === name);
}
