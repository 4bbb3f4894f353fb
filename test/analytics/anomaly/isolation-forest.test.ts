// The Isolation Forest against the paper's definitions (c(n), the score), on synthetic data with planted outliers
// (AUC as the published figures for such data: near 1 for far outliers), under a seed, and through JSON.
import { describe, expect, it } from 'vitest';
import {
  averagePathLength,
  forestFromJson,
  forestToJson,
  scoreRows,
  trainForest,
  type Matrix,
} from '../../../src/analytics/anomaly/isolation-forest.js';
import { seededRandom } from '../../../src/analytics/anomaly/prng.js';

/** A Gaussian blob of `normal` rows in `width` dimensions, then `outliers` rows far from it (radius 5–8). */
function blobWithOutliers(normal: number, outliers: number, width: number, seed: number): Matrix {
  const rnd = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd.next())) * Math.cos(2 * Math.PI * rnd.next());
  const rows = normal + outliers;
  const values = new Float64Array(rows * width);
  for (let i = 0; i < normal; i++) for (let f = 0; f < width; f++) values[i * width + f] = gauss();
  for (let i = normal; i < rows; i++) {
    const dir = Array.from({ length: width }, gauss);
    const norm = Math.hypot(...dir);
    const radius = 5 + 3 * rnd.next();
    for (let f = 0; f < width; f++) values[i * width + f] = (dir[f]! / norm) * radius;
  }
  return { values, rows, width };
}

/** Area under the ROC curve: the chance that an outlier scores above a normal row (ties count half). */
function auc(scores: Float64Array, isOutlier: (i: number) => boolean): number {
  const pos: number[] = [];
  const neg: number[] = [];
  scores.forEach((s, i) => (isOutlier(i) ? pos : neg).push(s));
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

describe('c(n), the average path length', () => {
  it('is 0 for one row, 1 for two, and 2H(n−1) − 2(n−1)/n beyond', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    // H(2) ≈ ln 2 + γ: 2·1.2703628 − 4/3
    expect(averagePathLength(3)).toBeCloseTo(2 * (Math.log(2) + 0.5772156649) - 4 / 3, 10);
    expect(averagePathLength(256)).toBeCloseTo(10.244770920116851, 9);
    expect(averagePathLength(10)).toBeCloseTo(3.748880484475505, 9);
  });
});

describe('Isolation Forest', () => {
  const data = blobWithOutliers(1000, 50, 2, 7);

  it('ranks far outliers of a Gaussian blob above its rows (AUC > 0.95)', () => {
    const f = trainForest(data, { seed: 1 });
    const s = scoreRows(f, data);
    expect(auc(s, (i) => i >= 1000)).toBeGreaterThan(0.95);
    // normal rows score well below the outliers: medians apart
    const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const normal = med(Array.from(s.slice(0, 1000)));
    const out = med(Array.from(s.slice(1000)));
    expect(normal).toBeLessThan(0.5);
    expect(out).toBeGreaterThan(0.6);
  });

  it('in more dimensions too (AUC > 0.95 in 8 dimensions)', () => {
    const d8 = blobWithOutliers(2000, 40, 8, 11);
    const s = scoreRows(trainForest(d8, { seed: 3 }), d8);
    expect(auc(s, (i) => i >= 2000)).toBeGreaterThan(0.95);
  });

  it('uses ψ = 256, t = 100 and the height limit ⌈log2 ψ⌉ by default; each tree on its own subsample', () => {
    const f = trainForest(data);
    expect(f.trees).toHaveLength(100);
    expect(f.sampleSize).toBe(256);
    expect(f.heightLimit).toBe(8);
    for (const t of f.trees) expect(t.size[0]).toBe(256);
    // different subsamples: the root splits are not all the same
    expect(new Set(f.trees.map((t) => `${t.feature[0]} ${t.threshold[0]}`)).size).toBeGreaterThan(90);
    const small = trainForest({ values: data.values.slice(0, 40), rows: 20, width: 2 });
    expect(small.sampleSize).toBe(20);
    expect(small.heightLimit).toBe(5);
  });

  it('the same seed and data give the same model and scores; another seed another model', () => {
    const a = trainForest(data, { seed: 99 });
    const b = trainForest(data, { seed: 99 });
    expect(forestToJson(a)).toEqual(forestToJson(b));
    expect(scoreRows(a, data)).toEqual(scoreRows(b, data));
    const c = trainForest(data, { seed: 100 });
    expect(forestToJson(c)).not.toEqual(forestToJson(a));
  });

  it('survives a JSON round trip with identical scores', () => {
    const f = trainForest(data, { seed: 5, trees: 30 });
    const back = forestFromJson(JSON.parse(JSON.stringify(forestToJson(f))) as ReturnType<typeof forestToJson>);
    expect(scoreRows(back, data)).toEqual(scoreRows(f, data));
    expect(back.params).toEqual({ trees: 30, sampleSize: 256, seed: 5 });
  });

  it('refuses bad parameters, a malformed stored tree and rows of the wrong width', () => {
    expect(() => trainForest({ values: new Float64Array(0), rows: 0, width: 2 })).toThrow(/at least one row/);
    expect(() => trainForest(data, { trees: 0 })).toThrow(/trees/);
    expect(() => trainForest(data, { sampleSize: 1 })).toThrow(/sampleSize/);
    const j = forestToJson(trainForest(data, { trees: 2 }));
    j.trees[0]!.left[0] = 0;
    expect(() => forestFromJson(j)).toThrow(/not well-formed/);
    j.trees[0]!.size.pop();
    expect(() => forestFromJson(j)).toThrow(/different lengths/);
    const f = trainForest(data, { trees: 2 });
    expect(() => scoreRows(f, { values: new Float64Array(3), rows: 1, width: 3 })).toThrow(/3 values/);
  });

  it('constant data cannot be split: every row scores alike', () => {
    const flat: Matrix = { values: new Float64Array(200).fill(1), rows: 100, width: 2 };
    const s = scoreRows(trainForest(flat), flat);
    expect(new Set(s).size).toBe(1);
    // one external node of ψ = 100 rows: E[h] = c(100), score 2^-1
    expect(s[0]).toBeCloseTo(0.5, 12);
  });
});
