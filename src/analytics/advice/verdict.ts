// Is the domain ready for enforcement? From the share of all its messages that are legitimate yet fail DMARC
// (the simulation's `legitimate`: approved or known services and own servers that do not align):
//   ready                  at most 0.1 % (and at least MIN_MESSAGES messages in the period)
//   ready_with_exceptions  over 0.1 % and at most 2 %: enforcement would catch a few legitimate senders, listed
//                          as blocking; fix them first, or accept that their mail is quarantined meanwhile
//   not_ready              over 2 %, or fewer than MIN_MESSAGES messages in the period (too little to judge)
// Spoofing never blocks (stopping it is the point of enforcement); forwarded mail is not counted as blocking
// (DKIM survives most forwarding, ARC the rest) but a large share is said in the notes.
import type { Simulation } from './simulate.js';

export type Verdict = 'ready' | 'ready_with_exceptions' | 'not_ready';

export const THRESHOLDS = {
  /** At most this share of the messages legitimate and failing: ready. */
  ready: 0.001,
  /** At most this share: ready with exceptions. */
  exceptions: 0.02,
  /** Fewer messages in the period: not ready (too little data). */
  minMessages: 100,
  /** A forwarded share above this is worth a note. */
  forwardedNote: 0.05,
} as const;

export interface VerdictResult {
  verdict: Verdict;
  /** Legitimate failing messages / all messages (null without messages). */
  legitimateFailRate: number | null;
  /** Why, in words. */
  notes: string[];
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)} %`;

export function verdictOf(total: number, sim: Simulation): VerdictResult {
  const notes: string[] = [];
  if (total === 0) {
    return { verdict: 'not_ready', legitimateFailRate: null, notes: ['No reports for the domain in the period.'] };
  }
  const rate = sim.reject.legitimate / total;
  let verdict: Verdict =
    rate <= THRESHOLDS.ready ? 'ready' : rate <= THRESHOLDS.exceptions ? 'ready_with_exceptions' : 'not_ready';
  notes.push(
    `${sim.reject.legitimate.toLocaleString('en-US')} legitimate messages of ${total.toLocaleString('en-US')} ` +
      `(${pct(rate)}) fail DMARC; ready at most ${pct(THRESHOLDS.ready)}, with exceptions at most ` +
      `${pct(THRESHOLDS.exceptions)}.`,
  );
  if (total < THRESHOLDS.minMessages) {
    verdict = 'not_ready';
    notes.push(`Only ${total} messages in the period: too little to judge (at least ${THRESHOLDS.minMessages}).`);
  }
  const fwd = sim.reject.forwarded / total;
  if (fwd > THRESHOLDS.forwardedNote) {
    notes.push(
      `${pct(fwd)} of the messages were forwarded or sent through lists and fail DMARC: sign all mail with DKIM ` +
        `for the domain (it survives most forwarding); receivers that trust ARC may still deliver the rest.`,
    );
  }
  if (sim.reject.other - sim.reject.forwarded > 0) {
    notes.push(
      `${(sim.reject.other - sim.reject.forwarded).toLocaleString('en-US')} failing messages come from ` +
        `unidentified sources or senders marked not yours: enforcement is what stops them.`,
    );
  }
  return { verdict, legitimateFailRate: rate, notes };
}
