import { describe, expect, it } from 'vitest';
import { axisDate, bucketLabel, dispositionOption, reasonLabel, volumeOption } from '../../web/src/charts/options';
import type { TooltipContent } from '../../web/src/charts/tooltip';
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
    const series = o.series as { name: string; stack: string; data: number[] }[];
    expect(series.map((s) => [s.name, s.stack, s.data])).toEqual([
      ['DMARC pass', 'v', [1200, 0]],
      ['DMARC fail', 'v', [34, 0]],
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
