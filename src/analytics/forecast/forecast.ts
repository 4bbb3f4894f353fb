// One series, forecast: the method the history allows (Holt–Winters from two weeks, seasonal naive from one week
// and a day, nothing below), the points with their intervals cut to the metric's bounds, and a backtest against
// seasonal naive on the same held-out week. Pure (docs/forecasts.md says the same in words).
import { fitHoltWinters, forecastHoltWinters, type PointForecast } from './holt-winters.js';
import { intervalPoint, type Bounds, type IntervalPoint } from './intervals.js';
import { forecastSeasonalNaive } from './seasonal-naive.js';

/** A week: the season of daily mail. */
export const SEASON = 7;
/** Held out by the backtest: the last season of the history. */
export const BACKTEST_DAYS = SEASON;
/** Holt–Winters from two full seasons (its initial states need them). */
export const MIN_HOLT_WINTERS = 2 * SEASON;
/** Seasonal naive from one season and a day (one residual for the spread of its intervals). */
export const MIN_SEASONAL_NAIVE = SEASON + 1;

export type ForecastMethod = 'holt_winters' | 'seasonal_naive' | 'none';

export interface SeriesForecast {
  method: ForecastMethod;
  /** For h = 1..horizon after the last observation. */
  points: IntervalPoint[];
  /**
   * MAE of the method's 1..7-day forecasts from the history without its last 7 days, against those 7 days (null:
   * the shortened history is too short for the method).
   */
  backtestMae: number | null;
  /** MAE of seasonal naive on the same held-out days (null: too short). */
  naiveMae: number | null;
  /** Holt–Winters only: the fitted smoothing weights. */
  params: { alpha: number; beta: number; gamma: number } | null;
}

function methodFor(n: number): ForecastMethod {
  if (n >= MIN_HOLT_WINTERS) return 'holt_winters';
  if (n >= MIN_SEASONAL_NAIVE) return 'seasonal_naive';
  return 'none';
}

const mae = (f: PointForecast[], actual: ArrayLike<number>, b: Bounds): number =>
  f.reduce((s, p, i) => s + Math.abs(Math.min(b.max, Math.max(b.min, p.mean)) - actual[i]!), 0) / f.length;

/** The forecast of `y` (one value per day, oldest first, no gaps) for `horizon` days. */
export function forecastSeries(y: ArrayLike<number>, horizon: number, bounds: Bounds): SeriesForecast {
  const n = y.length;
  const method = methodFor(n);
  let points: PointForecast[] = [];
  let params: SeriesForecast['params'] = null;
  if (method === 'holt_winters') {
    const fit = fitHoltWinters(y, SEASON);
    params = { ...fit.params };
    points = forecastHoltWinters(fit, horizon);
  } else if (method === 'seasonal_naive') {
    points = forecastSeasonalNaive(y, SEASON, horizon);
  }
  // the backtest: the same method from the history less its last week, against that week
  const train = Array.prototype.slice.call(y, 0, n - BACKTEST_DAYS) as number[];
  const held = Array.prototype.slice.call(y, n - BACKTEST_DAYS) as number[];
  const naiveMae =
    method !== 'none' && train.length >= SEASON
      ? mae(forecastSeasonalNaive(train, SEASON, BACKTEST_DAYS), held, bounds)
      : null;
  let backtestMae: number | null = null;
  if (method === 'holt_winters' && train.length >= MIN_HOLT_WINTERS) {
    backtestMae = mae(forecastHoltWinters(fitHoltWinters(train, SEASON), BACKTEST_DAYS), held, bounds);
  } else if (method === 'seasonal_naive') backtestMae = naiveMae;
  return {
    method,
    points: points.map((p) => intervalPoint(p.mean, p.sd, bounds)),
    backtestMae,
    naiveMae,
    params,
  };
}
