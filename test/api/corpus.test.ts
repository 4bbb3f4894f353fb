// Every read route against the whole corpus, uploaded through POST /api/upload: the figures equal the corpus
// ground truth and what `dmarc summary` computes (summarise()); filters, pagination and validation on every
// list route; the detail of one known report.
import { canonicalReporter } from '../../src/model/reporter-name.js';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsFilter, ScopedFilter } from '../../src/analytics/filters.js';
import { summarise, type SummaryFigures } from '../../src/analytics/summary.js';
import { runCli } from '../support/cli.js';
import { availableEngines } from '../support/db.js';
import { expectationOf, expectedTime, type ExpectedReport } from '../support/manifest.js';
import { DEFAULT_ORG_ID } from '../support/org.js';
import {
  corpusRows,
  dayOf,
  distinctReports,
  expectProblem,
  getJson,
  identityOf,
  inNetwork,
  shiftDay,
  startApi,
  sum,
  sumOf,
  upload,
  walk,
  type Page,
  type TestApi,
  type UploadResult,
} from './helpers.js';

interface Figures extends SummaryFigures {
  complianceRate: number | null;
}
interface TimelineItem {
  date: string;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  disposition: { none: number; quarantine: number; reject: number; pass: number };
  complianceRate: number | null;
}
interface SourceItem {
  sourceIp: string | null;
  messages: number;
  records: number;
  dmarcPass: number;
  dmarcFail: number;
  dkimAlignedPass: number;
  spfAlignedPass: number;
  complianceRate: number | null;
  domains: string[];
  reporters: string[];
  firstSeen: string | null;
  lastSeen: string | null;
}
/** An item of /api/rollup/senders or /countries (the figures that add up). */
interface CountItem {
  messages: number;
  dmarcPass: number;
  country?: string | null;
}
interface DomainItem {
  domain: string;
  reports: number;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  complianceRate: number | null;
  firstDate: string | null;
  lastDate: string | null;
  reporters: number;
  policy: Record<string, string | number | null>;
  policyDate: string | null;
}
interface ReportItem {
  id: number;
  fileId: number;
  orgName: string;
  reporter: string;
  email: string | null;
  reportId: string;
  domain: string;
  begin: string | null;
  end: string | null;
  date: string | null;
  records: number;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  complianceRate: number | null;
  receivedAt: string;
}
interface RecordItem {
  reportId: number;
  idx: number;
  orgName: string;
  reporter: string;
  domain: string;
  date: string | null;
  sourceIp: string | null;
  count: number;
  disposition: string | null;
  dkim: string | null;
  spf: string | null;
  dmarc: 'pass' | 'fail';
  reasons: { type: string; comment: string | null }[];
}
interface FileDetail {
  id: number;
  name: string;
  status: string;
  error: string | null;
  kind: string | null;
  recovered: boolean;
  reportCount: number;
  recordCount: number;
  reports: { id: number; orgName: string; reportId: string; domain: string; records: number; messages: number }[];
  tlsReports?: { id: number; domain: string; successfulSessions: number; failedSessions: number }[];
  failureReports?: { id: number; reportedDomain: string | null; sourceIp: string | null }[];
}

/** Every read route that takes the analytics filters. */
const FILTERED_ROUTES = [
  '/api/rollup/summary',
  '/api/rollup/timeline',
  '/api/rollup/sources',
  '/api/rollup/senders',
  '/api/rollup/countries',
  '/api/rollup/alignment',
  '/api/rollup/trends',
  '/api/domains',
  '/api/reports',
  '/api/records',
  '/api/stats/summary',
  '/api/stats/by-date',
  '/api/stats/by-domain',
  '/api/stats/by-source-ip',
];
/** The paginated ones ({items, total, nextCursor}). */
const LIST_ROUTES = [
  '/api/domains',
  '/api/reports',
  '/api/records',
  '/api/rollup/sources',
  '/api/rollup/senders',
  '/api/stats/by-source-ip',
  '/api/files',
];

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** The API's figures as `dmarc summary` defines them. */
const withRate = (f: SummaryFigures): Figures => ({
  ...f,
  complianceRate: f.messages > 0 ? f.dmarcPass / f.messages : null,
});

function query(f: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The API's query parameters → the filter summarise() takes (the API's user acts in the default organisation). */
function toFilter(q: Record<string, string>): ScopedFilter {
  const f: ScopedFilter = { orgId: DEFAULT_ORG_ID };
  if (q.domain) f.domain = q.domain;
  if (q.from) f.from = q.from;
  if (q.to) f.to = q.to;
  if (q.period) f.period = q.period as AnalyticsFilter['period'];
  if (q.org) f.reporter = canonicalReporter(q.org, null);
  if (q.source_ip) f.sourceIp = q.source_ip;
  if (q.disposition) f.disposition = q.disposition as AnalyticsFilter['disposition'];
  if (q.dmarc) f.dmarc = q.dmarc as AnalyticsFilter['dmarc'];
  return f;
}

const truth = distinctReports(corpusRows);
const truthMessages = sumOf(truth, 'count_sum');
const truthRecords = sumOf(truth, 'records');
/** A day that holds reports (google.com's nice-input: begin 1718236800 = 2024-06-13T00:00:00Z). */
const DAY = '2024-06-13';

describe.each(availableEngines())('API over the uploaded corpus on %s', (engine) => {
  let api: TestApi;
  const results = new Map<string, UploadResult>();
  /** Every record, read once through /api/records: the reference for record-level filters. */
  let allRecords: RecordItem[] = [];

  beforeAll(async () => {
    api = await startApi(engine);
    // The whole corpus in path order, several requests of at most 50 files.
    for (let i = 0; i < corpusRows.length; i += 50) {
      const batch = corpusRows.slice(i, i + 50);
      const parts = await Promise.all(batch.map(async (r) => ({ name: r.path, bytes: await fs.readFile(r.absPath) })));
      const res = await upload(api, parts);
      batch.forEach((row, j) => results.set(row.path, res[j]!));
    }
    await api.queue.drain();
    allRecords = (await walk<RecordItem>(api, '/api/records', 1000)).items;
  });
  afterAll(async () => {
    await api?.close();
  });

  describe('upload of the corpus', () => {
    it('answers every file, byte-identical copies as duplicates of the first', async () => {
      const firstBySha = new Map<string, string>();
      for (const row of corpusRows) {
        const r = results.get(row.path)!;
        expect(r.name, row.path).toBe(row.path.split('/').pop());
        const sha = crypto
          .createHash('sha256')
          .update(await fs.readFile(row.absPath))
          .digest('hex');
        const first = firstBySha.get(sha);
        if (first !== undefined) {
          expect(r.status, row.path).toBe('duplicate');
          expect(r.fileId, row.path).toBe(results.get(first)!.fileId);
          continue;
        }
        firstBySha.set(sha, row.path);
        const exp = expectationOf(row);
        if (row.kind === 'forensic' || row.kind === 'smtp_tls') {
          expect(r.status, row.path).toBe('accepted');
        } else if (exp && exp.reports.length > 0) {
          expect(r.status, row.path).toBe('accepted');
          expect(r.error, row.path).toBeNull();
        } else {
          expect(['accepted', 'rejected'], row.path).toContain(r.status);
          if (r.status === 'rejected') expect(r.error, row.path).toBeTruthy();
        }
      }
      expect(new Set([...results.values()].map((r) => r.fileId)).size).toBe(firstBySha.size);
    });

    it('GET /api/files/:id gives each file its final status: processed, duplicate, unsupported or failed', async () => {
      const won = new Set<string>();
      const seen = new Set<number>();
      for (const row of corpusRows) {
        const r = results.get(row.path)!;
        if (seen.has(r.fileId)) continue; // a byte-identical copy: that file is checked once
        seen.add(r.fileId);
        const f = await getJson<FileDetail>(api, `/api/files/${r.fileId}`);
        expect(f.id).toBe(r.fileId);
        const exp = expectationOf(row);
        if (row.kind === 'smtp_tls') {
          // stored (GET /api/tls/reports), a duplicate of an identical report, or refused for naming no domain
          const named = (row.expected as { policy_domains: string[] }).policy_domains.length > 0;
          if (named) expect(['processed', 'duplicate'], row.path).toContain(f.status);
          else expect(f, row.path).toMatchObject({ status: 'failed', error: expect.stringMatching(/policy-domain/) });
          // the file lists the TLS reports stored from it (none when it was a duplicate or refused)
          expect(f.tlsReports!.length > 0, row.path).toBe(f.status === 'processed');
          for (const t of f.tlsReports!) {
            expect((row.expected as { policy_domains: string[] }).policy_domains, row.path).toContain(t.domain);
          }
          expect(f.reports, row.path).toEqual([]);
          continue;
        }
        if (row.kind === 'forensic') {
          // the LinkedIn report comes twice (LF and CRLF copies): the second file is a duplicate
          expect(['processed', 'duplicate'], row.path).toContain(f.status);
          expect(f, row.path).toMatchObject({ kind: 'failure', reports: [] });
          expect(f.failureReports!.length > 0, row.path).toBe(f.status === 'processed');
          continue;
        }
        if (!exp || exp.reports.length === 0) {
          expect(f.status, row.path).toBe('failed');
          expect(f.error, row.path).toBeTruthy();
          expect(f.reports).toEqual([]);
          continue;
        }
        const mine = exp.reports.filter((x) => !won.has(identityOf(x)));
        for (const x of mine) won.add(identityOf(x));
        if (mine.length === 0) {
          // every report of it was stored from an earlier file (resent, or in another container)
          expect(f.status, row.path).toBe('duplicate');
          expect(f.reports, row.path).toEqual([]);
        } else {
          expect(f.status, row.path).toBe('processed');
          expect(f.reportCount, row.path).toBe(mine.length);
          expect(f.recordCount, row.path).toBe(sumOf(mine, 'records'));
          const stored = f.reports.map((x) => [x.orgName, x.reportId, x.domain, x.records, x.messages]);
          const expected = mine.map((x) => [
            x.org_name ?? '',
            x.report_id,
            x.domain.toLowerCase(),
            x.records,
            x.count_sum,
          ]);
          expect(stored.sort(), row.path).toEqual(expected.sort());
          if (exp.recovered) expect(f.recovered, row.path).toBe(true);
        }
        if (exp.refusals.length > 0) expect(f.error, row.path).toBeTruthy();
      }
    });

    it('GET /api/files?status=failed lists exactly the failed files, page by page', async () => {
      const all = await walk<FileDetail>(api, '/api/files', 1000);
      const failed = await walk<FileDetail>(api, '/api/files?status=failed', 4);
      expect(failed.items.map((f) => f.id)).toEqual(all.items.filter((f) => f.status === 'failed').map((f) => f.id));
      expect(failed.items.length).toBeGreaterThan(5);
      expect(failed.pages).toBe(Math.ceil(failed.items.length / 4));
      for (const f of failed.items) expect(f.error).toBeTruthy();
      const statuses = new Set(all.items.map((f) => f.status));
      expect(statuses).toEqual(new Set(['processed', 'duplicate', 'failed']));
    });

    it('the same bytes in a later request are duplicates of the same files; nothing new is kept', async () => {
      const rows = corpusRows.slice(0, 3);
      const again = await upload(
        api,
        await Promise.all(rows.map(async (r) => ({ name: `again-${r.path}`, bytes: await fs.readFile(r.absPath) }))),
      );
      expect(again.map((r) => [r.status, r.fileId])).toEqual(
        rows.map((r) => ['duplicate', results.get(r.path)!.fileId]),
      );
      const files = await getJson<Page<unknown>>(api, '/api/files?limit=1');
      expect(files.total).toBe(new Set([...results.values()].map((r) => r.fileId)).size);
    });
  });

  describe('figures equal the ground truth and dmarc summary', () => {
    it('/api/rollup/summary and /api/stats/summary', async () => {
      const s = await getJson<Figures>(api, '/api/rollup/summary');
      expect(s.reports).toBe(truth.length);
      expect(s.records).toBe(truthRecords);
      expect(s.messages).toBe(truthMessages);
      expect(s).toEqual(withRate((await summarise(api.db, { orgId: DEFAULT_ORG_ID })).totals));
      expect(s.complianceRate).toBeGreaterThan(0);
      expect(s.complianceRate).toBeLessThan(1);
      expect(await getJson<Figures>(api, '/api/stats/summary')).toEqual(s);
      // disposition counts and record-level sums agree with the records themselves
      expect(sumOf(allRecords, 'count')).toBe(truthMessages);
      const messagesWhere = (f: (r: RecordItem) => boolean): number => sumOf(allRecords.filter(f), 'count');
      for (const d of ['none', 'quarantine', 'reject', 'pass'] as const) {
        expect(s.disposition[d], d).toBe(messagesWhere((r) => r.disposition === d));
      }
      expect(s.dmarcPass).toBe(messagesWhere((r) => r.dmarc === 'pass'));
      expect(s.dkimAlignedPass).toBe(messagesWhere((r) => r.dkim === 'pass'));
      expect(s.spfAlignedPass).toBe(messagesWhere((r) => r.spf === 'pass'));
    });

    it.runIf(engine === 'postgres')('equals what the dmarc summary command prints', async () => {
      const r = await runCli(['summary', '--json'], { DATABASE_URL: api.url! });
      expect(r.code, r.stderr).toBe(0);
      const cli = JSON.parse(r.stdout) as { totals: SummaryFigures; domains: ({ domain: string } & SummaryFigures)[] };
      const s = await getJson<Figures>(api, '/api/rollup/summary');
      expect(withRate(cli.totals)).toEqual(s);
      const byDomain = await getJson<{ items: ({ domain: string } & Figures)[] }>(api, '/api/stats/by-domain');
      expect(byDomain.items).toEqual(cli.domains.map((d) => withRate(d)));
    });

    it('/api/stats/by-domain and /api/domains, per domain', async () => {
      const byDomain = await getJson<{ items: ({ domain: string } & Figures)[] }>(api, '/api/stats/by-domain');
      expect(byDomain.items).toEqual(
        (await summarise(api.db, { orgId: DEFAULT_ORG_ID })).domains.map((d) => withRate(d)),
      );
      const domains = (await walk<DomainItem>(api, '/api/domains', 4)).items;
      const names = [...new Set(truth.map((r) => r.domain.toLowerCase()))].sort();
      expect(domains.map((d) => d.domain)).toEqual(names);
      expect(byDomain.items.map((d) => d.domain)).toEqual(names);
      for (const d of domains) {
        const mine = truth.filter((r) => r.domain.toLowerCase() === d.domain);
        const fig = byDomain.items.find((x) => x.domain === d.domain)!;
        expect(d.reports, d.domain).toBe(mine.length);
        expect(d.messages, d.domain).toBe(sumOf(mine, 'count_sum'));
        expect(fig.reports, d.domain).toBe(mine.length);
        expect(fig.messages, d.domain).toBe(d.messages);
        expect(fig.records, d.domain).toBe(sumOf(mine, 'records'));
        expect(d.dmarcPass, d.domain).toBe(fig.dmarcPass);
        expect(d.dmarcPass + d.dmarcFail).toBe(d.messages);
        expect(d.complianceRate).toBe(fig.complianceRate);
        const days = mine
          .map(dayOf)
          .filter((x): x is string => x !== null && x !== undefined)
          .sort();
        if (d.messages > 0 && days.length > 0) {
          expect(d.firstDate, d.domain).toBe(days[0]);
          expect(d.lastDate, d.domain).toBe(days[days.length - 1]);
        }
        expect(d.reporters, d.domain).toBeGreaterThan(0);
        expect(d.reporters).toBeLessThanOrEqual(new Set(mine.map((r) => r.org_name ?? '')).size);
      }
      // the latest published policy of example.com comes from its report with the latest begin
      const example = domains.find((d) => d.domain === 'example.com')!;
      const latest = truth
        .filter((r) => r.domain.toLowerCase() === 'example.com' && expectedTime(r.begin) !== null)
        .sort((a, b) => expectedTime(b.begin)! - expectedTime(a.begin)!)[0]!;
      expect(example.policyDate).toBe(dayOf(latest));
      expect(Object.keys(example.policy).sort()).toEqual(
        ['adkim', 'aspf', 'discoveryMethod', 'fo', 'np', 'p', 'pct', 'sp', 'testing'].sort(),
      );
    });

    it('/api/rollup/timeline: the days from the first to the last, each equal to that day', async () => {
      const { items, interval } = await getJson<{ interval: string; items: TimelineItem[] }>(
        api,
        '/api/rollup/timeline',
      );
      expect(interval).toBe('day');
      const perDay = new Map<string, number>();
      for (const r of truth) {
        const d = dayOf(r);
        if (d !== null) perDay.set(d, (perDay.get(d) ?? 0) + r.count_sum);
      }
      const days = [...perDay.keys()].sort();
      expect(items[0]!.date).toBe(days[0]);
      expect(items[items.length - 1]!.date).toBe(days[days.length - 1]);
      const span = Math.round((Date.parse(days[days.length - 1]!) - Date.parse(days[0]!)) / 86_400_000) + 1;
      // The corpus runs from 1970 (a report with begin = 100 s) to 2025: more days than the API zero-fills, so
      // it answers the days with data; a shorter span is zero-filled day by day (see the date filters below).
      expect(span).toBeGreaterThan(20_000);
      expect(items.map((p) => p.date)).toEqual(days);
      for (const p of items) {
        expect(p.messages, p.date).toBe(perDay.get(p.date) ?? 0);
        expect(p.dmarcPass + p.dmarcFail).toBe(p.messages);
      }
      // reports without a readable period have no day: the timeline leaves them out, and only them
      const undated = truth.filter((r) => dayOf(r) === null);
      expect(sumOf(items, 'messages')).toBe(truthMessages - sumOf(undated, 'count_sum'));
      const dated = withRate(
        (await summarise(api.db, { orgId: DEFAULT_ORG_ID, from: days[0], to: days[days.length - 1] })).totals,
      );
      expect(sumOf(items, 'dmarcPass')).toBe(dated.dmarcPass);
      for (const d of ['none', 'quarantine', 'reject', 'pass'] as const) {
        const total = sum(items, (p) => p.disposition[d]);
        expect(total, d).toBe(dated.disposition[d]);
      }
      const alias = await getJson<{ interval: string; items: TimelineItem[] }>(api, '/api/stats/by-date');
      expect(alias.items).toEqual(items);
    });

    it.each(['week', 'month'] as const)('/api/rollup/timeline?interval=%s sums to the same', async (interval) => {
      const day = await getJson<{ items: TimelineItem[] }>(api, '/api/rollup/timeline');
      const r = await getJson<{ interval: string; items: TimelineItem[] }>(
        api,
        `/api/rollup/timeline?interval=${interval}`,
      );
      expect(r.interval).toBe(interval);
      expect(sumOf(r.items, 'messages')).toBe(sumOf(day.items, 'messages'));
      expect(sumOf(r.items, 'dmarcPass')).toBe(sumOf(day.items, 'dmarcPass'));
      for (const p of r.items) {
        const d = new Date(`${p.date}T00:00:00Z`);
        if (interval === 'week')
          expect(d.getUTCDay(), p.date).toBe(1); // weeks start on Monday
        else expect(d.getUTCDate(), p.date).toBe(1);
      }
      const dates = r.items.map((p) => p.date);
      expect(dates).toEqual([...dates].sort());
      expect(new Set(dates).size).toBe(dates.length);
    });

    it('/api/rollup/sources and /api/stats/by-source-ip: summed over all pages', async () => {
      const s = await getJson<Figures>(api, '/api/rollup/summary');
      for (const url of ['/api/rollup/sources', '/api/stats/by-source-ip']) {
        const { items } = await walk<SourceItem>(api, url, 100);
        expect(sumOf(items, 'messages'), url).toBe(s.messages);
        expect(sumOf(items, 'records'), url).toBe(s.records);
        expect(sumOf(items, 'dmarcPass'), url).toBe(s.dmarcPass);
        expect(sumOf(items, 'dkimAlignedPass'), url).toBe(s.dkimAlignedPass);
        expect(sumOf(items, 'spfAlignedPass'), url).toBe(s.spfAlignedPass);
        const ips = items.map((x) => x.sourceIp);
        expect(new Set(ips).size, url).toBe(ips.length);
        expect(new Set(ips)).toEqual(new Set(allRecords.map((r) => r.sourceIp)));
        for (const x of items) {
          const mine = allRecords.filter((r) => r.sourceIp === x.sourceIp);
          expect(x.messages, `${x.sourceIp}`).toBe(sumOf(mine, 'count'));
          expect(x.records, `${x.sourceIp}`).toBe(mine.length);
          expect(x.dmarcPass + x.dmarcFail).toBe(x.messages);
          expect([...x.domains].sort()).toEqual([...new Set(mine.map((r) => r.domain))].sort());
          expect([...x.reporters].sort()).toEqual([...new Set(mine.map((r) => r.reporter))].sort());
        }
        // default sort: messages, descending
        const counts = items.map((x) => x.messages);
        expect(counts).toEqual([...counts].sort((a, b) => b - a));
      }
    });

    it('/api/rollup/alignment adds up', async () => {
      const s = await getJson<Figures>(api, '/api/rollup/summary');
      const a = await getJson<{
        messages: number;
        dkim: { authenticated: number; aligned: number; authenticatedNotAligned: number; notAuthenticated: number };
        spf: { authenticated: number; aligned: number; authenticatedNotAligned: number; notAuthenticated: number };
        both: number;
        dkimOnly: number;
        spfOnly: number;
        neither: number;
      }>(api, '/api/rollup/alignment');
      expect(a.messages).toBe(s.messages);
      expect(a.dkim.aligned).toBe(s.dkimAlignedPass);
      expect(a.spf.aligned).toBe(s.spfAlignedPass);
      expect(a.both + a.dkimOnly + a.spfOnly + a.neither).toBe(s.messages);
      expect(a.both + a.dkimOnly + a.spfOnly).toBe(s.dmarcPass);
      expect(a.neither).toBe(s.messages - s.dmarcPass);
      for (const m of [a.dkim, a.spf]) {
        expect(m.authenticatedNotAligned + m.notAuthenticated + m.aligned).toBeLessThanOrEqual(s.messages);
        expect(m.authenticated).toBeGreaterThanOrEqual(m.authenticatedNotAligned);
      }
    });

    it('/api/rollup/trends compares the period with the one before it', async () => {
      const q = 'from=2024-01-01&to=2024-12-31';
      const t = await getJson<{
        period: { from: string; to: string; days: number };
        previousPeriod: { from: string; to: string };
        current: { messages: number; dmarcPass: number; dmarcFail: number; reports: number; domains: number };
        previous: { messages: number; dmarcPass: number; dmarcFail: number; reports: number };
        delta: { messages: number; reports: number };
        change: { messages: number | null };
      }>(api, `/api/rollup/trends?${q}`);
      expect(t.period).toEqual({ from: '2024-01-01', to: '2024-12-31', days: 366 });
      // the 366 days just before
      expect(t.previousPeriod).toEqual({ from: '2022-12-31', to: '2023-12-31' });
      const cur = (await summarise(api.db, { orgId: DEFAULT_ORG_ID, from: '2024-01-01', to: '2024-12-31' })).totals;
      const prev = (await summarise(api.db, { orgId: DEFAULT_ORG_ID, from: '2022-12-31', to: '2023-12-31' })).totals;
      expect(t.current).toMatchObject({ messages: cur.messages, dmarcPass: cur.dmarcPass, reports: cur.reports });
      expect(t.previous).toMatchObject({ messages: prev.messages, dmarcPass: prev.dmarcPass, reports: prev.reports });
      expect(t.delta.messages).toBe(cur.messages - prev.messages);
      expect(t.delta.reports).toBe(cur.reports - prev.reports);
      expect(t.change.messages).toBe(prev.messages > 0 ? (cur.messages - prev.messages) / prev.messages : null);
      // without dates: the 30 days ending with the last day that has data
      const d = await getJson<{ period: { from: string; to: string; days: number } }>(api, '/api/rollup/trends');
      expect(d.period.days).toBe(30);
      const last = truth
        .map(dayOf)
        .filter((x): x is string => x !== null)
        .sort()
        .pop()!;
      expect(d.period.to).toBe(last);
      expect(d.period.from).toBe(shiftDay(last, -29));
    });

    it('/api/reports and /api/records: totals, and every stored report exactly once', async () => {
      const reports = await walk<ReportItem>(api, '/api/reports', 40);
      expect(reports.items.length).toBe(truth.length);
      const ids = (it: ReportItem): string =>
        JSON.stringify([it.orgName, it.reportId, it.domain, it.begin === null ? null : Date.parse(it.begin) / 1000]);
      expect(new Set(reports.items.map(ids))).toEqual(new Set(truth.map(identityOf)));
      for (const r of reports.items) {
        const t = truth.find((x) => identityOf(x) === ids(r))!;
        expect(r.records, r.reportId).toBe(t.records);
        expect(r.messages, r.reportId).toBe(t.count_sum);
        expect(r.date, r.reportId).toBe(dayOf(t));
        expect(r.dmarcPass + r.dmarcFail).toBe(r.messages);
      }
      expect(allRecords.length).toBe(truthRecords);
      const records = await getJson<Page<RecordItem>>(api, '/api/records?limit=1');
      expect(records.total).toBe(truthRecords);
    });
  });

  describe('filters', () => {
    /** The summary for the query equals summarise() for the same filter; and the lists agree with it. */
    async function checkFilter(q: Record<string, string>): Promise<Figures> {
      const what = JSON.stringify(q);
      const s = await getJson<Figures>(api, `/api/rollup/summary${query(q)}`);
      expect(s, what).toEqual(withRate((await summarise(api.db, toFilter(q))).totals));
      const reports = await getJson<Page<ReportItem>>(api, `/api/reports${query({ ...q, limit: '1' })}`);
      expect(reports.total, what).toBe(s.reports);
      const records = await getJson<Page<RecordItem>>(api, `/api/records${query({ ...q, limit: '1000' })}`);
      expect(records.total, what).toBe(s.records);
      if (records.nextCursor === null) expect(sumOf(records.items, 'count')).toBe(s.messages);
      const sources = (await walk<SourceItem>(api, `/api/rollup/sources${query(q)}`, 1000)).items;
      expect(sumOf(sources, 'messages'), what).toBe(s.messages);
      // every message has a sender and a country (null: not located)
      const senders = (await walk<CountItem>(api, `/api/rollup/senders${query(q)}`, 1000)).items;
      expect(sumOf(senders, 'messages'), what).toBe(s.messages);
      expect(sumOf(senders, 'dmarcPass'), what).toBe(s.dmarcPass);
      const countries = (await getJson<{ items: CountItem[] }>(api, `/api/rollup/countries${query(q)}`)).items;
      expect(sumOf(countries, 'messages'), what).toBe(s.messages);
      expect(sumOf(countries, 'dmarcPass'), what).toBe(s.dmarcPass);
      expect(new Set(countries.map((c) => c.country)).size, what).toBe(countries.length);
      const domains = (await walk<DomainItem>(api, `/api/domains${query(q)}`, 1000)).items;
      expect(sumOf(domains, 'messages'), what).toBe(s.messages);
      expect(sumOf(domains, 'reports'), what).toBe(s.reports);
      const alignment = await getJson<{ messages: number }>(api, `/api/rollup/alignment${query(q)}`);
      expect(alignment.messages, what).toBe(s.messages);
      // the timeline leaves out reports without a readable period (no day): compare with the dated ones
      const tl = (await getJson<{ items: TimelineItem[] }>(api, `/api/rollup/timeline${query(q)}`)).items;
      const range = { from: q.from ?? '1900-01-01', to: q.to ?? '2999-12-31' };
      const dated = (await summarise(api.db, { ...toFilter(q), ...range })).totals;
      expect(sumOf(tl, 'messages'), what).toBe(dated.messages);
      expect(sumOf(tl, 'dmarcPass'), what).toBe(dated.dmarcPass);
      return s;
    }

    const onDays = (from: string | null, to: string | null): ExpectedReport[] =>
      truth.filter((r) => {
        const d = dayOf(r);
        return d !== null && (from === null || d >= from) && (to === null || d <= to);
      });

    it.each([
      ['the day of a report', DAY, DAY],
      ['the day before', shiftDay(DAY, -1), shiftDay(DAY, -1)],
      ['the day after', shiftDay(DAY, 1), shiftDay(DAY, 1)],
      ['a range around it', shiftDay(DAY, -1), shiftDay(DAY, 1)],
      ['from only', DAY, null],
      ['to only', null, DAY],
      ['a day of a report at epoch + 100 s', '1970-01-01', '1970-01-01'],
    ])('dates: %s (from=%s, to=%s), inclusive, on the begin day', async (_label, from, to) => {
      const q: Record<string, string> = {};
      if (from) q.from = from;
      if (to) q.to = to;
      const s = await checkFilter(q);
      const exp = onDays(from, to);
      expect(s.reports).toBe(exp.length);
      expect(s.messages).toBe(sumOf(exp, 'count_sum'));
      expect(s.records).toBe(sumOf(exp, 'records'));
      const reports = await walk<ReportItem>(api, `/api/reports${query(q)}`, 50);
      for (const r of reports.items) {
        if (from) expect(r.date! >= from).toBe(true);
        if (to) expect(r.date! <= to).toBe(true);
      }
      if (from && to) {
        // every day of the range, zeros included
        const tl = await getJson<{ items: TimelineItem[] }>(api, `/api/rollup/timeline${query(q)}`);
        const expected: string[] = [];
        for (let d = from; d <= to; d = shiftDay(d, 1)) expected.push(d);
        expect(tl.items.map((p) => p.date)).toEqual(expected);
        expect(sumOf(tl.items, 'messages')).toBe(s.messages);
      }
    });

    // Reports without a readable period are stored and counted: every list and figure of all time holds them,
    // and period=none finds them (no date range can).
    const undated = truth.filter((r) => dayOf(r) === null);

    it.each([
      ['all time', { period: 'all' }, truth],
      ['no period', { period: 'none' }, undated],
      [
        'no period, one domain',
        { period: 'none', domain: 'example.com' },
        undated.filter((r) => r.domain === 'example.com'),
      ],
      ['nothing given', {}, truth],
    ] as const)('period: %s', async (_label, q, exp) => {
      expect(undated.length).toBeGreaterThan(0);
      const s = await checkFilter({ ...q });
      expect(s.reports).toBe(exp.length);
      expect(s.messages).toBe(sumOf(exp, 'count_sum'));
      expect(s.records).toBe(sumOf(exp, 'records'));
      const reports = await walk<ReportItem>(api, `/api/reports${query({ ...q })}`, 50);
      expect(reports.items.length).toBe(exp.length);
      if ('period' in q && q.period === 'none')
        expect(reports.items.every((r) => r.date === null && r.begin === null)).toBe(true);
    });

    it('trends of all time hold every report, dated or not; of no period, nothing to compare', async () => {
      const t = await getJson<{
        period: { from: string; to: string; days: number };
        current: { messages: number; reports: number };
      }>(api, '/api/rollup/trends?period=all');
      expect(t.current).toMatchObject({ reports: truth.length, messages: truthMessages });
      const days = truth
        .map(dayOf)
        .filter((x): x is string => x !== null)
        .sort();
      expect([t.period.from, t.period.to]).toEqual([days[0], days[days.length - 1]]);
      const none = await getJson<{
        period: unknown;
        previousPeriod: unknown;
        current: { messages: number; reports: number };
        previous: { reports: number };
        change: { reports: number | null };
      }>(api, '/api/rollup/trends?period=none');
      expect(none.current).toMatchObject({ reports: undated.length, messages: sumOf(undated, 'count_sum') });
      expect([none.period, none.previousPeriod, none.previous.reports, none.change.reports]).toEqual([
        null,
        null,
        0,
        null,
      ]);
    });

    it('period stands instead of from/to, and takes only all or none', async () => {
      for (const url of [
        '/api/reports?period=none&from=2024-01-01',
        '/api/rollup/summary?period=all&to=2024-01-01',
        '/api/reports?period=undated',
        '/api/rollup/timeline?period=',
      ]) {
        const body = expectProblem(await api.inject(url), 400, 'validation_failed');
        expect(
          body.errors!.map((e) => e.field),
          url,
        ).toContain('period');
      }
    });

    it('the day of nice-input holds reports, the days around it hold none', async () => {
      expect(onDays(DAY, DAY).length).toBeGreaterThan(0);
      expect(onDays(shiftDay(DAY, -1), shiftDay(DAY, -1))).toHaveLength(0);
      expect(onDays(shiftDay(DAY, 1), shiftDay(DAY, 1))).toHaveLength(0);
    });

    it.each([
      '192.0.2.0/24',
      '203.0.113.0/24',
      '54.240.0.0/16',
      '209.85.220.41',
      '209.85.220.41/32',
      '2607:f8b0::/32',
      'fe80::/10',
      'FE80:0000:0000:0000:0202:B3FF:FE1E:8329',
      '0.0.0.0/0',
      '::/0',
      '198.18.0.0/15',
    ])('source_ip=%s matches the records in that network', async (network) => {
      const mine = allRecords.filter((r) => inNetwork(r.sourceIp, network));
      const s = await checkFilter({ source_ip: network });
      expect(s.records).toBe(mine.length);
      expect(s.messages).toBe(sumOf(mine, 'count'));
      expect(s.reports).toBe(new Set(mine.map((r) => r.reportId)).size);
      const records = await walk<RecordItem>(api, `/api/records${query({ source_ip: network })}`, 1000);
      for (const r of records.items) expect(inNetwork(r.sourceIp, network), `${r.sourceIp}`).toBe(true);
      const sources = await walk<SourceItem>(api, `/api/rollup/sources${query({ source_ip: network })}`, 1000);
      for (const x of sources.items) expect(inNetwork(x.sourceIp, network), `${x.sourceIp}`).toBe(true);
      if (!['198.18.0.0/15'].includes(network)) expect(mine.length, network).toBeGreaterThan(0);
    });

    it('reason filters records (and reports with such a record) on a policy-override reason', async () => {
      const has = (r: RecordItem, reason: string) => r.reasons.some((x) => x.type === reason);
      const reasons = [...new Set(allRecords.flatMap((r) => r.reasons.map((x) => x.type)))].sort();
      expect(reasons.length).toBeGreaterThan(1);
      for (const reason of reasons) {
        const extras: { dmarc?: string; source_ip?: string; domain?: string }[] = [
          {},
          { dmarc: 'fail' },
          { dmarc: 'pass' },
          { source_ip: '0.0.0.0/0' },
          { domain: 'example.com' },
        ];
        for (const extra of extras) {
          const q: Record<string, string> = { reason, ...extra };
          const what = JSON.stringify(q);
          const mine = allRecords.filter(
            (r) =>
              has(r, reason) &&
              (extra.dmarc === undefined || r.dmarc === extra.dmarc) &&
              (extra.source_ip === undefined || inNetwork(r.sourceIp, extra.source_ip)) &&
              (extra.domain === undefined || r.domain.toLowerCase() === extra.domain),
          );
          const got = await walk<RecordItem>(api, `/api/records${query(q)}`, 1000);
          expect(got.items.map((r) => `${r.reportId}/${r.idx}`).sort(), what).toEqual(
            mine.map((r) => `${r.reportId}/${r.idx}`).sort(),
          );
          const first = await getJson<Page<RecordItem>>(api, `/api/records${query({ ...q, limit: '1' })}`);
          expect(first.total, what).toBe(mine.length);
          const reports = await walk<ReportItem>(api, `/api/reports${query(q)}`, 1000);
          expect(new Set(reports.items.map((r) => r.id)), what).toEqual(new Set(mine.map((r) => r.reportId)));
        }
      }
      // case-insensitive; an unknown reason matches nothing; '*' is not a reason
      const upper = await getJson<Page<RecordItem>>(api, `/api/records?reason=${reasons[0]!.toUpperCase()}&limit=1`);
      expect(upper.total).toBe(allRecords.filter((r) => has(r, reasons[0]!)).length);
      expect((await getJson<Page<RecordItem>>(api, '/api/records?reason=no_such_reason')).total).toBe(0);
      expect((await getJson<Page<ReportItem>>(api, '/api/reports?reason=no_such_reason')).total).toBe(0);
      expectProblem(await api.inject('/api/records?reason=*'), 400);
      expectProblem(await api.inject('/api/reports?reason='), 400);
    });

    it('org filters on the reporter under its canonical name, by any of its names', async () => {
      // Google's reports under any of its names, and changed-input.xml: a Google report given another org_name
      // ("fred.com") but still sent from Google's address
      const googleNames = new Set(['google.com', 'Google', 'Google Inc.', 'Google, Inc.', 'fred.com']);
      const exp = truth.filter((r) => googleNames.has(r.org_name ?? ''));
      for (const org of ['google.com', 'Google', 'Google, Inc.']) {
        const s = await checkFilter({ org });
        expect(s.reports, org).toBe(exp.length);
        expect(s.messages, org).toBe(sumOf(exp, 'count_sum'));
      }
      const reports = await walk<ReportItem>(api, '/api/reports?org=google.com', 5);
      expect(new Set(reports.items.map((r) => r.orgName))).toEqual(
        new Set([...googleNames].filter((n) => exp.some((r) => r.org_name === n))),
      );
      expect(new Set(reports.items.map((r) => r.reporter))).toEqual(new Set(['Google']));
      // both spellings of FastMail in the corpus are one reporter
      const fm = truth.filter((r) => /^fastmail pty ltd$/i.test(r.org_name ?? ''));
      expect(fm.length).toBe(2);
      expect((await checkFilter({ org: 'FastMail Pty Ltd' })).messages).toBe(sumOf(fm, 'count_sum'));
      const none = await getJson<Figures>(api, '/api/rollup/summary?org=Goog');
      expect(none.reports).toBe(0);
    });

    it('domain is case-insensitive and ignores a trailing dot', async () => {
      const s = await checkFilter({ domain: 'example.com' });
      const exp = truth.filter((r) => r.domain.toLowerCase() === 'example.com');
      expect(s.reports).toBe(exp.length);
      expect(s.messages).toBe(sumOf(exp, 'count_sum'));
      expect(await getJson<Figures>(api, '/api/rollup/summary?domain=EXAMPLE.com.')).toEqual(s);
    });

    it.each(['none', 'quarantine', 'reject', 'pass'])('disposition=%s', async (d) => {
      const mine = allRecords.filter((r) => r.disposition === d);
      const s = await checkFilter({ disposition: d });
      expect(s.messages).toBe(sumOf(mine, 'count'));
      expect(s.records).toBe(mine.length);
      expect(s.reports).toBe(new Set(mine.map((r) => r.reportId)).size);
      const records = await walk<RecordItem>(api, `/api/records?disposition=${d}`, 1000);
      for (const r of records.items) expect(r.disposition).toBe(d);
    });

    it('dmarc=pass and dmarc=fail split the messages and records', async () => {
      const all = await getJson<Figures>(api, '/api/rollup/summary');
      const pass = await checkFilter({ dmarc: 'pass' });
      const fail = await checkFilter({ dmarc: 'fail' });
      expect(pass.messages + fail.messages).toBe(all.messages);
      expect(pass.records + fail.records).toBe(all.records);
      expect(pass.messages).toBe(all.dmarcPass);
      expect(pass.dmarcPass).toBe(pass.messages);
      expect(fail.dmarcPass).toBe(0);
      expect(pass.complianceRate).toBe(1);
      expect(fail.complianceRate).toBe(0);
      expect(pass.records).toBe(allRecords.filter((r) => r.dmarc === 'pass').length);
      // a report counts under both when it holds passing and failing records
      expect(pass.reports + fail.reports).toBeGreaterThanOrEqual(
        all.reports - truth.filter((r) => r.records === 0).length,
      );
      const failing = await walk<RecordItem>(api, '/api/records?dmarc=fail', 1000);
      for (const r of failing.items) expect(r.dmarc).toBe('fail');
    });

    it('filters combine', async () => {
      const q = { domain: 'example.com', dmarc: 'fail', from: '2024-01-01', source_ip: '0.0.0.0/0' };
      const s = await checkFilter(q);
      const mine = allRecords.filter(
        (r) =>
          r.domain === 'example.com' &&
          r.dmarc === 'fail' &&
          r.date !== null &&
          r.date >= '2024-01-01' &&
          inNetwork(r.sourceIp, '0.0.0.0/0'),
      );
      expect(s.messages).toBe(sumOf(mine, 'count'));
      expect(s.records).toBe(mine.length);
      expect(s.messages).toBeGreaterThan(0);
    });

    it('empty results: total 0, no items, nextCursor null, figures zero, complianceRate null', async () => {
      const q = '?domain=nothing-here.example';
      for (const url of LIST_ROUTES.filter((u) => u !== '/api/files')) {
        expect(await getJson<Page<unknown>>(api, url + q), url).toEqual({ items: [], total: 0, nextCursor: null });
      }
      const zero = {
        reports: 0,
        records: 0,
        messages: 0,
        dmarcPass: 0,
        dkimAlignedPass: 0,
        spfAlignedPass: 0,
        disposition: { none: 0, quarantine: 0, reject: 0, pass: 0 },
        complianceRate: null,
      };
      expect(await getJson(api, `/api/rollup/summary${q}`)).toEqual(zero);
      expect(await getJson(api, `/api/stats/summary${q}`)).toEqual(zero);
      expect(await getJson(api, `/api/stats/by-domain${q}`)).toEqual({ items: [] });
      expect(await getJson(api, `/api/rollup/timeline${q}`)).toEqual({ interval: 'day', items: [] });
      // with dates, every day of the range is there, with zeros
      const tl = await getJson<{ items: TimelineItem[] }>(api, '/api/rollup/timeline?from=2099-01-01&to=2099-01-03');
      expect(tl.items.map((p) => [p.date, p.messages, p.complianceRate])).toEqual([
        ['2099-01-01', 0, null],
        ['2099-01-02', 0, null],
        ['2099-01-03', 0, null],
      ]);
      const a = await getJson<{ messages: number; neither: number }>(api, `/api/rollup/alignment${q}`);
      expect(a).toMatchObject({ messages: 0, neither: 0 });
    });
  });

  describe('pagination', () => {
    it.each([
      ['begin', 'desc'],
      ['begin', 'asc'],
      ['messages', 'desc'],
      ['messages', 'asc'],
      ['org', 'asc'],
      ['org', 'desc'],
      ['domain', 'asc'],
      ['received', 'desc'],
      ['received', 'asc'],
    ])('/api/reports?sort=%s&order=%s walks every report once, in order', async (sort, order) => {
      const { items } = await walk<ReportItem>(api, `/api/reports?sort=${sort}&order=${order}`, 7);
      expect(items.length).toBe(truth.length);
      expect(new Set(items.map((r) => r.id)).size).toBe(items.length);
      const key = (r: ReportItem): string | number =>
        sort === 'begin'
          ? r.begin === null
            ? -Infinity
            : Date.parse(r.begin)
          : sort === 'messages'
            ? r.messages
            : sort === 'org'
              ? r.reporter
              : sort === 'domain'
                ? r.domain
                : Date.parse(r.receivedAt);
      for (let i = 1; i < items.length; i++) {
        const [a, b] = [key(items[i - 1]!), key(items[i]!)];
        if (order === 'asc') expect(a <= b, `${a} then ${b}`).toBe(true);
        else expect(a >= b, `${a} then ${b}`).toBe(true);
      }
    });

    it('/api/records walks every record once, newest report first, records in report order', async () => {
      const { items } = await walk<RecordItem>(api, '/api/records', 97);
      expect(items.length).toBe(truthRecords);
      expect(new Set(items.map((r) => `${r.reportId}/${r.idx}`)).size).toBe(items.length);
      for (let i = 1; i < items.length; i++) {
        const [a, b] = [items[i - 1]!, items[i]!];
        expect(a.reportId > b.reportId || (a.reportId === b.reportId && a.idx < b.idx)).toBe(true);
      }
    });

    it.each(['messages', 'dmarcFail', 'dmarcPass', 'complianceRate', 'lastSeen', 'sourceIp'])(
      '/api/rollup/sources?sort=%s walks every source once',
      async (sort) => {
        const { items } = await walk<SourceItem>(api, `/api/rollup/sources?sort=${sort}`, 150);
        const all = await walk<SourceItem>(api, `/api/rollup/sources?sort=${sort}`, 1000);
        expect(items).toEqual(all.items);
        expect(new Set(items.map((x) => x.sourceIp)).size).toBe(items.length);
        if (sort === 'sourceIp') return; // inet order, not string order: covered by the walk being complete
        // descending by the key, a missing rate last
        const key = (x: SourceItem): number | string =>
          sort === 'lastSeen' ? (x.lastSeen ?? '') : (x[sort as 'messages'] ?? Number.NEGATIVE_INFINITY);
        for (let i = 1; i < items.length; i++) expect(key(items[i - 1]!) >= key(items[i]!)).toBe(true);
      },
    );

    it.each(['domain', 'messages', 'complianceRate', 'reports'])(
      '/api/domains?sort=%s walks every domain once',
      async (sort) => {
        const { items } = await walk<DomainItem>(api, `/api/domains?sort=${sort}`, 2);
        expect(items.map((d) => d.domain).sort()).toEqual(
          [...new Set(truth.map((r) => r.domain.toLowerCase()))].sort(),
        );
      },
    );

    it('a page past the end is empty, and limit=1 pages hold one item', async () => {
      const p = await getJson<Page<ReportItem>>(api, '/api/reports?limit=1');
      expect(p.items).toHaveLength(1);
      expect(p.total).toBe(truth.length);
      expect(p.nextCursor).not.toBeNull();
      const past = await getJson<Page<SourceItem>>(api, `/api/rollup/sources?cursor=${b64({ o: 100_000 })}`);
      expect(past.items).toEqual([]);
      expect(past.nextCursor).toBeNull();
    });
  });

  describe('validation', () => {
    const invalid: [string, string][] = [
      ['from=2024-13-01', 'from'],
      ['to=2024-02-30', 'to'],
      ['from=2024-06-14&to=2024-06-13', 'from'],
      ['from=13%2F06%2F2024', 'from'],
      ['to=yesterday', 'to'],
      ['source_ip=192.0.2.0%2F33', 'source_ip'],
      ['source_ip=2001%3Adb8%3A%3A%2F129', 'source_ip'],
      ['source_ip=not-an-ip', 'source_ip'],
      ['source_ip=10.0.0.1%2F8%2F1', 'source_ip'],
      ['disposition=bogus', 'disposition'],
      ['dmarc=maybe', 'dmarc'],
      ['country=XX', 'country'],
      ['country=USA', 'country'],
      ['asn=AS1', 'asn'],
      ['asn=-5', 'asn'],
      ['sender=', 'sender'],
      ['domain=', 'domain'],
      ['unknown=1', 'unknown'],
    ];
    const cases = FILTERED_ROUTES.flatMap((route) => invalid.map(([q, field]) => [route, q, field] as const));

    it.each(cases)('%s?%s → 400 naming %s', async (route, q, field) => {
      const r = await api.inject(`${route}?${q}`);
      const body = expectProblem(r, 400, 'validation_failed');
      expect(body.errors?.length).toBeGreaterThan(0);
      expect(body.errors!.map((e) => e.field)).toContain(field);
      for (const e of body.errors!) expect(e.message.length).toBeGreaterThan(0);
    });

    const paging = LIST_ROUTES.flatMap((route) =>
      ['limit=0', 'limit=5000', 'limit=ten', 'limit=-1', 'limit=2.5'].map((q) => [route, q] as const),
    );
    it.each(paging)('%s?%s → 400 naming limit', async (route, q) => {
      const body = expectProblem(await api.inject(`${route}?${q}`), 400, 'validation_failed');
      expect(body.errors!.map((e) => e.field)).toContain('limit');
    });

    const cursors = [
      'not-a-cursor!',
      b64('hello'),
      b64(null),
      b64([1, 2]),
      b64({}),
      b64({ o: -1 }),
      b64({ o: 1.5 }),
      b64({ b: 1e30 }),
      b64({ v: 'garbage', id: 1 }),
      b64({ v: 12, id: 1 }),
      b64({ v: '2024-01-01T00:00:00Z', id: 'x' }),
      b64({ r: 1e30, i: 0 }),
      b64({ r: 1, i: 99_999_999_999 }),
      'x'.repeat(501),
    ];
    const tampered = [
      ...LIST_ROUTES.flatMap((route) => cursors.map((c) => [route, c] as const)),
      // {v: 12, id: 1} is a real position when sorting by messages
      ...cursors.filter((c) => c !== b64({ v: 12, id: 1 })).map((c) => ['/api/reports?sort=messages', c] as const),
      ...cursors.map((c) => ['/api/reports?sort=received&order=asc', c] as const),
      // any string is a position when sorting by reporter
      ...cursors.filter((c) => c !== b64({ v: 'garbage', id: 1 })).map((c) => ['/api/reports?sort=org', c] as const),
    ];
    it.each(tampered)('%s with a tampered cursor %s → 400', async (route, cursor) => {
      const r = await api.inject(`${route}${route.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`);
      const body = expectProblem(r, 400);
      expect(['invalid_cursor', 'validation_failed']).toContain(body.code);
      expect(body.errors!.map((e) => e.field)).toContain('cursor');
    });

    it('a cursor of one list is refused by another', async () => {
      const reports = await getJson<Page<unknown>>(api, '/api/reports?limit=1');
      const records = await getJson<Page<unknown>>(api, '/api/records?limit=1');
      expectProblem(await api.inject(`/api/records?cursor=${reports.nextCursor!}`), 400, 'invalid_cursor');
      expectProblem(await api.inject(`/api/reports?cursor=${records.nextCursor!}`), 400, 'invalid_cursor');
      expectProblem(await api.inject(`/api/files?cursor=${reports.nextCursor!}`), 400, 'invalid_cursor');
    });

    it('other query values are checked too', async () => {
      for (const [url, field] of [
        ['/api/reports?sort=size', 'sort'],
        ['/api/reports?order=up', 'order'],
        ['/api/rollup/sources?sort=country', 'sort'],
        ['/api/domains?sort=name', 'sort'],
        ['/api/rollup/timeline?interval=year', 'interval'],
        ['/api/stats/by-date?interval=hour', 'interval'],
        ['/api/files?status=done', 'status'],
        ['/api/files?bogus=1', 'bogus'],
      ] as const) {
        const body = expectProblem(await api.inject(url), 400, 'validation_failed');
        const fields = body.errors!.map((e) => e.field);
        expect(fields, url).toContain(field);
      }
    });
  });

  describe('GET /api/reports/:id', () => {
    it('gives a known report with every record and its auth results as the XML says (mail-auth/003.xml)', async () => {
      const list = await getJson<Page<ReportItem>>(api, `/api/reports${query({ org: 'Fastmail' })}`);
      const item = list.items.find((r) => r.reportId === '758848224')!;
      expect(item).toBeDefined();
      const r = await getJson<Record<string, unknown>>(api, `/api/reports/${item.id}`);
      const fileId = results.get('mail-auth/003.xml')!.fileId;
      expect(r).toMatchObject({
        id: item.id,
        fileId,
        orgName: 'Fastmail Pty Ltd',
        reporter: 'Fastmail',
        email: 'reports@fastmaildmarc.com',
        extraContactInfo: 'https://fastmail.com/',
        reportId: '758848224',
        domain: 'stalw.art',
        begin: '2022-11-02T00:00:00Z',
        end: '2022-11-02T23:59:59Z',
        date: '2022-11-02',
        records: 4,
        messages: 9,
        dmarcPass: 1,
        dmarcFail: 8,
        complianceRate: 1 / 9,
        version: '1.0',
        schema: 'rfc7489',
        recovered: false,
        reporterErrors: [],
        policy: { p: 'none', sp: 'none', pct: 100, fo: '0', adkim: null, aspf: null, np: null, testing: null },
      });
      const forwarded = (ip: string, count: number) => ({
        reportId: item.id,
        orgName: 'Fastmail Pty Ltd',
        reporter: 'Fastmail',
        domain: 'stalw.art',
        date: '2022-11-02',
        sourceIp: ip,
        count,
        disposition: 'none',
        dkim: 'fail',
        spf: 'fail',
        dmarc: 'fail',
        reasons: [{ type: 'trusted_forwarder', comment: 'Policy ignored due to local white list' }],
        headerFrom: 'stalw.art',
        envelopeFrom: 'jmap.bounce.topicbox.com',
        envelopeTo: null,
        dkimResults: [{ domain: 'jmap.topicbox.com', selector: 'dkim-1', result: 'pass', humanResult: 'pass' }],
        spfResults: [{ domain: 'jmap.bounce.topicbox.com', scope: 'mfrom', result: 'pass', humanResult: null }],
      });
      expect(r.recordList).toEqual([
        { idx: 0, ...forwarded('64.147.108.117', 3) },
        { idx: 1, ...forwarded('173.228.157.66', 4) },
        { idx: 2, ...forwarded('64.147.108.173', 1) },
        {
          idx: 3,
          reportId: item.id,
          orgName: 'Fastmail Pty Ltd',
          reporter: 'Fastmail',
          domain: 'stalw.art',
          date: '2022-11-02',
          sourceIp: '54.240.8.13',
          count: 1,
          disposition: 'none',
          dkim: 'pass',
          spf: 'fail',
          dmarc: 'pass',
          reasons: [],
          headerFrom: 'stalw.art',
          envelopeFrom: 'amazonses.com',
          envelopeTo: null,
          dkimResults: [
            { domain: 'stalw.art', selector: 'kvoujh5guu2jpweurhpt2ioscpkpukc3', result: 'pass', humanResult: 'pass' },
            {
              domain: 'amazonses.com',
              selector: '6gbrjpgwjskckoa6a5zn6fwqkn67xbtw',
              result: 'pass',
              humanResult: 'pass',
            },
          ],
          spfResults: [{ domain: 'amazonses.com', scope: 'mfrom', result: 'pass', humanResult: null }],
        },
      ]);
      // the drill-down gives the same records
      const records = await getJson<Page<unknown>>(
        api,
        `/api/records${query({ org: 'Fastmail Pty Ltd', domain: 'stalw.art', limit: '100' })}`,
      );
      expect(records.items).toEqual(r.recordList);
    });

    it('404 for a missing report, 400 for an id that is not one', async () => {
      expectProblem(await api.inject('/api/reports/987654321'), 404, 'report_not_found');
      for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
        const body = expectProblem(await api.inject(`/api/reports/${id}`), 400, 'validation_failed');
        expect(body.errors!.map((e) => e.field)).toContain('id');
      }
    });
  });
});
