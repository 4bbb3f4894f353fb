// `npm run bench:cli`: how long the everyday `dmarc` commands take from start to exit, as a user runs them
// (`node bin/dmarc.js ...`, each run a fresh process), on an embedded data dir holding the samples. Prints the
// median, fastest and slowest of N runs per command; never asserts on them.
//
// Options: --runs N (default 5); --bin PATH (default this checkout's bin/dmarc.js), repeatable: the bins are run
// in turn, run by run, so that two builds (e.g. before and after a change) meet the same machine load.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SAMPLES = path.join(ROOT, 'samples');

function args(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => {
    if (a === `--${name}` && process.argv[i + 1]) out.push(process.argv[i + 1]!);
  });
  return out;
}

const runs = Number(args('runs')[0] ?? 5);
const bins = args('bin').map((b) => path.resolve(b));
if (bins.length === 0) bins.push(path.join(ROOT, 'bin/dmarc.js'));

const scenarios: { label: string; args: (dataDir: string) => string[] }[] = [
  { label: 'dmarc --help', args: () => ['--help'] },
  { label: 'dmarc import --help', args: () => ['import', '--help'] },
  { label: 'dmarc parse <eml>', args: () => ['parse', path.join(SAMPLES, 'yahoo-report.eml')] },
  { label: 'dmarc summary', args: (d) => ['--data-dir', d, 'summary'] },
  {
    label: 'dmarc summary --domain nosuch.example',
    args: (d) => ['--data-dir', d, 'summary', '--domain', 'nosuch.example'],
  },
  { label: 'dmarc import <already imported>', args: (d) => ['--data-dir', d, 'import', SAMPLES] },
  { label: 'dmarc reprocess --failed', args: (d) => ['--data-dir', d, 'reprocess', '--failed'] },
  { label: 'dmarc migrate --status', args: (d) => ['--data-dir', d, 'migrate', '--status'] },
];

function run(bin: string, argv: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [bin, ...argv], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '' },
  });
  const ms = performance.now() - t;
  // 1 is the answer of some (a failed file); anything else is the bench's own problem
  if (r.status !== 0 && r.status !== 1) throw new Error(`${bin} ${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return ms;
}

const dataDirs = bins.map((bin) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmarc-bench-cli-'));
  run(bin, ['--data-dir', dir, 'import', SAMPLES]);
  return dir;
});

const times = bins.map(() => scenarios.map(() => [] as number[]));
for (let i = 0; i < runs; i++) {
  scenarios.forEach((s, si) => {
    bins.forEach((bin, bi) => times[bi]![si]!.push(run(bin, s.args(dataDirs[bi]!))));
  });
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
console.log(
  `node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}; ${runs} runs each`,
);
bins.forEach((bin, bi) => {
  console.log(`\n${path.relative(process.cwd(), bin) || bin}`);
  console.log('| command | median | fastest | slowest |\n|---|---:|---:|---:|');
  scenarios.forEach((s, si) => {
    const t = [...times[bi]![si]!].sort((a, b) => a - b);
    console.log(`| \`${s.label}\` | ${sec(t[Math.floor(t.length / 2)]!)} | ${sec(t[0]!)} | ${sec(t[t.length - 1]!)} |`);
  });
});
for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
