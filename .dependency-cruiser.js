// Dependency rules checked in CI (`npm run lint:deps`): the layer arrows of DESIGN.md ("Layout (target)").
//
//   cli, runtime -> api, jobs -> ingest, enrich, analytics, alerts, exports, outputs, auth
//                -> events, store, parse -> model          (and config for all)
//
// Each folder under src/ may import its own folder, folders of its own tier or of a lower tier, and config.
// Two exceptions make the bottom stricter than "own tier or lower":
//   - model/ imports nothing of ours; parse/ imports only model/ (not store/ or events/, which share its tier);
//   - config/ is importable by all, so it may import only the pure leaves below it (model/, parse/: it reads
//     the unpack limits' type and defaults from parse/types.ts), which keeps it free of cycles.
// Folders that do not exist yet are listed so that their first file is already checked. A file in a folder
// that is in no tier fails the check as soon as it imports or is imported (`src-folder-unknown*`): add the
// folder to TIERS below.
// Type-only imports count (`tsPreCompilationDeps`): a layer must not know the types of the layers above it.

/** Tiers, lowest first. */
const TIERS = [
  ['model'],
  ['parse', 'store', 'events'],
  ['ingest', 'enrich', 'analytics', 'alerts', 'exports', 'outputs', 'auth'],
  ['api', 'jobs'],
  ['cli', 'runtime'],
];

/** Where a folder's allowed set differs from "own tier or lower, and config". */
const ALLOWED_OVERRIDE = {
  model: [],
  parse: ['model'],
  config: ['model', 'parse'],
};

const FOLDERS = [...TIERS.flat(), 'config'];

/** Folders (besides itself) that `folder` may import. */
function allowedFor(folder) {
  if (folder in ALLOWED_OVERRIDE) return ALLOWED_OVERRIDE[folder];
  const tier = TIERS.findIndex((t) => t.includes(folder));
  return [...TIERS.slice(0, tier + 1).flat(), 'config'].filter((f) => f !== folder);
}

const layerRules = FOLDERS.map((folder) => {
  const ok = [folder, ...allowedFor(folder)];
  return {
    name: `layer-${folder}`,
    severity: 'error',
    comment:
      `src/${folder}/ may import only ${ok.map((f) => `src/${f}/`).join(', ')} (DESIGN.md, "Layout (target)"). ` +
      'Invert the dependency (pass a function or an interface in from the caller) instead of importing upwards.',
    from: { path: `^src/${folder}/` },
    to: { path: '^src/', pathNot: `^src/(${ok.join('|')})/` },
  };
});

// Node built-ins that only compute (no file, network, process or clock access beyond what a pure function
// needs): parse/ decompresses (zlib), hashes (crypto) and streams bytes. Everything else (fs, net, http,
// https, http2, tls, dgram, dns, child_process, cluster, worker_threads, os, process, readline, repl, vm,
// timers, perf_hooks, ...) is I/O or environment, and is not allowed in parse/ or model/.
const PURE_CORE = ['assert', 'buffer', 'crypto', 'events', 'stream', 'string_decoder', 'url', 'util', 'zlib'];
const PURE_CORE_RE = `^(node:)?(${PURE_CORE.join('|')})(/|$)`;

// npm packages that do I/O (database, cache, queue, network, mail, HTTP server, file locks, logging).
// parse/ may use pure libraries (saxes, fflate, yauzl over a buffer, postal-mime); model/ is plain types.
const IO_PACKAGES = [
  '@electric-sql/pglite',
  'pg',
  'pg-copy-streams',
  'postgrator',
  'ioredis',
  'redis',
  'bullmq',
  '@bull-board/[^/]+',
  'imapflow',
  'nodemailer',
  'smtp-server',
  'fastify',
  '@fastify/[^/]+',
  'undici',
  'node-fetch',
  'axios',
  'proper-lockfile',
  'pino',
  'graceful-fs',
  'fs-extra',
];
const IO_PACKAGES_RE = `^node_modules/(${IO_PACKAGES.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...layerRules,
    {
      name: 'src-folder-unknown',
      severity: 'error',
      comment:
        'Every file under src/ lives in a folder of one tier: add a new folder to TIERS in .dependency-cruiser.js.',
      from: { path: '^src/', pathNot: `^src/(${FOLDERS.join('|')})/` },
      to: {},
    },
    {
      name: 'src-folder-unknown-target',
      severity: 'error',
      comment:
        'Every file under src/ lives in a folder of one tier: add a new folder to TIERS in .dependency-cruiser.js.',
      from: {},
      to: { path: '^src/', pathNot: `^src/(${FOLDERS.join('|')})/` },
    },
    {
      name: 'pure-no-io-core',
      severity: 'error',
      comment: `parse/ and model/ are pure (no database, no network, no clock): of Node's modules only ${PURE_CORE.join(', ')}.`,
      from: { path: '^src/(parse|model)/' },
      to: { dependencyTypes: ['core'], pathNot: PURE_CORE_RE },
    },
    {
      name: 'pure-no-io-package',
      severity: 'error',
      comment: 'parse/ and model/ are pure (no database, no network, no clock): no package that does I/O.',
      from: { path: '^src/(parse|model)/' },
      to: { path: IO_PACKAGES_RE },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No circular dependencies (type-only imports included): split the shared part into its own module.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-not-to-test-or-bench',
      severity: 'error',
      comment: 'Production code does not import tests, test support or benchmarks.',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'web-not-to-server',
      severity: 'error',
      comment:
        'The dashboard (its own build) talks only to the API: it does not import src/, test/ or bench/ ' +
        '(its API types are its own, from /openapi.json). It imports none of them today.',
      from: { path: '^web/' },
      to: { path: '^(src|test|bench)/' },
    },
    {
      name: 'server-not-to-web',
      severity: 'error',
      comment: 'The server serves the built dashboard (dist/web) as files; it does not import web/ sources.',
      from: { path: '^(src|bench)/' },
      to: { path: '^web/' },
    },
    {
      name: 'src-not-to-dev-dep',
      severity: 'error',
      comment:
        'src/ runs in production, where devDependencies are not installed: move the package to dependencies ' +
        '(type-only imports of devDependencies are fine).',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve to a file or an installed package.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment: 'A package imported but not in package.json (it works only by accident of hoisting).',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: '^(dist|data|scratch|test-output|web/dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // web/ imports without extensions (bundler resolution); src/'s `.js` imports resolve to their `.ts`.
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      exportsFields: ['exports'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
