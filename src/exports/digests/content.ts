// What one digest says for one period, gathered from the analytics answers the dashboard's API gives (trends,
// summary, senders — so that the digest's figures equal the API's for the same dates), the open alerts and the
// files that failed to import. Every query carries the digest's organisation. A digest for some domains reads
// each domain on its own and adds the figures up; one for all domains reads them at once.
import type { ScopedFilter } from '../../analytics/filters.js';
import { senders, type SenderItem } from '../../analytics/senders.js';
import { summarise } from '../../analytics/summary.js';
import { trends, type TrendFigures } from '../../analytics/trends.js';
import type { Severity } from '../../model/alerts.js';
import { listUnresolvedAlerts } from '../../store/alerts.js';
import type { Queryable } from '../../store/database.js';
import { failedFilesBetween, type Digest, type FailedFile } from '../../store/digests.js';
import { addDays, periodInstants, type DigestPeriod } from './period.js';

export const DIGEST_LIMITS = { senders: 10, alerts: 20, files: 20 } as const;
/** Days before the period in which a sender must not have sent to be new. */
export const NEW_SENDER_LOOKBACK_DAYS = 90;

export interface Headline {
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  complianceRate: number | null;
  reports: number;
  /** Distinct source addresses; null for a digest of several domains (an address may send for each). */
  sources: number | null;
}

export interface DomainLine {
  domain: string;
  messages: number;
  complianceRate: number | null;
  previousComplianceRate: number | null;
}

export interface SenderLine {
  key: string;
  sender: string;
  messages: number;
  dmarcFail: number;
  complianceRate: number | null;
}

export interface AlertLine {
  severity: Severity;
  ruleName: string;
  domain: string | null;
  summary: string;
  firstSeenAt: Date;
}

export interface DigestData {
  orgName: string;
  digestName: string;
  cadence: Digest['cadence'];
  timeZone: string;
  /** The digest's domains; empty: all of the organisation's. */
  domains: string[];
  period: DigestPeriod;
  /** The period of equal length before it (what the changes compare with). */
  previousPeriod: DigestPeriod;
  current: Headline;
  previous: Headline;
  perDomain: DomainLine[];
  /** Senders with messages failing DMARC, most failures first (at most DIGEST_LIMITS.senders). */
  failingSenders: SenderLine[];
  failingSendersTotal: number;
  /** Senders of the period that sent nothing in the NEW_SENDER_LOOKBACK_DAYS before it, most messages first. */
  newSenders: SenderLine[];
  newSendersTotal: number;
  openAlerts: AlertLine[];
  openAlertsTotal: number;
  failedFiles: FailedFile[];
  failedFilesTotal: number;
}

const rate = (pass: number, all: number): number | null => (all > 0 ? pass / all : null);

function headline(figures: TrendFigures[]): Headline {
  const sum = (k: 'messages' | 'dmarcPass' | 'reports') => figures.reduce((s, f) => s + f[k], 0);
  const messages = sum('messages');
  const dmarcPass = sum('dmarcPass');
  return {
    messages,
    dmarcPass,
    dmarcFail: messages - dmarcPass,
    complianceRate: rate(dmarcPass, messages),
    reports: sum('reports'),
    sources: figures.length === 1 ? figures[0]!.sources : null,
  };
}

/** The senders of several scopes as one list (a sender of two domains is one line). */
function mergeSenders(lists: SenderItem[][]): Map<string, SenderLine & { dmarcPass: number }> {
  const out = new Map<string, SenderLine & { dmarcPass: number }>();
  for (const s of lists.flat()) {
    const m = out.get(s.key) ?? {
      key: s.key,
      sender: s.sender,
      messages: 0,
      dmarcFail: 0,
      dmarcPass: 0,
      complianceRate: null,
    };
    m.messages += s.messages;
    m.dmarcPass += s.dmarcPass;
    m.dmarcFail += s.dmarcFail;
    m.complianceRate = rate(m.dmarcPass, m.messages);
    out.set(s.key, m);
  }
  return out;
}

const byKey = (a: SenderLine, b: SenderLine) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const line = ({ key, sender, messages, dmarcFail, complianceRate }: SenderLine): SenderLine => ({
  key,
  sender,
  messages,
  dmarcFail,
  complianceRate,
});

/**
 * The senders that sent for a domain in the period and not in the NEW_SENDER_LOOKBACK_DAYS before it, domain by
 * domain (as the new_sender alert rule sees them). A domain without any message before the period is new
 * altogether: its senders are not news one by one.
 */
async function newSenders(db: Queryable, orgId: number, domains: string[], period: DigestPeriod) {
  const lists: SenderItem[][] = [];
  for (const domain of domains) {
    const [now, before] = await Promise.all([
      senders(db, { orgId, domain, from: period.start, to: period.end }),
      senders(db, {
        orgId,
        domain,
        from: addDays(period.start, -NEW_SENDER_LOOKBACK_DAYS),
        to: addDays(period.start, -1),
      }),
    ]);
    const known = new Set(before.filter((x) => x.messages > 0).map((x) => x.key));
    if (known.size > 0) lists.push(now.filter((x) => x.messages > 0 && !known.has(x.key)));
  }
  return [...mergeSenders(lists).values()].sort((a, b) => b.messages - a.messages || byKey(a, b));
}

export interface DigestInput {
  orgName: string;
  digest: Digest;
  period: DigestPeriod;
}

export async function digestData(db: Queryable, input: DigestInput): Promise<DigestData> {
  const { digest: d, period } = input;
  // the period before of equal length, as /api/rollup/trends compares (a month with the 30 or 31 days before it)
  const days = Math.round((Date.parse(period.end) - Date.parse(period.start)) / 86_400_000) + 1;
  const previousPeriod = { start: addDays(period.start, -days), end: addDays(period.start, -1) };
  const orgId = d.orgId;
  const scopes: ScopedFilter[] = (d.domains.length === 0 ? [undefined] : d.domains).map((domain) => ({
    orgId,
    ...(domain !== undefined ? { domain } : {}),
  }));
  const cur = (f: ScopedFilter): ScopedFilter => ({ ...f, from: period.start, to: period.end });
  const prev = (f: ScopedFilter): ScopedFilter => ({ ...f, from: previousPeriod.start, to: previousPeriod.end });

  const [t, sumNow, sumBefore, sndNow] = await Promise.all([
    Promise.all(scopes.map((f) => trends(db, cur(f)))),
    Promise.all(scopes.map((f) => summarise(db, cur(f)))),
    Promise.all(scopes.map((f) => summarise(db, prev(f)))),
    Promise.all(scopes.map((f) => senders(db, cur(f)))),
  ]);

  const previousRates = new Map(
    sumBefore.flatMap((s) => s.domains).map((x) => [x.domain, rate(x.dmarcPass, x.messages)] as const),
  );
  const perDomain = sumNow
    .flatMap((s) => s.domains)
    .map((x) => ({
      domain: x.domain,
      messages: x.messages,
      complianceRate: rate(x.dmarcPass, x.messages),
      previousComplianceRate: previousRates.get(x.domain) ?? null,
    }))
    .sort((a, b) => b.messages - a.messages || (a.domain < b.domain ? -1 : 1));

  const now = mergeSenders(sndNow);
  const failing = [...now.values()]
    .filter((s) => s.dmarcFail > 0)
    .sort((a, b) => b.dmarcFail - a.dmarcFail || byKey(a, b));
  const fresh = await newSenders(
    db,
    orgId,
    perDomain.filter((x) => x.messages > 0).map((x) => x.domain),
    period,
  );

  const alerts = (await listUnresolvedAlerts(db, orgId)).filter(
    (a) => d.domains.length === 0 || a.domain === null || d.domains.includes(a.domain),
  );
  const span = periodInstants(period, d.timeZone);
  const files = await failedFilesBetween(db, orgId, span.from, span.to, DIGEST_LIMITS.files);

  return {
    orgName: input.orgName,
    digestName: d.name,
    cadence: d.cadence,
    timeZone: d.timeZone,
    domains: d.domains,
    period,
    previousPeriod,
    current: headline(t.map((x) => x.current)),
    previous: headline(t.map((x) => x.previous)),
    perDomain,
    failingSenders: failing.slice(0, DIGEST_LIMITS.senders).map(line),
    failingSendersTotal: failing.length,
    newSenders: fresh.slice(0, DIGEST_LIMITS.senders).map(line),
    newSendersTotal: fresh.length,
    openAlerts: alerts.slice(0, DIGEST_LIMITS.alerts).map((a) => ({
      severity: a.severity,
      ruleName: a.ruleName,
      domain: a.domain,
      summary: a.summary,
      firstSeenAt: a.firstSeenAt,
    })),
    openAlertsTotal: alerts.length,
    failedFiles: files.items,
    failedFilesTotal: files.total,
  };
}
