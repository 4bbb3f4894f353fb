import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  ConfigError,
  environmentHelp,
  envSchema,
  envVars,
  loadConfig,
  redactSecrets,
  type Config,
} from '../../src/config/index.js';
import type { ScheduledTask } from '../../src/config/jobs.js';
import { parseByteSize } from '../../src/config/parse-values.js';
import type { UnpackLimits } from '../../src/parse/types.js';

describe('configuration', () => {
  it('defaults to embedded PGlite in ./data', () => {
    const c = loadConfig({});
    expect(c.dataDir).toBe(path.resolve('data'));
    expect(c.database).toEqual({ kind: 'pglite', dir: path.resolve('data', 'pgdata'), thread: true });
    expect(c.limits.maxInputBytes).toBe(50 * 1024 * 1024);
    expect(loadConfig({ DMARC_PGLITE_THREAD: 'false' }).database).toMatchObject({ kind: 'pglite', thread: false });
    expect(() => loadConfig({ DMARC_PGLITE_THREAD: 'sometimes' })).toThrow(/DMARC_PGLITE_THREAD/);
  });

  it('uses PostgreSQL when DATABASE_URL is set; flags override env', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/dmarc' }).database).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db:5432/dmarc',
    });
    const c = loadConfig({ DMARC_DATA_DIR: '/tmp/a' }, { dataDir: '/tmp/b' });
    expect(c.dataDir).toBe('/tmp/b');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', DMARC_DATA_DIR: '' }).database.kind).toBe('pglite');
  });

  it('reads human sizes', () => {
    expect(parseByteSize('50MB')).toBe(50_000_000);
    expect(parseByteSize('50 MiB')).toBe(50 * 1024 * 1024);
    expect(parseByteSize('1g')).toBe(1024 ** 3);
    expect(parseByteSize('123')).toBe(123);
    expect(parseByteSize('12 parsecs')).toBeUndefined();
    expect(loadConfig({}).auth.refreshReuseGraceSeconds).toBe(30);
    expect(loadConfig({ DMARC_REFRESH_REUSE_GRACE_SECONDS: '0' }).auth.refreshReuseGraceSeconds).toBe(0);
    expect(loadConfig({ DMARC_MAX_INPUT_BYTES: '10MiB' }).limits.maxInputBytes).toBe(10 * 1024 * 1024);
  });

  it.each([
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_URL', 'not a url'],
    ['DMARC_MAX_INPUT_BYTES', 'lots'],
    ['DMARC_MAX_INPUT_BYTES', '0'],
    ['DMARC_MAX_ZIP_ENTRIES', '-3'],
    ['DMARC_MAX_COMPRESSION_RATIO', '1.5'],
    ['DMARC_LOG_LEVEL', 'loud'],
    ['DMARC_REFRESH_REUSE_GRACE_SECONDS', '301'],
    ['DMARC_REFRESH_REUSE_GRACE_SECONDS', '-1'],
    ['DMARC_REFRESH_REUSE_GRACE_SECONDS', '5s'],
  ])('refuses %s=%s with a one-line error naming the variable', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg.startsWith(`${name}: `)).toBe(true);
    expect(msg).not.toContain('\n');
  });
});

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('every invalid variable is reported at once', () => {
  it('lists each bad variable, in one line, in one ConfigError', () => {
    const err = configErrorOf({
      PORT: 'abc',
      DMARC_JOB_BACKOFF: 'soon',
      DMARC_LOG_LEVEL: 'loud',
      DMARC_MAX_UPLOAD_BYTES: 'lots',
      DMARC_SCHEDULE_TIMEZONE: 'Mars/Olympus',
      DMARC_IMAP_USER: 'u', // without DMARC_IMAP_HOST: a rule between variables, reported with the others
    });
    expect(err.issues.map((i) => i.variable).sort()).toEqual(
      [
        'DMARC_IMAP_HOST',
        'DMARC_JOB_BACKOFF',
        'DMARC_LOG_LEVEL',
        'DMARC_MAX_UPLOAD_BYTES',
        'DMARC_SCHEDULE_TIMEZONE',
        'PORT',
      ].sort(),
    );
    expect(err.message).not.toContain('\n');
    expect(err.message).toContain(`PORT: expected a TCP port number 0-65535, got 'abc'`);
    expect(err.message).toContain(`DMARC_JOB_BACKOFF: expected a duration such as 30s, 10m or 500ms, got 'soon'`);
    expect(err.message).toContain('DMARC_IMAP_HOST: required when DMARC_IMAP_USER is set');
    expect(err.code).toBe('config_invalid');
    expect(err.errors).toHaveLength(6);
  });

  it('reports the mailbox rules, and bad DMARC_CONFIG entries, together with other variables', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-config-'));
    try {
      const file = path.join(dir, 'dmarc.json');
      await fs.writeFile(
        file,
        JSON.stringify({
          imap: [
            { host: 'h', user: 'u' },
            { host: 'h2', user: 'u', password: 'p', batchSize: 0 },
          ],
          schedules: { backup: '* * * * *', retention: 'every day' },
        }),
      );
      const err = configErrorOf({
        DMARC_CONFIG: file,
        DMARC_IMAP_HOST: 'imap.example.com',
        DMARC_IMAP_USER: 'u',
        DMARC_IMAP_TLS: 'none',
        DMARC_MAX_ZIP_ENTRIES: 'many',
      });
      const text = err.message;
      expect(text).toMatch(/DMARC_IMAP_\*: TLS 'none' sends the password in clear text/);
      expect(text).toMatch(/DMARC_IMAP_\*: give exactly one of a password/);
      expect(text).toMatch(/DMARC_CONFIG: .*dmarc\.json: imap\.0: give exactly one of a password/);
      expect(text).toMatch(/DMARC_CONFIG: .*dmarc\.json: imap\.1\.batchSize: /);
      expect(text).toMatch(/DMARC_CONFIG: .*dmarc\.json: schedules\.backup: unknown task/);
      expect(text).toMatch(/DMARC_CONFIG: .*dmarc\.json: schedules\.retention: 'every day' is not a cron expression/);
      expect(text).toMatch(/DMARC_MAX_ZIP_ENTRIES: /);
      expect(err.issues).toHaveLength(7);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('secrets', () => {
  const secretValues = {
    JWT_SECRET: 'hunter2-but-far-too-short',
    DMARC_ADMIN_PASSWORD: 'pw-short',
    DATABASE_URL: 'mysql://dmarc:db-Pa55word@db.example.com/dmarc',
    REDIS_URL: 'http://:redis-Pa55word@cache.example.com:6379/?password=query-Pa55word',
  };

  it('never puts a secret value in the message', () => {
    const err = configErrorOf({
      ...secretValues,
      DMARC_IMAP_HOST: 'h',
      DMARC_IMAP_USER: 'u',
      DMARC_IMAP_PASSWORD: 'imap-Pa55word',
      DMARC_IMAP_TLS: 'ssl',
    });
    expect(err.issues.map((i) => i.variable)).toEqual(
      expect.arrayContaining(['JWT_SECRET', 'DMARC_ADMIN_PASSWORD', 'DATABASE_URL', 'REDIS_URL', 'DMARC_IMAP_TLS']),
    );
    for (const secret of [
      'hunter2-but-far-too-short',
      'pw-short',
      'db-Pa55word',
      'redis-Pa55word',
      'query-Pa55word',
      'imap-Pa55word',
    ]) {
      expect(err.message).not.toContain(secret);
      expect(JSON.stringify(err.issues)).not.toContain(secret);
    }
    // a URL is shown with its password masked, so that the user sees what is wrong with it
    expect(err.message).toContain(`got 'mysql://dmarc:***@db.example.com/dmarc'`);
  });

  it('reads a secret from NAME_FILE (trimmed); refuses both, or an unreadable file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-secret-'));
    try {
      const file = path.join(dir, 'jwt');
      await fs.writeFile(file, `${'k'.repeat(64)}\n`);
      expect(loadConfig({ JWT_SECRET_FILE: file }).auth.jwtSecret).toBe('k'.repeat(64));
      const url = path.join(dir, 'db');
      await fs.writeFile(url, ' postgres://u:p@db:5432/dmarc \n');
      expect(loadConfig({ DATABASE_URL_FILE: url }).database).toEqual({
        kind: 'postgres',
        url: 'postgres://u:p@db:5432/dmarc',
      });

      const short = path.join(dir, 'short');
      await fs.writeFile(short, 'tiny-secret-value');
      const bad = configErrorOf({
        JWT_SECRET_FILE: short,
        DMARC_ADMIN_PASSWORD: 'long enough password',
        DMARC_ADMIN_PASSWORD_FILE: file,
        REDIS_URL_FILE: path.join(dir, 'missing'),
      });
      expect(bad.message).toContain('JWT_SECRET: must be at least 64 characters');
      expect(bad.message).toContain('(read from JWT_SECRET_FILE)');
      expect(bad.message).not.toContain('tiny-secret-value');
      expect(bad.message).toContain(
        'DMARC_ADMIN_PASSWORD_FILE: set either DMARC_ADMIN_PASSWORD or DMARC_ADMIN_PASSWORD_FILE, not both',
      );
      expect(bad.message).toMatch(/REDIS_URL_FILE: cannot read .*missing: ENOENT/);
      // DMARC_IMAP_PASSWORD_FILE is a setting of its own (read at every login), not the generic NAME_FILE
      expect(
        loadConfig({ DMARC_IMAP_HOST: 'h', DMARC_IMAP_USER: 'u', DMARC_IMAP_PASSWORD_FILE: '/run/secrets/imap' })
          .imap[0]!.auth,
      ).toEqual({ kind: 'password', password: null, passwordFile: '/run/secrets/imap' });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('redactSecrets masks the secrets set in an environment', () => {
    expect(redactSecrets('cannot connect: password db-Pa55word rejected', secretValues)).toBe(
      'cannot connect: password *** rejected',
    );
  });
});

describe('the schema', () => {
  it('describes every variable; the help text lists them with defaults and secrecy', () => {
    for (const [name, schema] of Object.entries(envSchema.shape)) {
      expect(envVars.get(schema)?.description, name).toBeTruthy();
    }
    const help = environmentHelp();
    expect(help.split('\n')).toHaveLength(Object.keys(envSchema.shape).length);
    expect(help).toMatch(/^ {2}DMARC_MAX_UPLOAD_FILES +most files in one upload request \[default: 200\]$/m);
    expect(help).toMatch(/^ {2}JWT_SECRET +.*\[secret; or JWT_SECRET_FILE\]$/m);
    expect(help).toMatch(/^ {2}DMARC_IMAP_PASSWORD +.*\[secret\]$/m);
  });

  it('infers the Config type (checked by the type checker)', () => {
    expectTypeOf<Config['database']>().toEqualTypeOf<
      { kind: 'pglite'; dir: string; thread: boolean } | { kind: 'postgres'; url: string }
    >();
    expectTypeOf<Config['server']['port']>().toEqualTypeOf<number>();
    expectTypeOf<Config['logLevel']>().toEqualTypeOf<
      'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
    >();
    expectTypeOf<Config['limits']>().toEqualTypeOf<UnpackLimits>();
    expectTypeOf<Config['jobs']['scheduleOverrides']>().toEqualTypeOf<Partial<Record<ScheduledTask, string | null>>>();
    expectTypeOf<Config['jobs']['retentionDays']>().toEqualTypeOf<number | null>();
    expectTypeOf<Config['imap'][number]['auth']>().toEqualTypeOf<
      | { kind: 'password'; password: string | null; passwordFile: string | null }
      | { kind: 'oauth2'; tokenCommand: string | null; tokenFile: string | null }
    >();
    expectTypeOf<Config['auth']['jwtSecret']>().toEqualTypeOf<string | null>();
    expectTypeOf<Config['security']['corsOrigins']>().toEqualTypeOf<string[]>();
    expectTypeOf<Config['redisUrl']>().toEqualTypeOf<string | null>();
  });
});
