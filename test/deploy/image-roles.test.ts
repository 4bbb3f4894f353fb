// The image's entry point and each compose service's command, run without Docker: `node bin/dmarc.js <role>` with
// the arguments the Dockerfile (ENTRYPOINT + CMD) and docker-compose.yml give, the environment the compose file
// sets (PostgreSQL, Redis, PORT), on loopback. Each long-running role must start and answer /health on PORT,
// as the image's HEALTHCHECK asks; `migrate` (the one-shot service) must exit 0.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import {
  POSTGRES_ADMIN_URL,
  REDIS_URL,
  postgresReachable,
  redisAvailable,
  servicesRequired,
  withDatabaseName,
} from '../support/services.js';

const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const compose = YAML.parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { command?: string[] }>;
};

function instruction(name: string): string[] {
  const m = new RegExp(`^${name} (\\[.*\\])$`, 'm').exec(dockerfile);
  if (!m) throw new Error(`no ${name} in the Dockerfile`);
  return JSON.parse(m[1]!) as string[];
}
const entrypoint = instruction('ENTRYPOINT');
const BUILT = fs.existsSync(path.join(ROOT, 'dist/src/cli/main.js'));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function healthy(port: number, child: ChildProcess, output: () => string): Promise<unknown> {
  // the first start (modules, migrations) takes long on a loaded machine
  for (let i = 0; i < 1500; i++) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${output()}`);
    const r = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
    if (r?.ok) return r.json();
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no /health: ${output()}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const ended = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  return ended;
}

describe('the image commands, run without Docker', () => {
  it('the Dockerfile runs bin/dmarc.js with serve by default, and each compose role is a dmarc command', () => {
    expect(entrypoint).toEqual(['node', 'bin/dmarc.js']);
    expect(instruction('CMD')).toEqual(['serve']);
    expect(dockerfile).toMatch(/^HEALTHCHECK [^]*?\/health/m);
    expect(compose.services.api?.command).toEqual(['api']);
    expect(compose.services.worker?.command).toEqual(['worker']);
    expect(compose.services.scheduler?.command).toEqual(['scheduler']);
    expect(compose.services.migrate?.command).toEqual(['migrate']);
  });

  it.skipIf(!BUILT)(
    'serve (the default CMD) starts on the embedded database and answers /health',
    async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmarc-image-'));
      const port = await freePort();
      let out = '';
      const child = spawn(
        entrypoint[0] === 'node' ? process.execPath : entrypoint[0]!,
        [...entrypoint.slice(1), ...instruction('CMD')],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            NODE_ENV: 'production',
            HOST: '127.0.0.1',
            PORT: String(port),
            DMARC_DATA_DIR: dataDir,
            DATABASE_URL: '',
            REDIS_URL: '',
            DMARC_LOG_LEVEL: 'warn',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      try {
        expect(await healthy(port, child, () => out)).toMatchObject({ status: 'ok' });
      } finally {
        await stop(child);
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});

describe.skipIf(!BUILT)('the compose roles on PostgreSQL and Redis', () => {
  let ok = false;
  let dbUrl = '';
  const dbName = `dmarc_image_${crypto.randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const pgUp = await postgresReachable();
    if (!pgUp && servicesRequired) throw new Error(`REQUIRE_SERVICES=1 but PostgreSQL is not reachable`);
    if (!pgUp) console.warn('PostgreSQL not reachable: the compose roles test is skipped');
    ok = pgUp && (await redisAvailable('the compose roles test'));
    if (!ok) return;
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    dbUrl = withDatabaseName(POSTGRES_ADMIN_URL, dbName);
  });

  afterAll(async () => {
    if (!dbUrl) return;
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  });

  it('migrate exits 0; api, worker and scheduler start and answer /health on PORT', async (ctx) => {
    if (!ok) ctx.skip();
    const env = (port: number) => ({
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: dbUrl,
      REDIS_URL,
      DMARC_QUEUE_PREFIX: `img${crypto.randomBytes(3).toString('hex')}`,
      JWT_SECRET: crypto.randomBytes(48).toString('base64url'),
      DMARC_ADMIN_PASSWORD: 'correct horse battery staple',
      DMARC_LOG_LEVEL: 'warn',
      DMARC_CACHE_WARM_ON_START: 'false',
    });
    const run = (role: string[], port: number) =>
      [process.execPath, [...entrypoint.slice(1), ...role], { cwd: ROOT, env: env(port) }] as const;
    const [migrateCmd, migrateArgs, migrateOpts] = run(compose.services.migrate!.command!, 0);
    const migrate = spawnSync(migrateCmd, migrateArgs, { ...migrateOpts, encoding: 'utf8' });
    expect(migrate.status, migrate.stderr).toBe(0);
    const children: { child: ChildProcess; port: number; out: string }[] = [];
    try {
      for (const service of ['api', 'worker', 'scheduler']) {
        const port = await freePort();
        const [cmd, args, opts] = run(compose.services[service]!.command!, port);
        const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
        const entry = { child, port, out: '' };
        child.stdout.on('data', (d: Buffer) => (entry.out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (entry.out += d.toString()));
        children.push(entry);
      }
      const answers = await Promise.all(children.map((c) => healthy(c.port, c.child, () => c.out)));
      expect(answers[0]).toMatchObject({ status: 'ok' });
      expect(answers[1]).toMatchObject({ status: 'ok', role: 'worker' });
      expect(answers[2]).toMatchObject({ status: 'ok', role: 'scheduler' });
    } finally {
      await Promise.all(children.map((c) => stop(c.child)));
    }
  }, 200_000);
});
