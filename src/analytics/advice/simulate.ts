// What enforcement would have done to the period's mail: under p=quarantine every DMARC-failing message is
// quarantined, under p=reject rejected (sp for messages from a subdomain of the policy domain, when sp is set to
// the same policy). Modelled at full enforcement: pct=100 (RFC 7489) and t=n (DMARCbis) — what the policy does
// once the staged plan is through. A smaller pct applies the policy to that share of the failing messages (the
// plan's steps say so); t=y applies the next weaker policy (quarantine → none, reject → quarantine). Reporters'
// local overrides (forwarded, mailing_list, ...) are counted as affected too: a receiver may override again, but
// nothing in the reports promises it; they are shown separately (`overridden`).
//
// Legitimate = the classes legitimate_unaligned and own_infrastructure (approved or known services, own servers);
// other = forwarded and spoofing. np (DMARCbis, non-existent subdomains) is not told apart: reports do not say
// whether a subdomain exists, so every subdomain message counts under sp.
import type { AdviceClass, ClassRow } from './classify.js';

export const LEGITIMATE: ReadonlySet<AdviceClass> = new Set(['legitimate_unaligned', 'own_infrastructure']);

export interface Split {
  legitimate: number;
  other: number;
}

export interface SimulatedPolicy extends Split {
  /** legitimate + other: every DMARC-failing message. */
  messages: number;
  /** Of them, from a subdomain of the policy domain (sp applies). */
  subdomains: Split;
  /** Of `other`, forwarded (legitimate mail broken by forwarding; spoofing is the rest). */
  forwarded: number;
  /** Of all, messages whose reporter already applied a local override (forwarded, mailing_list, ...). */
  overridden: number;
}

export interface SimulationSender {
  key: string;
  sender: string;
  class: AdviceClass;
  legitimate: boolean;
  messages: number;
}

export interface SimulationReporter extends Split {
  reporter: string;
}

export interface Simulation {
  /** pct=100, t=n: see the module comment. */
  model: 'full_enforcement';
  quarantine: SimulatedPolicy;
  reject: SimulatedPolicy;
  /** Senders of the failing messages, the most first (at most 50). */
  bySender: SimulationSender[];
  /** Reporters of the failing messages, the most first. */
  byReporter: SimulationReporter[];
}

const failing = (r: ClassRow) => r.class !== 'aligned';
const sumWhere = (rows: readonly ClassRow[], f: (r: ClassRow) => boolean) =>
  rows.reduce((a, r) => a + (f(r) ? r.messages : 0), 0);

export function simulate(rows: readonly ClassRow[]): Simulation {
  const classes = rows.filter((r) => r.kind === 'class');
  const scopes = rows.filter((r) => r.kind === 'scope' && r.scope === 'subdomain' && failing(r));
  const whys = rows.filter((r) => r.kind === 'why');
  const legitimate = sumWhere(classes, (r) => LEGITIMATE.has(r.class));
  const other = sumWhere(classes, (r) => failing(r) && !LEGITIMATE.has(r.class));
  const policy: SimulatedPolicy = {
    messages: legitimate + other,
    legitimate,
    other,
    subdomains: {
      legitimate: sumWhere(scopes, (r) => LEGITIMATE.has(r.class)),
      other: sumWhere(scopes, (r) => !LEGITIMATE.has(r.class)),
    },
    forwarded: sumWhere(classes, (r) => r.class === 'forwarded'),
    overridden: sumWhere(whys, (r) => r.why?.startsWith('override:') === true),
  };
  const bySender = rows
    .filter((r) => r.kind === 'sender' && failing(r))
    .map((r) => ({
      key: r.key ?? 'unknown',
      sender: r.sender ?? 'Unknown',
      class: r.class,
      legitimate: LEGITIMATE.has(r.class),
      messages: r.messages,
    }))
    .sort((a, b) => b.messages - a.messages || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, 50);
  const reporters = new Map<string, Split>();
  for (const r of rows) {
    if (r.kind !== 'reporter' || !failing(r) || r.reporter === null) continue;
    const s = reporters.get(r.reporter) ?? { legitimate: 0, other: 0 };
    if (LEGITIMATE.has(r.class)) s.legitimate += r.messages;
    else s.other += r.messages;
    reporters.set(r.reporter, s);
  }
  const byReporter = [...reporters]
    .map(([reporter, s]) => ({ reporter, ...s }))
    .sort((a, b) => b.legitimate + b.other - (a.legitimate + a.other) || (a.reporter < b.reporter ? -1 : 1));
  return {
    model: 'full_enforcement',
    quarantine: policy,
    reject: { ...policy, subdomains: { ...policy.subdomains } },
    bySender,
    byReporter,
  };
}
