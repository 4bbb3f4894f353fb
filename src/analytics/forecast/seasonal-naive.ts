// Seasonal naive: each day forecast as the same weekday of the last observed season. The fallback when the history
// is too short for Holt–Winters, and the yardstick its backtest is compared with.
import type { PointForecast } from './holt-winters.js';
import { seasonalNaiveVarianceFactors } from './intervals.js';

/** Forecasts for h = 1..horizon; the series needs at least one season (m observations). */
export function forecastSeasonalNaive(y: ArrayLike<number>, m: number, horizon: number): PointForecast[] {
  const n = y.length;
  if (n < m) throw new RangeError(`seasonal naive needs at least ${m} observations, got ${n}`);
  // residuals y_t − y_{t−m}; with a single season there are none and the intervals are of width 0
  let sse = 0;
  for (let t = m; t < n; t++) sse += (y[t]! - y[t - m]!) ** 2;
  const sigma2 = n > m ? sse / (n - m) : 0;
  return seasonalNaiveVarianceFactors(m, horizon).map((factor, i) => ({
    mean: y[n - m + (i % m)]!,
    sd: Math.sqrt(sigma2 * factor),
  }));
}
