// Settings are read once at start-up from env vars (and CLI flags that override them), validated into one
// typed object. A bad value is a one-line ConfigError naming the variable.
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_UNPACK_LIMITS, type UnpackLimits } from '../parse/types.js';
import { ConfigError } from './errors.js';
import { loadJobsConfig, type ImapMailboxConfig, type JobsConfig } from './jobs.js';
import { parseBoolean, parseByteSize, parsePositiveInt } from './parse-values.js';

export { ConfigError } from './errors.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** Absolute path of the data directory (embedded database, generated secrets). */
  dataDir: string;
  database: { kind: 'pglite'; dir: string } | { kind: 'postgres'; url: string };
  limits: UnpackLimits;
  logLevel: LogLevel;
  server: {
    host: string;
    port: number;
    /** Largest upload request, all files together. */
    maxUploadBytes: number;
    /** Largest single uploaded file. */
    maxFileBytes: number;
    /** Most files in one upload request. */
    maxUploadFiles: number;
  };
  cache: {
    ttlSeconds: number;
    /** Warm the cache when a worker starts (it is also warmed after imports and daily). */
    warmOnStart: boolean;
  };
  /** redis://[:password@]host:port[/db] — distributed mode (cache, rate limits, job queue). */
  redisUrl: string | null;
  /** Prefix of every Redis key and queue name, so that installations can share one Redis. */
  redisPrefix: string;
  /** Background work: retries, worker locks, schedules, retention (see jobs.ts). */
  jobs: JobsConfig;
  /** IMAP mailboxes reports are fetched from (DMARC_IMAP_* and the DMARC_CONFIG file). */
  imap: ImapMailboxConfig[];
  auth: {
    /** HS256 key; null = embedded mode generates one in the data dir (see auth/secret.ts). */
    jwtSecret: string | null;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    /** First admin, created on first start when there are no users. */
    adminEmail: string | null;
    adminPassword: string | null;
  };
  security: {
    /** Requests per minute per user/API key (authenticated) or per IP (anonymous). */
    rateLimitPerMinute: number;
    /**
     * Login attempts per 15 minutes per (account, address) before 429; per address across accounts 5 times
     * that, per account across addresses 10 times that (see auth/login-limits.ts).
     */
    loginMaxFailures: number;
    /** Origins allowed by CORS; empty = closed. */
    corsOrigins: string[];
    /**
     * The reverse proxies whose X-Forwarded-For/-Proto/-Host are believed (client IPs, HTTPS detection), as
     * addresses and CIDRs (Fastify's trustProxy); false = none. DMARC_TRUSTED_PROXIES, else with
     * DMARC_TRUST_PROXY=true loopback only.
     */
    trustProxy: false | string[];
  };
}

/** Flags that override env vars (CLI). */
export interface ConfigOverrides {
  dataDir?: string;
  databaseUrl?: string;
}

const booleanValue = z.string().transform((v, ctx) => {
  const b = parseBoolean(v);
  if (b === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected true or false, got '${v}'` });
    return z.NEVER;
  }
  return b;
});

const byteSize = z.string().transform((text, ctx) => {
  const n = parseByteSize(text);
  if (n === undefined || n <= 0) {
    ctx.addIssue({ code: 'custom', message: `expected a size in bytes such as 52428800 or 50MB, got '${text}'` });
    return z.NEVER;
  }
  return n;
});

const positiveInt = z.string().transform((text, ctx) => {
  const n = parsePositiveInt(text);
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a positive integer, got '${text}'` });
    return z.NEVER;
  }
  return n;
});

const postgresUrl = z.string().refine(
  (text) => {
    try {
      const u = new URL(text);
      return u.protocol === 'postgres:' || u.protocol === 'postgresql:';
    } catch {
      return false;
    }
  },
  { message: 'expected a URL such as postgres://user:password@host:5432/dbname' },
);

const envSchema = z.object({
  DMARC_DATA_DIR: z.string().min(1, 'must not be empty').optional(),
  DATABASE_URL: postgresUrl.optional(),
  DMARC_MAX_INPUT_BYTES: byteSize.optional(),
  DMARC_MAX_DECOMPRESSED_BYTES: byteSize.optional(),
  DMARC_MAX_COMPRESSION_RATIO: positiveInt.optional(),
  DMARC_MAX_ZIP_ENTRIES: positiveInt.optional(),
  DMARC_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  HOST: z.string().min(1).optional(),
  PORT: z
    .string()
    .regex(/^\d+$/, 'expected a TCP port number')
    .transform(Number)
    .refine((n) => n >= 0 && n <= 65535, 'expected a TCP port number 0-65535')
    .optional(),
  DMARC_MAX_UPLOAD_BYTES: byteSize.optional(),
  DMARC_MAX_FILE_BYTES: byteSize.optional(),
  DMARC_MAX_UPLOAD_FILES: positiveInt.optional(),
  DMARC_CACHE_TTL_SECONDS: z
    .string()
    .regex(/^\d+$/, 'expected a number of seconds (0 disables the cache)')
    .transform(Number)
    .optional(),
  DMARC_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 letters, digits, dots, dashes or underscores')
    .optional(),
  JWT_SECRET: z.string().min(64, 'must be at least 64 characters (a random string; it is the HS256 key)').optional(),
  DMARC_ACCESS_TOKEN_TTL_SECONDS: positiveInt.optional(),
  DMARC_REFRESH_TOKEN_TTL_SECONDS: positiveInt.optional(),
  DMARC_ADMIN_EMAIL: z.email('expected an e-mail address').optional(),
  DMARC_ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').optional(),
  DMARC_RATE_LIMIT_PER_MINUTE: positiveInt.optional(),
  DMARC_LOGIN_MAX_FAILURES: positiveInt.optional(),
  DMARC_CORS_ORIGINS: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine((list) => list.every((o) => /^https?:\/\/[^/\s]+$/.test(o)), 'expected origins like https://dmarc.example.com, comma-separated')
    .optional(),
  DMARC_TRUST_PROXY: booleanValue.optional(),
  DMARC_TRUSTED_PROXIES: z
    .string()
    .transform((text) => text.split(',').map((p) => p.trim()))
    .refine(
      (list) => list.every(isAddressOrCidr),
      'expected IP addresses or CIDRs of the reverse proxies, comma-separated, such as 10.0.0.5,172.16.0.0/12',
    )
    .optional(),
  DMARC_CACHE_WARM_ON_START: booleanValue.optional(),
  REDIS_URL: z
    .string()
    .refine((text) => {
      try {
        const u = new URL(text);
        return u.protocol === 'redis:' || u.protocol === 'rediss:';
      } catch {
        return false;
      }
    }, 'expected a URL such as redis://host:6379/0')
    .optional(),
});

/** 192.0.2.1, 10.0.0.0/8, ::1, fd00::/8 */
function isAddressOrCidr(text: string): boolean {
  const [address = '', prefix, ...rest] = text.split('/');
  const family = net.isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Loopback addresses: a proxy on the same host. */
const LOOPBACK = ['127.0.0.0/8', '::1/128'];

/** Env vars set to an empty string count as unset (a common shell/compose habit). */
function nonEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Config {
  const merged = nonEmpty(env);
  if (overrides.dataDir !== undefined) merged.DMARC_DATA_DIR = overrides.dataDir;
  if (overrides.databaseUrl !== undefined) merged.DATABASE_URL = overrides.databaseUrl;

  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'configuration');
    throw new ConfigError(variable, issue?.message ?? 'invalid value');
  }
  const e = parsed.data;
  if (e.DMARC_TRUST_PROXY === false && e.DMARC_TRUSTED_PROXIES)
    throw new ConfigError('DMARC_TRUSTED_PROXIES', 'is set but DMARC_TRUST_PROXY is false; unset one of them');
  const { jobs, imap } = loadJobsConfig(merged);
  const dataDir = path.resolve(e.DMARC_DATA_DIR ?? './data');
  return {
    dataDir,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dir: path.join(dataDir, 'pgdata') },
    limits: {
      maxInputBytes: e.DMARC_MAX_INPUT_BYTES ?? DEFAULT_UNPACK_LIMITS.maxInputBytes,
      maxDecompressedBytes: e.DMARC_MAX_DECOMPRESSED_BYTES ?? DEFAULT_UNPACK_LIMITS.maxDecompressedBytes,
      maxCompressionRatio: e.DMARC_MAX_COMPRESSION_RATIO ?? DEFAULT_UNPACK_LIMITS.maxCompressionRatio,
      maxZipEntries: e.DMARC_MAX_ZIP_ENTRIES ?? DEFAULT_UNPACK_LIMITS.maxZipEntries,
      maxNestingDepth: DEFAULT_UNPACK_LIMITS.maxNestingDepth,
    },
    logLevel: e.DMARC_LOG_LEVEL ?? 'info',
    server: {
      host: e.HOST ?? '0.0.0.0',
      port: e.PORT ?? 8080,
      maxUploadBytes: e.DMARC_MAX_UPLOAD_BYTES ?? 200 * 1024 * 1024,
      maxFileBytes: e.DMARC_MAX_FILE_BYTES ?? 50 * 1024 * 1024,
      maxUploadFiles: e.DMARC_MAX_UPLOAD_FILES ?? 200,
    },
    cache: { ttlSeconds: e.DMARC_CACHE_TTL_SECONDS ?? 300, warmOnStart: e.DMARC_CACHE_WARM_ON_START ?? true },
    redisUrl: e.REDIS_URL ?? null,
    redisPrefix: e.DMARC_QUEUE_PREFIX ?? 'dmarc',
    jobs,
    imap,
    auth: {
      jwtSecret: e.JWT_SECRET ?? null,
      accessTokenTtlSeconds: e.DMARC_ACCESS_TOKEN_TTL_SECONDS ?? 15 * 60,
      refreshTokenTtlSeconds: e.DMARC_REFRESH_TOKEN_TTL_SECONDS ?? 7 * 24 * 3600,
      adminEmail: e.DMARC_ADMIN_EMAIL ?? null,
      adminPassword: e.DMARC_ADMIN_PASSWORD ?? null,
    },
    security: {
      rateLimitPerMinute: e.DMARC_RATE_LIMIT_PER_MINUTE ?? 600,
      loginMaxFailures: e.DMARC_LOGIN_MAX_FAILURES ?? 10,
      corsOrigins: e.DMARC_CORS_ORIGINS ?? [],
      trustProxy: e.DMARC_TRUSTED_PROXIES ?? (e.DMARC_TRUST_PROXY ? LOOPBACK : false),
    },
  };
}

/** Used by error messages so that a user sees the same names they set. */
export function describeDatabase(config: Config): string {
  if (config.database.kind === 'pglite') return `embedded PGlite at ${config.database.dir}`;
  const u = new URL(config.database.url);
  return `PostgreSQL at ${u.hostname}:${u.port || '5432'}${u.pathname}`;
}
