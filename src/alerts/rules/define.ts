// What a rule type file exports: one RuleType made with defineRule — its name, a title and description for
// people, whether it is about each policy domain or the organisation as a whole, its parameters (a zod schema with
// the defaults) and its evaluator, which reads the organisation's data and says what breaches right now. Nothing
// here imports the registry (index.ts), so that rule files and the registry do not depend on each other in a
// circle.
import type { z } from 'zod';
import type { Queryable } from '../../store/database.js';
import type { Breach } from '../model.js';
import type { SourceKey } from '../source-key.js';

export interface RuleContext {
  db: Queryable;
  orgId: number;
  /** The evaluation's time (a controllable clock in tests). */
  now: Date;
  /** How sources are named (source IP today). */
  sourceKey: SourceKey;
}

export interface RuleTarget<P> {
  /** One policy domain; null: every domain of the organisation. */
  domain: string | null;
  /** The rule's parameters, validated, with the defaults filled in. */
  params: P;
}

export interface RuleType<N extends string = string, P = unknown> {
  readonly name: N;
  /** A few words, e.g. 'DMARC failure rate'. */
  readonly title: string;
  /** One or two sentences: when it fires, what the parameters mean. */
  readonly description: string;
  /** 'domain': about each policy domain (or the rule's one); 'organisation': about the organisation (no domain). */
  readonly scope: 'domain' | 'organisation';
  /** The parameters: validation of what an admin sends, and the defaults. */
  readonly params: z.ZodType<P>;
  /** What breaches now. Evaluating twice on the same data gives the same breaches. */
  evaluate(ctx: RuleContext, target: RuleTarget<P>): Promise<Breach[]>;
}

/** Makes a rule type: `defineRule<Params>()({ name: 'x', ... })`, the name inferred as a literal. */
export function defineRule<P>() {
  return <const N extends string>(definition: RuleType<N, P>): RuleType<N, P> => definition;
}
