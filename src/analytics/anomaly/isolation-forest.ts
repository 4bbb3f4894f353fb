// Isolation Forest (Liu, Ting and Zhou, 2008): t random trees, each grown on its own subsample of ψ rows drawn
// without replacement, split on a random attribute at a random value between its minimum and maximum in the node,
// up to the height limit ⌈log2 ψ⌉. An anomaly is isolated in few splits: its score 2^(−E[h(x)]/c(ψ)) is close to
// 1; normal rows score well below 0.5. Pure: typed arrays, a seeded generator (prng.ts), no I/O.
import { seededRandom, type Random } from './prng.js';

const EULER_GAMMA = 0.5772156649;

/** The average path length of an unsuccessful search in a binary search tree of n nodes (the paper's c(n)). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

export interface ForestParams {
  /** Trees (t). */
  trees: number;
  /** Subsample size of each tree (ψ); fewer rows than this: all of them. */
  sampleSize: number;
  seed: number;
}

export const DEFAULT_FOREST_PARAMS: ForestParams = { trees: 100, sampleSize: 256, seed: 42 };

/** Rows of a matrix, row-major: row i is values[i*width .. (i+1)*width). */
export interface Matrix {
  values: Float64Array;
  rows: number;
  width: number;
}

/**
 * One tree as parallel arrays over its nodes (root = 0). An internal node splits on `feature` at `threshold`
 * (x < threshold goes left); an external node has feature −1 and `size` rows of the subsample.
 */
export interface IsolationTree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  size: Int32Array;
}

export interface IsolationForest {
  width: number;
  /** ψ actually used (min(sampleSize, rows)): the normaliser c(ψ) of the scores. */
  sampleSize: number;
  heightLimit: number;
  params: ForestParams;
  trees: IsolationTree[];
}

/** Grows one tree on `idx` (the subsample's row numbers, rearranged in place). */
function growTree(m: Matrix, idx: Int32Array, heightLimit: number, rnd: Random): IsolationTree {
  const cap = 2 * idx.length; // a binary tree over n rows has at most 2n − 1 nodes
  const feature = new Int32Array(cap).fill(-1);
  const threshold = new Float64Array(cap);
  const left = new Int32Array(cap).fill(-1);
  const right = new Int32Array(cap).fill(-1);
  const size = new Int32Array(cap);
  const candidates = new Int32Array(m.width);
  const lo = new Float64Array(m.width);
  const hi = new Float64Array(m.width);
  let nodes = 0;
  // explicit stack of (node, start, end, depth): no recursion limit
  const stack: number[] = [];
  const root = nodes++;
  stack.push(root, 0, idx.length, 0);
  while (stack.length > 0) {
    const depth = stack.pop()!;
    const end = stack.pop()!;
    const start = stack.pop()!;
    const node = stack.pop()!;
    const n = end - start;
    size[node] = n;
    if (n <= 1 || depth >= heightLimit) continue;
    // the attributes that still vary in this node (a constant one cannot split it)
    lo.fill(Infinity);
    hi.fill(-Infinity);
    for (let i = start; i < end; i++) {
      const base = idx[i]! * m.width;
      for (let f = 0; f < m.width; f++) {
        const v = m.values[base + f]!;
        if (v < lo[f]!) lo[f] = v;
        if (v > hi[f]!) hi[f] = v;
      }
    }
    let k = 0;
    for (let f = 0; f < m.width; f++) if (hi[f]! > lo[f]!) candidates[k++] = f;
    if (k === 0) continue;
    const q = candidates[rnd.int(k)]!;
    let p = lo[q]! + rnd.next() * (hi[q]! - lo[q]!);
    if (p <= lo[q]!) p = hi[q]!; // (next() may give exactly 0: keep both sides non-empty)
    // partition: x[q] < p to the front
    let mid = start;
    for (let i = start; i < end; i++) {
      if (m.values[idx[i]! * m.width + q]! < p) {
        const t = idx[i]!;
        idx[i] = idx[mid]!;
        idx[mid] = t;
        mid++;
      }
    }
    feature[node] = q;
    threshold[node] = p;
    const l = nodes++;
    const r = nodes++;
    left[node] = l;
    right[node] = r;
    stack.push(l, start, mid, depth + 1, r, mid, end, depth + 1);
  }
  return {
    feature: feature.slice(0, nodes),
    threshold: threshold.slice(0, nodes),
    left: left.slice(0, nodes),
    right: right.slice(0, nodes),
    size: size.slice(0, nodes),
  };
}

export function trainForest(m: Matrix, params: Partial<ForestParams> = {}): IsolationForest {
  const p: ForestParams = { ...DEFAULT_FOREST_PARAMS, ...params };
  if (m.rows < 1) throw new RangeError('an isolation forest needs at least one row');
  if (!Number.isSafeInteger(p.trees) || p.trees < 1) throw new RangeError('trees must be a positive integer');
  if (!Number.isSafeInteger(p.sampleSize) || p.sampleSize < 2) throw new RangeError('sampleSize must be at least 2');
  const psi = Math.min(p.sampleSize, m.rows);
  const heightLimit = Math.ceil(Math.log2(Math.max(psi, 2)));
  const rnd = seededRandom(p.seed);
  const pool = new Int32Array(m.rows);
  const trees: IsolationTree[] = [];
  for (let t = 0; t < p.trees; t++) {
    for (let i = 0; i < m.rows; i++) pool[i] = i;
    // partial Fisher–Yates: the first ψ entries are a sample without replacement, new for each tree
    for (let i = 0; i < psi; i++) {
      const j = i + rnd.int(m.rows - i);
      const x = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = x;
    }
    trees.push(growTree(m, pool.slice(0, psi), heightLimit, rnd));
  }
  return { width: m.width, sampleSize: psi, heightLimit, params: p, trees };
}

/** h(x) in one tree: the edges to the external node, plus c(size) for the rows it was not split further into. */
export function pathLength(tree: IsolationTree, values: Float64Array, offset: number): number {
  let node = 0;
  let depth = 0;
  while (tree.feature[node]! >= 0) {
    node = values[offset + tree.feature[node]!]! < tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
    depth++;
  }
  return depth + averagePathLength(tree.size[node]!);
}

/**
 * Every tree in one set of typed arrays (node ids offset per tree), each external node's c(size) computed once:
 * scoring is then a tight loop over flat arrays (about 10× faster than walking the per-tree objects).
 */
interface PackedForest {
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** For an external node: c(size), the path length still to come. */
  tail: Float64Array;
}

const packed = new WeakMap<IsolationForest, PackedForest>();

function pack(forest: IsolationForest): PackedForest {
  const cached = packed.get(forest);
  if (cached) return cached;
  const total = forest.trees.reduce((n, t) => n + t.feature.length, 0);
  const p: PackedForest = {
    roots: new Int32Array(forest.trees.length),
    feature: new Int32Array(total),
    threshold: new Float64Array(total),
    left: new Int32Array(total),
    right: new Int32Array(total),
    tail: new Float64Array(total),
  };
  let base = 0;
  forest.trees.forEach((t, k) => {
    p.roots[k] = base;
    for (let i = 0; i < t.feature.length; i++) {
      const j = base + i;
      p.feature[j] = t.feature[i]!;
      p.threshold[j] = t.threshold[i]!;
      p.left[j] = t.left[i]! + base;
      p.right[j] = t.right[i]! + base;
      p.tail[j] = t.feature[i]! < 0 ? averagePathLength(t.size[i]!) : 0;
    }
    base += t.feature.length;
  });
  packed.set(forest, p);
  return p;
}

/** The anomaly score of every row of `m`: 2^(−E[h(x)]/c(ψ)). */
export function scoreRows(forest: IsolationForest, m: Matrix): Float64Array {
  if (m.width !== forest.width) throw new RangeError(`rows have ${m.width} values, the forest ${forest.width}`);
  const out = new Float64Array(m.rows);
  const cn = averagePathLength(forest.sampleSize);
  const { roots, feature, threshold, left, right, tail } = pack(forest);
  const values = m.values;
  const trees = roots.length;
  for (let i = 0; i < m.rows; i++) {
    const offset = i * m.width;
    let sum = 0;
    for (let k = 0; k < trees; k++) {
      let node = roots[k]!;
      let depth = 0;
      let f = feature[node]!;
      while (f >= 0) {
        node = values[offset + f]! < threshold[node]! ? left[node]! : right[node]!;
        f = feature[node]!;
        depth++;
      }
      sum += depth + tail[node]!;
    }
    // ψ = 1 (one row): c(1) = 0, nothing can be told apart
    out[i] = cn > 0 ? Math.pow(2, -(sum / trees) / cn) : 0.5;
  }
  return out;
}

/** The JSON form of a forest (what ml_models keeps). Doubles survive JSON exactly. */
export interface ForestJson {
  width: number;
  sampleSize: number;
  heightLimit: number;
  params: ForestParams;
  trees: { feature: number[]; threshold: number[]; left: number[]; right: number[]; size: number[] }[];
}

export function forestToJson(f: IsolationForest): ForestJson {
  return {
    width: f.width,
    sampleSize: f.sampleSize,
    heightLimit: f.heightLimit,
    params: { ...f.params },
    trees: f.trees.map((t) => ({
      feature: Array.from(t.feature),
      threshold: Array.from(t.threshold),
      left: Array.from(t.left),
      right: Array.from(t.right),
      size: Array.from(t.size),
    })),
  };
}

export function forestFromJson(j: ForestJson): IsolationForest {
  const trees = j.trees.map((t) => {
    const n = t.feature.length;
    if ([t.threshold, t.left, t.right, t.size].some((a) => a.length !== n)) {
      throw new RangeError('a stored tree has arrays of different lengths');
    }
    for (let i = 0; i < n; i++) {
      const f = t.feature[i]!;
      if (f >= j.width || (f >= 0 && !(t.left[i]! > i && t.right[i]! > i && t.right[i]! < n))) {
        throw new RangeError('a stored tree is not well-formed');
      }
    }
    return {
      feature: Int32Array.from(t.feature),
      threshold: Float64Array.from(t.threshold),
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      size: Int32Array.from(t.size),
    };
  });
  return { width: j.width, sampleSize: j.sampleSize, heightLimit: j.heightLimit, params: { ...j.params }, trees };
}
