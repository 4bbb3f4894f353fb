// Deterministic minimisation of a function on the unit cube: a coarse grid picks the start, Nelder–Mead refines
// it. No randomness anywhere, so the same series always gives the same parameters (and the same forecast).

export type Objective = (x: readonly number[]) => number;

export interface Minimum {
  x: number[];
  value: number;
  evaluations: number;
}

/** Kept off the edges: a smoothing weight of exactly 0 or 1 makes a component frozen or memoryless. */
const LOW = 1e-4;
const HIGH = 1 - 1e-4;

const clamp = (v: number): number => Math.min(HIGH, Math.max(LOW, v));

/** Every point of a grid with `steps` values per axis, strictly inside (0, 1). */
function gridPoints(dims: number, steps: number): number[][] {
  const axis = Array.from({ length: steps }, (_, i) => (i + 0.5) / steps);
  let out: number[][] = [[]];
  for (let d = 0; d < dims; d++) out = out.flatMap((p) => axis.map((v) => [...p, v]));
  return out;
}

export interface MinimiseOptions {
  /** Grid values per axis (default 5). */
  gridSteps?: number;
  /** Most Nelder–Mead iterations (default 200). */
  maxIterations?: number;
  /** Stop when the simplex's values differ by less than this, relatively (default 1e-7). */
  tolerance?: number;
}

/** The minimum of `f` on [0, 1]^dims found from the best grid point by Nelder–Mead (coordinates clamped). */
export function minimiseOnUnitCube(f: Objective, dims: number, o: MinimiseOptions = {}): Minimum {
  let evaluations = 0;
  const eval_ = (x: number[]): number => {
    evaluations++;
    const v = f(x.map(clamp));
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  const grid = gridPoints(dims, o.gridSteps ?? 5);
  let best = grid[0]!;
  let bestValue = Number.POSITIVE_INFINITY;
  for (const p of grid) {
    const v = eval_(p);
    if (v < bestValue) [best, bestValue] = [p, v];
  }
  // the initial simplex: the grid point and one step of a grid cell along each axis (inwards at an edge)
  const step = 1 / (o.gridSteps ?? 5);
  const simplex: { x: number[]; v: number }[] = [{ x: best, v: bestValue }];
  for (let d = 0; d < dims; d++) {
    const x = [...best];
    x[d] = x[d]! + step <= HIGH ? x[d]! + step : x[d]! - step;
    simplex.push({ x, v: eval_(x) });
  }
  const tol = o.tolerance ?? 1e-7;
  const maxIterations = o.maxIterations ?? 200;
  const combine = (a: number[], b: number[], t: number) => a.map((ai, i) => clamp(ai + t * (b[i]! - ai)));
  for (let it = 0; it < maxIterations; it++) {
    simplex.sort((a, b) => a.v - b.v);
    const lo = simplex[0]!;
    const hi = simplex[dims]!;
    if (Math.abs(hi.v - lo.v) <= tol * (Math.abs(lo.v) + 1e-12)) break;
    const centroid = Array.from(
      { length: dims },
      (_, i) => simplex.slice(0, dims).reduce((s, p) => s + p.x[i]!, 0) / dims,
    );
    // reflect, expand, contract, shrink (the standard coefficients 1, 2, 0.5, 0.5)
    const r = combine(centroid, hi.x, -1);
    const rv = eval_(r);
    if (rv < lo.v) {
      const e = combine(centroid, hi.x, -2);
      const ev = eval_(e);
      simplex[dims] = ev < rv ? { x: e, v: ev } : { x: r, v: rv };
    } else if (rv < simplex[dims - 1]!.v) {
      simplex[dims] = { x: r, v: rv };
    } else {
      const c = rv < hi.v ? combine(centroid, r, 0.5) : combine(centroid, hi.x, 0.5);
      const cv = eval_(c);
      if (cv < Math.min(rv, hi.v)) simplex[dims] = { x: c, v: cv };
      else {
        for (let i = 1; i <= dims; i++) {
          const x = combine(lo.x, simplex[i]!.x, 0.5);
          simplex[i] = { x, v: eval_(x) };
        }
      }
    }
  }
  simplex.sort((a, b) => a.v - b.v);
  return { x: simplex[0]!.x.map(clamp), value: simplex[0]!.v, evaluations };
}
