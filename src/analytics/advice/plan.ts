// The staged way from p=none to p=reject (DMARCbis: the `t` test flag instead of RFC 7489's pct; both written,
// so that receivers of either kind follow the step), where the domain stands on it (the policy its latest report
// of the period shows), and which step is safe now given the verdict:
//   1 monitor             p=none                         always safe
//   2 quarantine, testing p=quarantine; pct=0; t=y       receivers apply none (DMARCbis t=y; RFC 7489 pct=0):
//                                                        safe whenever the domain has reports
//   3 quarantine          p=quarantine                   safe when ready or ready with exceptions (the exceptions'
//                                                        mail goes to spam until fixed); RFC 7489 receivers can be
//                                                        stepped through pct=25, 50, 100
//   4 reject, testing     p=reject; pct=0; t=y           receivers apply quarantine: safe like step 3
//   5 reject              p=reject                       safe only when ready
import type { PublishedPolicy } from './classify.js';
import type { Verdict } from './verdict.js';

export type StepId = 'monitor' | 'quarantine_testing' | 'quarantine' | 'reject_testing' | 'reject';
export type StepStatus = 'done' | 'current' | 'safe_now' | 'blocked' | 'later';

export interface PlanStep {
  step: number;
  id: StepId;
  policy: 'none' | 'quarantine' | 'reject';
  /** The DMARC record's policy tags for the step (rua and the rest as published). */
  record: string;
  description: string;
  /** done: behind; current: the published policy; safe_now: the next step, safe now; blocked: the next step, not
   * safe yet; later: after the next step. */
  status: StepStatus;
  /** Whether the verdict allows the step today. */
  safe: boolean;
  /** What must be fixed before the step (empty when safe). */
  requires: string[];
}

const STEPS: readonly Omit<PlanStep, 'status' | 'safe' | 'requires'>[] = [
  {
    step: 1,
    id: 'monitor',
    policy: 'none',
    record: 'v=DMARC1; p=none',
    description: 'Monitor: collect reports, deliver everything',
  },
  {
    step: 2,
    id: 'quarantine_testing',
    policy: 'quarantine',
    record: 'v=DMARC1; p=quarantine; pct=0; t=y',
    description:
      'Announce quarantine in test mode: receivers still apply none (DMARCbis t=y; RFC 7489 receivers pct=0)',
  },
  {
    step: 3,
    id: 'quarantine',
    policy: 'quarantine',
    record: 'v=DMARC1; p=quarantine',
    description:
      'Quarantine failing mail (RFC 7489 receivers can be stepped through pct=25, 50 and 100, a week or two each)',
  },
  {
    step: 4,
    id: 'reject_testing',
    policy: 'reject',
    record: 'v=DMARC1; p=reject; pct=0; t=y',
    description: 'Announce reject in test mode: receivers quarantine instead (DMARCbis t=y; RFC 7489 pct=0)',
  },
  { step: 5, id: 'reject', policy: 'reject', record: 'v=DMARC1; p=reject', description: 'Reject failing mail' },
];

/** The step the published policy stands on (0-based). */
export function currentStep(policy: PublishedPolicy | null): number {
  const testing = policy?.testing === 'y' || policy?.pct === 0;
  if (policy?.p === 'quarantine') return testing ? 1 : 2;
  if (policy?.p === 'reject') return testing ? 3 : 4;
  return 0;
}

function safeFor(index: number, verdict: Verdict, hasData: boolean): boolean {
  if (index === 0) return true;
  if (index === 1) return hasData;
  if (index <= 3) return verdict !== 'not_ready';
  return verdict === 'ready';
}

/**
 * The plan: `fixes` are the blocking senders' fixes (most messages first), required before the steps that the
 * verdict does not allow yet — and recommended before step 3 when the verdict has exceptions.
 */
export function planOf(
  policy: PublishedPolicy | null,
  verdict: Verdict,
  hasData: boolean,
  fixes: string[],
): PlanStep[] {
  const current = currentStep(policy);
  return STEPS.map((s, i) => {
    const safe = safeFor(i, verdict, hasData);
    let status: StepStatus;
    if (i < current) status = 'done';
    else if (i === current) status = 'current';
    else if (i === current + 1) status = safe ? 'safe_now' : 'blocked';
    else status = 'later';
    const requires = safe
      ? i === 2 && verdict === 'ready_with_exceptions'
        ? fixes.map((f) => `recommended: ${f}`)
        : []
      : hasData
        ? fixes.length > 0
          ? fixes
          : ['reduce the legitimate mail that fails DMARC below the threshold (see the classification)']
        : ['collect reports for the domain first'];
    return { ...s, status, safe, requires };
  });
}

/** A warning when the published policy is already stricter than the verdict allows (legitimate mail hit now). */
export function policyWarning(policy: PublishedPolicy | null, verdict: Verdict, hasData: boolean): string | null {
  const current = currentStep(policy);
  if (current === 0 || safeFor(current, verdict, hasData)) return null;
  return (
    `The published policy (p=${policy?.p ?? 'none'}) already applies to legitimate mail that fails DMARC: ` +
    'fix the blocking senders, or step back until they are fixed.'
  );
}
