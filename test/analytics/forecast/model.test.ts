// The forecast model on synthetic series: Holt–Winters beats seasonal naive where there is a weekly pattern with a
// trend, the 80 % / 95 % intervals hold about that share of held-back points, the fallbacks by history length,
// bounds, determinism, the variance formula and the minimiser.
import { describe, expect, it } from 'vitest';
import { minimiseOnUnitCube } from '../../../src/analytics/forecast/fit.js';
import { forecastSeries, type SeriesForecast } from '../../../src/analytics/forecast/forecast.js';
import { fitHoltWinters, forecastHoltWinters, runHoltWinters } from '../../../src/analytics/forecast/holt-winters.js';
import {
  MESSAGES_BOUNDS,
  SHARE_BOUNDS,
  holtWintersVarianceFactors,
  seasonalNaiveVarianceFactors,
} from '../../../src/analytics/forecast/intervals.js';
import { forecastSeasonalNaive } from '../../../src/analytics/forecast/seasonal-naive.js';

/** mulberry32 and Box–Muller: seeded normal noise. */
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Weekdays busy, weekends quiet. */
const WEEK = [120, 130, 125, 128, 110, 30, 25];

/** A weekly pattern on a level that drifts (the trend), with noise: what mail volume looks like. */
function trendingWeekly(seed: number, n: number, slope: number, sd: number): number[] {
  const z = normals(seed);
  return Array.from({ length: n }, (_, t) => 1000 + slope * t + 3 * WEEK[t % 7]! + sd * z());
}

/** A series drawn from ETS(A,A,A) itself, so that its intervals are the true ones. */
function etsSeries(seed: number, n: number, sigma: number): number[] {
  const z = normals(seed);
  const [alpha, beta, gamma] = [0.3, 0.02, 0.1];
  let level = 500;
  let trend = 1;
  const s = WEEK.map((w) => w - 95);
  const y: number[] = [];
  for (let t = 0; t < n; t++) {
    const e = sigma * z();
    y.push(level + trend + s[t % 7]! + e);
    level += trend + alpha * e;
    trend += beta * e;
    s[t % 7] = s[t % 7]! + gamma * e;
  }
  return y;
}

describe('Holt–Winters forecasts', () => {
  it('beats the seasonal-naive backtest on series with a weekly pattern and a trend', () => {
    let wins = 0;
    let hwTotal = 0;
    let naiveTotal = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const f = forecastSeries(trendingWeekly(seed, 84, 4, 15), 7, MESSAGES_BOUNDS);
      expect(f.method).toBe('holt_winters');
      if (f.backtestMae! < f.naiveMae!) wins++;
      hwTotal += f.backtestMae!;
      naiveTotal += f.naiveMae!;
    }
    // the naive forecast is a week behind the trend (28 messages a day) and carries one week's noise twice
    expect(wins).toBeGreaterThanOrEqual(36);
    expect(hwTotal).toBeLessThan(0.6 * naiveTotal);
  });

  it('recovers a noiseless weekly pattern exactly', () => {
    const y = Array.from({ length: 42 }, (_, t) => 200 + WEEK[t % 7]!);
    const f = forecastSeries(y, 14, MESSAGES_BOUNDS);
    expect(f.method).toBe('holt_winters');
    f.points.forEach((p, i) => expect(p.value).toBeCloseTo(200 + WEEK[(42 + i) % 7]!, 3));
    expect(f.backtestMae!).toBeLessThan(1e-3);
    expect(f.naiveMae).toBeCloseTo(0, 9);
  });

  it('80 % and 95 % intervals hold about that share of held-back points', () => {
    let in80 = 0;
    let in95 = 0;
    let total = 0;
    for (let seed = 100; seed < 400; seed++) {
      const y = etsSeries(seed, 119, 10);
      const f = forecastSeries(y.slice(0, 112), 7, { min: -Infinity, max: Infinity });
      f.points.forEach((p, i) => {
        const actual = y[112 + i]!;
        total++;
        if (actual >= p.lower80 && actual <= p.upper80) in80++;
        if (actual >= p.lower95 && actual <= p.upper95) in95++;
      });
    }
    expect(total).toBe(2100);
    expect(in80 / total).toBeGreaterThan(0.75);
    expect(in80 / total).toBeLessThan(0.85);
    expect(in95 / total).toBeGreaterThan(0.92);
    expect(in95 / total).toBeLessThan(0.98);
  });

  it('widens the intervals with the horizon, the 95 % around the 80 %', () => {
    const f = forecastSeries(trendingWeekly(7, 70, 2, 20), 28, MESSAGES_BOUNDS);
    expect(f.points).toHaveLength(28);
    for (let i = 1; i < 28; i++) {
      const w = (k: number) => f.points[k]!.upper95 - f.points[k]!.lower95;
      expect(w(i)).toBeGreaterThanOrEqual(w(i - 1));
    }
    for (const p of f.points) {
      expect(p.lower95).toBeLessThanOrEqual(p.lower80);
      expect(p.lower80).toBeLessThanOrEqual(p.value);
      expect(p.value).toBeLessThanOrEqual(p.upper80);
      expect(p.upper80).toBeLessThanOrEqual(p.upper95);
    }
    expect(f.params!.beta).toBeLessThanOrEqual(f.params!.alpha);
    expect(f.params!.gamma).toBeLessThanOrEqual(1 - f.params!.alpha);
  });

  it('is deterministic: the same series gives the same forecast', () => {
    const y = trendingWeekly(3, 60, 1, 25);
    expect(forecastSeries(y, 7, MESSAGES_BOUNDS)).toEqual(forecastSeries([...y], 7, MESSAGES_BOUNDS));
  });
});

describe('fallbacks by history length', () => {
  const week = (n: number) => Array.from({ length: n }, (_, t) => 100 + WEEK[t % 7]! + (t % 3));

  it('two weeks and more: Holt–Winters; the backtest from three weeks', () => {
    expect(forecastSeries(week(14), 7, MESSAGES_BOUNDS)).toMatchObject({ method: 'holt_winters', backtestMae: null });
    expect(forecastSeries(week(14), 7, MESSAGES_BOUNDS).naiveMae).not.toBeNull();
    const f = forecastSeries(week(21), 7, MESSAGES_BOUNDS);
    expect(f.method).toBe('holt_winters');
    expect(f.backtestMae).not.toBeNull();
  });

  it('8 to 13 days: seasonal naive — last week repeated — with no backtest', () => {
    const y = week(10);
    const f: SeriesForecast = forecastSeries(y, 9, MESSAGES_BOUNDS);
    expect(f.method).toBe('seasonal_naive');
    expect(f.params).toBeNull();
    expect(f.backtestMae).toBeNull();
    expect(f.naiveMae).toBeNull();
    // days 11..19 are the weekdays of days 4..10, then again
    expect(f.points.map((p) => p.value)).toEqual([3, 4, 5, 6, 7, 8, 9, 3, 4].map((i) => y[i]!));
    // the second week's spread is √2 times the first's
    const w = (k: number) => f.points[k]!.upper80 - f.points[k]!.value;
    expect(w(7) / w(0)).toBeCloseTo(Math.SQRT2, 9);
  });

  it('under 8 days: no forecast', () => {
    expect(forecastSeries(week(7), 7, MESSAGES_BOUNDS)).toEqual({
      method: 'none',
      points: [],
      backtestMae: null,
      naiveMae: null,
      params: null,
    });
    expect(forecastSeries([], 7, MESSAGES_BOUNDS).method).toBe('none');
  });

  it('the model functions refuse series too short for them', () => {
    expect(() => fitHoltWinters(week(13), 7)).toThrow(RangeError);
    expect(() => forecastSeasonalNaive(week(6), 7, 7)).toThrow(RangeError);
  });
});

describe('bounds', () => {
  it('messages never below 0; a failure share within [0, 1]', () => {
    // volume falling fast: the trend would take it below zero
    const falling = Array.from({ length: 28 }, (_, t) => Math.max(0, 300 - 12 * t + (t % 7) * 5));
    const m = forecastSeries(falling, 28, MESSAGES_BOUNDS);
    expect(m.points.some((p) => p.lower95 === 0)).toBe(true);
    for (const p of m.points) expect(Math.min(p.value, p.lower80, p.lower95)).toBeGreaterThanOrEqual(0);
    const z = normals(5);
    const share = Array.from({ length: 35 }, () => Math.min(1, Math.max(0, 0.02 + 0.03 * z())));
    const s = forecastSeries(share, 7, SHARE_BOUNDS);
    for (const p of s.points) {
      for (const v of [p.value, p.lower80, p.upper80, p.lower95, p.upper95]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
    expect(s.points.some((p) => p.lower95 === 0)).toBe(true);
  });
});

describe('the parts', () => {
  it('variance factors of ETS(A,A,A): 1 + Σ (α + βj + γ[j mod m = 0])²', () => {
    const f = holtWintersVarianceFactors(0.5, 0.1, 0.2, 3, 5);
    const c = (j: number) => 0.5 + 0.1 * j + (j % 3 === 0 ? 0.2 : 0);
    expect(f[0]).toBe(1);
    expect(f[1]).toBeCloseTo(1 + c(1) ** 2, 12);
    expect(f[3]).toBeCloseTo(1 + c(1) ** 2 + c(2) ** 2 + c(3) ** 2, 12);
    expect(f[4]).toBeCloseTo(1 + c(1) ** 2 + c(2) ** 2 + c(3) ** 2 + c(4) ** 2, 12);
    expect(seasonalNaiveVarianceFactors(7, 15)).toEqual([1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3]);
  });

  it('the fitted weights minimise the one-step error better than any grid point', () => {
    const y = etsSeries(42, 91, 8);
    const fit = fitHoltWinters(y, 7);
    for (const alpha of [0.1, 0.3, 0.5, 0.7, 0.9]) {
      for (const beta of [0.001, 0.01, 0.05].map((b) => b * alpha)) {
        for (const gamma of [0.05, 0.2, 0.5].map((g) => g * (1 - alpha))) {
          expect(fit.sse).toBeLessThanOrEqual(runHoltWinters(y, 7, { alpha, beta, gamma }).sse + 1e-9);
        }
      }
    }
    // the one-step forecast of the fit continues the recursion
    const next = forecastHoltWinters(fit, 1)[0]!;
    expect(next.sd).toBeCloseTo(Math.sqrt(fit.sigma2), 12);
  });

  it('the minimiser finds the minimum of a bowl inside the cube', () => {
    const m = minimiseOnUnitCube((x) => (x[0]! - 0.23) ** 2 + 2 * (x[1]! - 0.71) ** 2 + (x[2]! - 0.05) ** 2, 3);
    expect(m.x[0]).toBeCloseTo(0.23, 3);
    expect(m.x[1]).toBeCloseTo(0.71, 3);
    expect(m.x[2]).toBeCloseTo(0.05, 3);
  });
});
