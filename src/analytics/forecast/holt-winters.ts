// Additive Holt–Winters (ETS(A,A,A)) in its error-correction form, with a season of m days:
//   ŷ_t = ℓ_{t−1} + b_{t−1} + s_{t−m},  e_t = y_t − ŷ_t
//   ℓ_t = ℓ_{t−1} + b_{t−1} + α·e_t,  b_t = b_{t−1} + β·e_t,  s_t = s_{t−m} + γ·e_t
// α, β, γ minimise the one-step-ahead squared error (fit.ts), within the usual region 0 < β < α, 0 < γ < 1 − α.
// Pure: numbers in, numbers out.
import { minimiseOnUnitCube } from './fit.js';
import { holtWintersVarianceFactors } from './intervals.js';

export interface HoltWintersParams {
  alpha: number;
  beta: number;
  gamma: number;
}

export interface HoltWintersFit {
  params: HoltWintersParams;
  /** The states after the last observation. */
  level: number;
  trend: number;
  /** The seasonal component of each slot, slot = time index mod m. */
  seasonal: Float64Array;
  season: number;
  /** Observations. */
  n: number;
  /** One-step residual variance (after the first season, which initialises the states). */
  sigma2: number;
  /** Sum of squared one-step errors the parameters minimise. */
  sse: number;
}

/** Initial states from the first two seasons: level and slope of their means, seasonal deviations of the first. */
function initialStates(y: ArrayLike<number>, m: number): { level: number; trend: number; seasonal: Float64Array } {
  let first = 0;
  let second = 0;
  for (let i = 0; i < m; i++) {
    first += y[i]!;
    second += y[m + i]!;
  }
  first /= m;
  second /= m;
  const trend = (second - first) / m;
  // the level at time −1, so that the line passes through the first season's mean at its middle
  const level = first - trend * ((m + 1) / 2);
  const seasonal = new Float64Array(m);
  let mean = 0;
  for (let i = 0; i < m; i++) {
    seasonal[i] = y[i]! - (level + trend * (i + 1));
    mean += seasonal[i]! / m;
  }
  for (let i = 0; i < m; i++) seasonal[i] = seasonal[i]! - mean;
  return { level, trend, seasonal };
}

type States = ReturnType<typeof initialStates>;

/** Runs the recursions over the series; the squared errors of the first season (the initialisation's) are left out. */
export function runHoltWinters(
  y: ArrayLike<number>,
  m: number,
  p: HoltWintersParams,
  init: States = initialStates(y, m),
): Omit<HoltWintersFit, 'sigma2'> {
  let { level, trend } = init;
  const seasonal = Float64Array.from(init.seasonal);
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const slot = t % m;
    const e = y[t]! - (level + trend + seasonal[slot]!);
    if (t >= m) sse += e * e;
    level = level + trend + p.alpha * e;
    trend = trend + p.beta * e;
    seasonal[slot] = seasonal[slot]! + p.gamma * e;
  }
  return { params: p, level, trend, seasonal, season: m, n: y.length, sse };
}

/** α, β, γ from a point of the unit cube: β as a share of α, γ as a share of 1 − α (the admissible region). */
const paramsOf = (x: readonly number[]): HoltWintersParams => ({
  alpha: x[0]!,
  beta: x[0]! * x[1]!,
  gamma: (1 - x[0]!) * x[2]!,
});

/** The fitted model; the series needs at least two full seasons (2m observations). */
export function fitHoltWinters(y: ArrayLike<number>, m: number): HoltWintersFit {
  if (y.length < 2 * m) throw new RangeError(`Holt–Winters needs at least ${2 * m} observations, got ${y.length}`);
  // one typed copy and one initialisation for the few hundred runs of the search
  const series = Float64Array.from(y);
  const init = initialStates(series, m);
  const best = minimiseOnUnitCube((x) => runHoltWinters(series, m, paramsOf(x), init).sse, 3);
  const run = runHoltWinters(series, m, paramsOf(best.x), init);
  // residual variance with the three smoothing weights as spent degrees of freedom
  const dof = Math.max(1, y.length - m - 3);
  return { ...run, sigma2: run.sse / dof };
}

export interface PointForecast {
  mean: number;
  /** Standard deviation of the h-step forecast error. */
  sd: number;
}

/** Forecasts for h = 1..horizon after the last observation. */
export function forecastHoltWinters(fit: HoltWintersFit, horizon: number): PointForecast[] {
  const { alpha, beta, gamma } = fit.params;
  const factors = holtWintersVarianceFactors(alpha, beta, gamma, fit.season, horizon);
  return factors.map((factor, i) => {
    const h = i + 1;
    const slot = (fit.n - 1 + h) % fit.season;
    return { mean: fit.level + h * fit.trend + fit.seasonal[slot]!, sd: Math.sqrt(fit.sigma2 * factor) };
  });
}
