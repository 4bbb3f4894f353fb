// The failure share of days without messages: carried from the last known day (before the first, the first).
import { describe, expect, it } from 'vitest';
import { addDays, failureShares, type DailySeries } from '../../../src/analytics/forecast/series.js';

const series = (messages: number[], dmarcPass: number[]): DailySeries => ({
  from: '2026-01-01',
  to: addDays('2026-01-01', messages.length - 1),
  days: messages.map((_, i) => addDays('2026-01-01', i)),
  messages,
  dmarcPass,
});

describe('failure shares', () => {
  it('is the failing share of each day; a day without mail carries the previous one', () => {
    expect(failureShares(series([100, 0, 0, 50, 10], [90, 0, 0, 25, 10]))).toEqual([0.1, 0.1, 0.1, 0.5, 0]);
  });

  it('leading days without mail take the first known share; no mail at all is 0', () => {
    expect(failureShares(series([0, 0, 20], [0, 0, 15]))).toEqual([0.25, 0.25, 0.25]);
    expect(failureShares(series([0, 0], [0, 0]))).toEqual([0, 0]);
  });

  it('counts days across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });
});
