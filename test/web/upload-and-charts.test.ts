import { describe, expect, it } from 'vitest';
import {
  axisDate,
  bucketLabel,
  complianceOption,
  dispositionOption,
  domainComplianceOption,
  isolatedBucket,
  reasonLabel,
  volumeOption,
} from '../../web/src/charts/options';
import { fixedRateReason } from '../../web/src/lib/filters';
import type { TooltipContent } from '../../web/src/charts/tooltip';
import type { DomainItem } from '../../web/src/lib/types';
import { ApiError, describeError, toProblem } from '../../web/src/lib/problem';
import { buildUrl } from '../../web/src/lib/api';
import { isFinal, overallProgress, planBatches, splitBatch } from '../../web/src/lib/upload';

describe('upload planning', () => {
  const f = (size: number) => ({ size });
  it('batches by count and bytes; a large file goes alone', () => {
    expect(planBatches([f(1), f(1), f(1)], 2, 100).map((b) => b.length)).toEqual([2, 1]);
    expect(planBatches([f(60), f(60), f(10)], 10, 100).map((b) => b.length)).toEqual([1, 2]);
    expect(planBatches([f(500), f(1)], 10, 100).map((b) => b.length)).toEqual([1, 1]);
    expect(planBatches([], 10, 100)).toEqual([]);
  });
  it('splits a refused batch in halves', () => {
    expect(splitBatch([1, 2, 3])).toEqual([[1, 2], [3]]);
  });
  it('computes overall progress', () => {
    expect(overallProgress([], 0)).toBe(0);
    expect(overallProgress(['processed', 'duplicate'], 0)).toBe(1);
    expect(overallProgress(['uploading', 'uploading'], 0.5)).toBe(0.25);
    expect(overallProgress(['accepted', 'waiting'], 0)).toBe(0.25);
    expect(isFinal('failed')).toBe(true);
    expect(isFinal('processing')).toBe(false);
  });
});

describe('problems', () => {
  it('reads problem JSON and makes one up otherwise', () => {
    const p = toProblem(400, {
      type: 't',
      title: 'Bad Request',
      status: 400,
      detail: 'from: must not be after to',
      code: 'validation_failed',
      errors: [{ field: 'from', message: 'x' }],
    });
    expect(p).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ field: 'from', message: 'x' }] });
    expect(toProblem(502, '<html>', 'Bad Gateway')).toMatchObject({ status: 502, title: 'Bad Gateway' });
    expect(describeError(new ApiError(toProblem(0, null)))).toMatch(/could not be reached/);
    expect(describeError(new ApiError(p))).toBe('from: must not be after to (from: x)');
  });
  it('builds query strings without empty values', () => {
    expect(buildUrl('/api/reports', { domain: 'a.com', org: undefined, limit: 50, cursor: '' })).toBe(
      '/api/reports?domain=a.com&limit=50',
    );
    expect(buildUrl('/api/x')).toBe('/api/x');
  });
});

describe('chart options', () => {
  const render = (c: TooltipContent) => c;
  const day = (date: string, pass: number, fail: number) => ({
    date,
    messages: pass + fail,
    dmarcPass: pass,
    dmarcFail: fail,
    disposition: { none: pass + fail, quarantine: 0, reject: 0, pass: 0 },
    complianceRate: pass + fail > 0 ? pass / (pass + fail) : null,
  });

  it('volume: stacked pass/fail with exact numbers in the tooltip', () => {
    const o = volumeOption([day('2024-06-13', 1200, 34), day('2024-06-14', 0, 0)], 'day', render) as Record<
      string,
      unknown
    >;
    const series = o.series as { name: string; stack: string; data: (number | null)[]; barMinHeight: number }[];
    // a zero is no bar (a gap), anything else at least a visible one
    expect(series.map((s) => [s.name, s.stack, s.data, s.barMinHeight])).toEqual([
      ['DMARC pass', 'v', [1200, null], 2],
      ['DMARC fail', 'v', [34, null], 2],
    ]);
    const tooltip = o.tooltip as { formatter: (p: unknown) => TooltipContent };
    const c = tooltip.formatter([{ dataIndex: 0 }]);
    expect(c.title).toBe('Jun 13, 2024');
    expect(c.rows).toEqual([
      { label: 'DMARC pass', value: '1,200', color: expect.any(String) },
      { label: 'DMARC fail', value: '34', color: expect.any(String) },
      { label: 'Messages', value: '1,234' },
      { label: 'Compliance', value: '97.2%' },
    ]);
    expect((o.yAxis as { name: string }).name).toBe('Messages');
    // screen readers get the figures in words, not the canvas
    expect((o.aria as { label: { description: string } }).label.description).toBe(
      'Message volume. 2 days from Jun 13, 2024 to Jun 14, 2024: 1,234 messages, 1,200 passing DMARC and 34 failing ' +
        '(97.2% compliance). Busiest day: Jun 13, 2024 with 1,234 messages.',
    );
  });

  it('compliance: a symbol for every bucket with messages, at any number of buckets; gaps stay gaps', () => {
    // 200 days, messages on a few of them only: two neighbours, and three buckets standing alone
    const items = Array.from({ length: 200 }, (_, i) => {
      const d = new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10);
      return [3, 4, 50, 120, 199].includes(i) ? day(d, 9, 1) : day(d, 0, 0);
    });
    const o = complianceOption(items, 'day', render) as Record<string, unknown>;
    const [s] = o.series as {
      showSymbol: boolean;
      showAllSymbol: boolean;
      connectNulls: boolean;
      data: (number | null)[];
      symbolSize: (v: unknown, p: { dataIndex: number }) => number;
    }[];
    expect([s!.showSymbol, s!.showAllSymbol, s!.connectNulls]).toEqual([true, true, false]);
    expect(s!.data.filter((v) => v !== null)).toEqual([90, 90, 90, 90, 90]);
    expect(s!.data[5]).toBeNull();
    const sizes = [3, 4, 50, 120, 199].map((i) => s!.symbolSize(null, { dataIndex: i }));
    expect(sizes.every((n) => n >= 4)).toBe(true);
    // the ones without a line (no neighbour) are drawn larger
    expect(sizes[2]).toBeGreaterThan(sizes[0]!);
    expect([3, 4, 50, 120, 199].map((i) => isolatedBucket(s!.data, i))).toEqual([false, false, true, true, true]);
  });

  it('a DMARC-result filter fixes the rate: the reason is given instead of a chart', () => {
    expect(fixedRateReason({ range: '30d', dmarc: 'fail' })).toMatch(/Fail only.*0 % by definition/);
    expect(fixedRateReason({ range: '30d', dmarc: 'pass' })).toMatch(/Pass only.*100 % by definition/);
    expect(fixedRateReason({ range: '30d' })).toBeNull();
  });

  it('compliance per domain: every name carries its volume; a domain with too little mail is faint and says so', () => {
    const dom = (domain: string, messages: number, pass: number): DomainItem =>
      ({
        domain,
        messages,
        dmarcPass: pass,
        dmarcFail: messages - pass,
        complianceRate: messages ? pass / messages : null,
        policy: { p: 'none' },
      }) as unknown as DomainItem;
    const items = [dom('big.example', 15_206, 15_000), dom('tiny.example', 1, 0)];
    const o = domainComplianceOption(items, render) as Record<string, unknown>;
    const axis = (o.yAxis as { axisLabel: { formatter: (n: string, i: number) => string } }).axisLabel;
    expect(axis.formatter('big.example', 0)).toBe('big.example\n{volume|15,206 messages}');
    expect(axis.formatter('tiny.example', 1)).toBe('tiny.example\n{volume|1 message}');
    const [s] = o.series as {
      data: { value: number; itemStyle: { opacity: number } }[];
      label: { formatter: (p: { dataIndex: number }) => string };
    }[];
    expect(s!.data.map((d) => d.itemStyle.opacity)).toEqual([1, 0.35]);
    expect(s!.label.formatter({ dataIndex: 0 })).toBe('98.6%');
    expect(s!.label.formatter({ dataIndex: 1 })).toBe('0.0% (only 1 message)');
  });

  it('disposition: shares and labels', () => {
    const o = dispositionOption({ none: 90, quarantine: 5, reject: 5, pass: 0 }, render) as Record<string, unknown>;
    const c = (o.tooltip as { formatter: (p: unknown) => TooltipContent }).formatter({ dataIndex: 1 });
    expect(c.title).toBe('Disposition: Quarantine');
    expect(c.rows[1]).toEqual({ label: 'Share', value: '5.0%' });
  });

  it('labels buckets and reasons', () => {
    expect(bucketLabel('2024-06-10', 'week')).toBe('Jun 10, 2024 – Jun 16, 2024');
    expect(axisDate('2024-06-10', 'month')).toBe('Jun 2024');
    expect(axisDate('2024-06-10', 'day')).toBe('Jun 10');
    expect(reasonLabel('mailing_list')).toBe('Mailing list');
    expect(reasonLabel('something_new')).toBe('something_new');
  });
});
