// `npm run bench:anomaly`: the Isolation Forest and the model around it, in memory, on generated source days
// (normal senders with their own steady volume and pass rates; 1 % injected sources sending much more, failing
// DKIM and SPF, first seen that day). Prints, as the median of --runs runs (default 5): training the forest alone
// and the whole model (features, statistics, forest, scoring the training rows for the threshold) on --train rows
// (default 100,000), scoring --score source IPs (default 10,000) with the forest alone and with the features and
// the explanations, the AUC of the injected sources, and peak memory. Never asserts on a timing.
//
// Options: --train N, --score N, --runs N, --trees N (100), --sample N (256).
import { featureMatrix, featureValues } from '../src/analytics/anomaly/features.js';
import { scoreRows, trainForest } from '../src/analytics/anomaly/isolation-forest.js';
import { predict, scoringModel, trainModel } from '../src/analytics/anomaly/model.js';
import { seededRandom } from '../src/analytics/anomaly/prng.js';
import type { SourceDayFacts } from '../src/store/anomaly-features.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const TRAIN = arg('train', 100_000);
const SCORE = arg('score', 10_000);
const RUNS = arg('runs', 5);
const TREES = arg('trees', 100);
const SAMPLE = arg('sample', 256);

const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'NL', 'IE', 'SE', 'JP'];

/** `n` source days, about 1 % of them injected anomalies (flagged in `injected`). */
function generate(n: number, seed: number): { facts: SourceDayFacts[]; injected: boolean[] } {
  const rnd = seededRandom(seed);
  const facts: SourceDayFacts[] = [];
  const injected: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const bad = rnd.next() < 0.01;
    const sender = i % 5000;
    const base = 20 + (sender % 200) * 5;
    const messages = bad ? 5000 + Math.round(rnd.next() * 20000) : Math.round(base * (0.7 + 0.6 * rnd.next()));
    const fail = bad ? messages : Math.round(messages * (rnd.next() < 0.1 ? 0.3 : 0.01) * rnd.next());
    const day = `2026-0${1 + (i % 3)}-${String(1 + (i % 28)).padStart(2, '0')}`;
    facts.push({
      ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      day,
      messages,
      dmarcFail: fail,
      dkimAligned: bad ? 0 : messages - fail,
      spfAligned: bad ? 0 : Math.round((messages - fail) * (0.8 + 0.2 * rnd.next())),
      quarantined: bad ? Math.round(messages * 0.5) : 0,
      rejected: bad ? Math.round(messages * 0.3) : 0,
      domains: bad ? ['a.example', 'b.example', 'c.example'] : ['a.example'],
      reporters: bad ? 3 : 1 + (sender % 3),
      firstDay: bad ? day : '2025-10-01',
      country: bad ? 'KP' : COUNTRIES[sender % COUNTRIES.length]!,
      asn: bad ? 4_200_000_000 : 64_512 + (sender % 300),
      asOrg: null,
      ptr: bad ? null : `mail${sender}.example.net`,
      fcrdns: bad ? null : true,
      dnsStatus: 'ok',
      senderKnown: bad ? false : sender % 4 !== 0,
      sender: null,
      countryShare: bad ? 0.0001 : 1 / COUNTRIES.length,
      asnShare: bad ? 0.0001 : 1 / 300,
    });
    injected.push(bad);
  }
  return { facts, injected };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time<T>(f: () => T): { ms: number; value: T } {
  const t0 = process.hrtime.bigint();
  const value = f();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

function auc(scores: ArrayLike<number>, positive: boolean[]): number {
  const idx = Array.from(scores, (s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let pos = 0;
  idx.forEach(([, i], r) => {
    if (positive[i]) {
      rankSum += r + 1;
      pos++;
    }
  });
  const neg = idx.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

const train = generate(TRAIN, 1);
const score = generate(SCORE, 2);
const params = { trees: TREES, sampleSize: SAMPLE, seed: 42 };

const forestMs: number[] = [];
const modelMs: number[] = [];
const scoreForestMs: number[] = [];
const predictMs: number[] = [];
let aucValue = 0;
let anomalous = 0;
for (let r = 0; r < RUNS; r++) {
  const trainedModel = time(() => trainModel(train.facts, params));
  modelMs.push(trainedModel.ms);
  const stats = trainedModel.value.features;
  const trainMatrix = featureMatrix(stats, train.facts.map(featureValues));
  forestMs.push(time(() => trainForest(trainMatrix, params)).ms);
  const model = scoringModel(trainedModel.value);
  const scoreMatrix = featureMatrix(stats, score.facts.map(featureValues));
  const s = time(() => scoreRows(model.forest, scoreMatrix));
  scoreForestMs.push(s.ms);
  aucValue = auc(s.value, score.injected);
  const p = time(() => predict(model, score.facts));
  predictMs.push(p.ms);
  anomalous = p.value.filter((x) => x.anomalous).length;
}

const result = {
  trainRows: TRAIN,
  scoreRows: SCORE,
  trees: TREES,
  sampleSize: SAMPLE,
  runs: RUNS,
  trainForestMs: Math.round(median(forestMs)),
  trainModelMs: Math.round(median(modelMs)),
  scoreForestMs: Math.round(median(scoreForestMs)),
  predictMs: Math.round(median(predictMs)),
  injected: score.injected.filter(Boolean).length,
  anomalous,
  auc: Math.round(aucValue * 10000) / 10000,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
};
console.log(
  `train ${TRAIN.toLocaleString('en-US')} rows: forest ${result.trainForestMs} ms, model ${result.trainModelMs} ms\n` +
    `score ${SCORE.toLocaleString('en-US')} IPs: forest ${result.scoreForestMs} ms, with features and words ${result.predictMs} ms\n` +
    `injected ${result.injected}, anomalous ${anomalous}, AUC ${result.auc}; peak RSS ${result.peakRssMb} MB`,
);
console.log(JSON.stringify(result));
