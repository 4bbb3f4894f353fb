// Prediction intervals: a point forecast ± z·σ_h, with σ_h the h-step standard deviation the method gives, and
// the bounds of the metric (messages are never negative, a failure share stays within [0, 1]).

/** Two-sided normal quantiles: 80 % → z(0.90), 95 % → z(0.975). */
export const Z80 = 1.2816;
export const Z95 = 1.96;

export interface Bounds {
  min: number;
  max: number;
}

export const MESSAGES_BOUNDS: Bounds = { min: 0, max: Number.POSITIVE_INFINITY };
export const SHARE_BOUNDS: Bounds = { min: 0, max: 1 };

export interface IntervalPoint {
  value: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

const within = (v: number, b: Bounds): number => Math.min(b.max, Math.max(b.min, v));

/** The point and its intervals for a forecast `mean` of h-step standard deviation `sd`, cut to the bounds. */
export function intervalPoint(mean: number, sd: number, b: Bounds): IntervalPoint {
  return {
    value: within(mean, b),
    lower80: within(mean - Z80 * sd, b),
    upper80: within(mean + Z80 * sd, b),
    lower95: within(mean - Z95 * sd, b),
    upper95: within(mean + Z95 * sd, b),
  };
}

/**
 * Variance multipliers of ETS(A,A,A), additive Holt–Winters (Hyndman, Koehler, Ord & Snyder, "Forecasting with
 * Exponential Smoothing", 2008, class 1, Table 6.1): v_h = σ² · (1 + Σ_{j=1}^{h−1} c_j²) with
 * c_j = α + β·j + γ·[j mod m = 0], α β γ in the error-correction form. Returns the factors (1 + Σ c_j²) for h = 1..H.
 */
export function holtWintersVarianceFactors(
  alpha: number,
  beta: number,
  gamma: number,
  season: number,
  horizon: number,
): number[] {
  const out: number[] = [];
  let sum = 1;
  for (let h = 1; h <= horizon; h++) {
    out.push(sum);
    const j = h; // the term added for the next horizon
    const c = alpha + beta * j + (j % season === 0 ? gamma : 0);
    sum += c * c;
  }
  return out;
}

/** Seasonal naive: v_h = σ² · (k + 1), k = ⌊(h − 1) / m⌋ whole seasons beyond the first (Hyndman & Athanasopoulos). */
export function seasonalNaiveVarianceFactors(season: number, horizon: number): number[] {
  return Array.from({ length: horizon }, (_, i) => Math.floor(i / season) + 1);
}
