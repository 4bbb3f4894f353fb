// The advice for one policy domain and period: why its mail fails (classify.ts), what enforcement would do
// (simulate.ts), whether it is ready (verdict.ts), the senders that block it with their fix (fixes.ts) and the
// staged plan (plan.ts). Cached like the other analytics answers (organisation + domain + period in the key).
import type { Database, Queryable } from '../../store/database.js';
import type { AnalyticsCache } from '../cache.js';
import { filterKey } from '../filter-key.js';
import type { Answer } from '../answers.js';
import {
  ADVICE_CLASSES,
  classifyRecords,
  publishedPolicy,
  type AdviceClass,
  type ClassRow,
  type PeriodFilter,
  type PublishedPolicy,
} from './classify.js';
import { fixFor, reasonFor } from './fixes.js';
import { planOf, policyWarning, type PlanStep } from './plan.js';
import { LEGITIMATE, simulate, type Simulation } from './simulate.js';
import { THRESHOLDS, verdictOf, type Verdict } from './verdict.js';

export interface ClassSender {
  key: string;
  sender: string;
  type: string;
  messages: number;
  sources: number;
}

export interface ClassEvidence {
  /** In words, with its messages: the finer reasons of the class, the most messages first. */
  reason: string;
  why: string;
  messages: number;
}

export interface ClassItem {
  class: AdviceClass;
  messages: number;
  sources: number;
  senders: number;
  /** Share of the domain's messages. */
  share: number | null;
  /** Its senders, the most messages first (at most 20). */
  topSenders: ClassSender[];
  evidence: ClassEvidence[];
}

export interface BlockingSender {
  key: string;
  sender: string;
  class: 'legitimate_unaligned' | 'own_infrastructure';
  messages: number;
  /** Share of the domain's messages. */
  share: number;
  reason: string;
  fix: string;
}

export interface Advice {
  domain: string;
  from: string | null;
  to: string | null;
  messages: number;
  verdict: Verdict;
  legitimateFailRate: number | null;
  notes: string[];
  thresholds: typeof THRESHOLDS;
  published: PublishedPolicy | null;
  classification: ClassItem[];
  simulation: Simulation;
  blocking: BlockingSender[];
  plan: PlanStep[];
}

const WHY_TEXT: Record<string, string> = {
  dkim_aligned: 'DKIM aligned and passed',
  spf_aligned: 'SPF aligned and passed (DKIM did not)',
  not_ours: 'the sender is marked not yours',
  own: 'a server named as your own failed both DKIM and SPF alignment',
  own_dkim_unaligned: "the domain's own DKIM signature verified but did not align (a list or forwarder rewrote it)",
  gateway: 'sent through a known forwarder or security gateway',
  approved: 'an approved sender that does not align',
  service_own_domain: 'a known service authenticating with its own domain',
  service_unauthenticated: 'a known service whose mail did not authenticate at all',
  hosting_network: 'a hosting or access network, not a sending service',
  unidentified: 'an unidentified source failing both DKIM and SPF',
};

function whyText(why: string): string {
  if (why.startsWith('override:')) return `the reporter applied a local override: ${why.slice('override:'.length)}`;
  return WHY_TEXT[why] ?? why;
}

const byMessages = <T extends { messages: number; key?: string | null }>(a: T, b: T) =>
  b.messages - a.messages || String(a.key ?? '').localeCompare(String(b.key ?? ''));

function classification(rows: readonly ClassRow[], total: number): ClassItem[] {
  return ADVICE_CLASSES.map((cls) => {
    const head = rows.find((r) => r.kind === 'class' && r.class === cls);
    const senders = rows.filter((r) => r.kind === 'sender' && r.class === cls).sort(byMessages);
    const whys = rows.filter((r) => r.kind === 'why' && r.class === cls).sort(byMessages);
    const messages = head?.messages ?? 0;
    return {
      class: cls,
      messages,
      sources: head?.sources ?? 0,
      senders: head?.senders ?? 0,
      share: total > 0 ? messages / total : null,
      topSenders: senders.slice(0, 20).map((s) => ({
        key: s.key ?? 'unknown',
        sender: s.sender ?? 'Unknown',
        type: s.type ?? 'unknown',
        messages: s.messages,
        sources: s.sources,
      })),
      evidence: whys.map((w) => ({ why: w.why ?? '', reason: whyText(w.why ?? ''), messages: w.messages })),
    };
  });
}

function blockingSenders(domain: string, rows: readonly ClassRow[], total: number): BlockingSender[] {
  return rows
    .filter((r) => r.kind === 'sender' && LEGITIMATE.has(r.class) && r.messages > 0)
    .sort(byMessages)
    .slice(0, 50)
    .map((r) => {
      const input = {
        key: r.key ?? 'unknown',
        sender: r.sender ?? 'Unknown',
        class: r.class as BlockingSender['class'],
        dkimOther: r.dkimOther,
        spfOther: r.spfOther,
      };
      return {
        key: input.key,
        sender: input.sender,
        class: input.class,
        messages: r.messages,
        share: total > 0 ? r.messages / total : 0,
        reason: reasonFor(domain, input, r.messages),
        fix: fixFor(domain, input),
      };
    });
}

/** The advice, computed (no cache). */
export async function advise(db: Queryable, f: PeriodFilter): Promise<Advice> {
  const rows = await classifyRecords(db, f);
  const published = await publishedPolicy(db, f);
  const total = rows.filter((r) => r.kind === 'class').reduce((a, r) => a + r.messages, 0);
  const sim = simulate(rows);
  const v = verdictOf(total, sim);
  const blocking = blockingSenders(f.domain, rows, total);
  const hasData = total > 0;
  const warning = policyWarning(published, v.verdict, hasData);
  return {
    domain: f.domain,
    from: f.from ?? null,
    to: f.to ?? null,
    messages: total,
    verdict: v.verdict,
    legitimateFailRate: v.legitimateFailRate,
    notes: warning ? [warning, ...v.notes] : v.notes,
    thresholds: THRESHOLDS,
    published,
    classification: classification(rows, total),
    simulation: sim,
    blocking,
    plan: planOf(
      published,
      v.verdict,
      hasData,
      blocking.slice(0, 10).map((b) => `${b.sender}: ${b.fix}`),
    ),
  };
}

/** The cached answer: per organisation (the cache's namespace), domain and period. */
export function adviceAnswer(
  db: Database,
  cache: AnalyticsCache,
  statementTimeoutMs: number,
): (f: PeriodFilter) => Promise<Answer<Advice>> {
  return (f) =>
    cache.getOrCompute(f.orgId, `advice:${filterKey(f)}`, () => db.readOnly(statementTimeoutMs, (q) => advise(q, f)));
}
