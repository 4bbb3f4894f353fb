// Settings of the background work: retries, worker locks, schedules, retention, and the IMAP mailboxes (one from
// DMARC_IMAP_* env vars, several from the DMARC_CONFIG file, JSON or YAML). Validated here, once, into typed values;
// a bad value is a ConfigError naming the variable (or the file and the entry).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { parseBoolean, parsePositiveInt } from './parse-values.js';

/** Tasks that run on a schedule (the others are queued by what happens: uploads, sweeps). */
export const SCHEDULED_TASKS = ['fetch-imap', 'sweep-pending', 'refresh-rollups', 'retention'] as const;
export type ScheduledTask = (typeof SCHEDULED_TASKS)[number];

export const DEFAULT_SCHEDULES: Record<ScheduledTask, string> = {
  'fetch-imap': '*/15 * * * *',
  'sweep-pending': '*/5 * * * *',
  'refresh-rollups': '30 3 * * *',
  retention: '0 4 * * *',
};

export type ImapTls = 'tls' | 'starttls' | 'none';

export type ImapAuth =
  | { kind: 'password'; password: string | null; passwordFile: string | null }
  /** XOAUTH2: the access token comes from a command's standard output or from a file, read at every login. */
  | { kind: 'oauth2'; tokenCommand: string | null; tokenFile: string | null };

export interface ImapMailboxConfig {
  /** Label in logs, summaries and task payloads (default user@host). */
  name: string;
  host: string;
  port: number;
  tls: ImapTls;
  /** PEM file of a private CA (or a self-signed server certificate) to trust, in addition to the system ones. */
  caFile: string | null;
  user: string;
  auth: ImapAuth;
  /** Folder read for reports. */
  folder: string;
  /** Where processed messages go ('/' separates levels, whatever the server's delimiter). */
  processedFolder: string;
  /** Where messages without a readable report go. */
  invalidFolder: string;
  /** Mark processed messages \Seen and leave them where they are, instead of moving them. */
  markSeen: boolean;
  /** Messages fetched and imported per round (moved after each round). */
  batchSize: number;
  /** Keep a connection in IMAP IDLE and fetch within seconds of a new message (in the scheduler process). */
  idle: boolean;
  /** Slug of the organisation the mailbox's reports go to (default: the default organisation). */
  org: string;
}

export interface JobsConfig {
  /** Runs of a task before it is failed for good (the first run included). */
  maxAttempts: number;
  /** Delay before the first retry; doubles at each further one. */
  backoffMs: number;
  /** A worker's lock on a job; a dead worker's jobs run again after it expires and a stall check sees them. */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Jobs one worker process runs at once (`dmarc worker --concurrency` overrides). */
  concurrency: number | null;
  /** sweep-pending re-queues files left pending/processing for longer than this (distributed mode). */
  staleAfterMs: number;
  /** Task runs kept in the history (GET /api/tasks). */
  historyDays: number;
  /** Reports older than this many days are deleted by the retention task; null keeps everything. */
  retentionDays: number | null;
  /** Cron expression per scheduled task; null = disabled. */
  schedules: Record<ScheduledTask, string | null>;
  /** IANA time zone in which the cron expressions are read. */
  timezone: string;
  /** PORT when it was set: worker and scheduler processes then answer /health on it. */
  healthPort: number | null;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "30s", "10m", "2h", "7d"; a bare number is seconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!m) return undefined;
  const ms = Math.round(Number(m[1]) * DURATION_UNITS[(m[2] ?? 's').toLowerCase()]!);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

const OFF = new Set(['off', 'never', 'disabled', 'none', 'false']);

/** Validates a cron expression; 'off' (and friends) → null. */
export function parseSchedule(text: string, timezone: string): string | null {
  const t = text.trim();
  if (OFF.has(t.toLowerCase())) return null;
  CronExpressionParser.parse(t, { tz: timezone, strict: false });
  return t;
}

export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}

// ---- the DMARC_CONFIG file ----

const mailboxEntry = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  tls: z.enum(['tls', 'starttls', 'none']).optional(),
  allowInsecure: z.boolean().optional(),
  caFile: z.string().min(1).optional(),
  user: z.string().min(1),
  password: z.string().min(1).optional(),
  passwordFile: z.string().min(1).optional(),
  oauth2: z
    .strictObject({ tokenCommand: z.string().min(1).optional(), tokenFile: z.string().min(1).optional() })
    .optional(),
  folder: z.string().min(1).optional(),
  processedFolder: z.string().min(1).optional(),
  invalidFolder: z.string().min(1).optional(),
  markSeen: z.boolean().optional(),
  batchSize: z.number().int().min(1).max(1000).optional(),
  idle: z.boolean().optional(),
  org: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be an organisation slug (lower-case letters, digits, hyphens)')
    .optional(),
});
type MailboxEntry = z.infer<typeof mailboxEntry>;

const fileSchema = z
  .object({
    imap: z.array(mailboxEntry).optional(),
    schedules: z.record(z.string(), z.union([z.string(), z.boolean()])).optional(),
  })
  // other sections belong to other parts of the program
  .loose();
type ConfigFile = z.infer<typeof fileSchema>;

function readConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('DMARC_CONFIG', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new ConfigError(
      'DMARC_CONFIG',
      `${file} is not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${
        (err instanceof Error ? err.message : String(err)).split('\n')[0]
      }`,
    );
  }
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(top level)';
    throw new ConfigError('DMARC_CONFIG', `${file}: ${where}: ${issue?.message ?? 'invalid value'}`);
  }
  return parsed.data;
}

// ---- assembling ----

function mailboxFrom(e: MailboxEntry, where: string): ImapMailboxConfig {
  const tls = e.tls ?? 'tls';
  if (tls === 'none' && !isLoopbackHost(e.host) && !e.allowInsecure) {
    throw new ConfigError(
      where,
      `TLS 'none' sends the password in clear text; it is only allowed for a loopback host unless allowInsecure is set (DMARC_IMAP_ALLOW_INSECURE=true)`,
    );
  }
  const secrets = [e.password, e.passwordFile, e.oauth2].filter((x) => x !== undefined).length;
  if (secrets !== 1) {
    throw new ConfigError(where, 'give exactly one of a password, a password file or an OAuth2 token source');
  }
  if (e.oauth2 && (e.oauth2.tokenCommand === undefined) === (e.oauth2.tokenFile === undefined)) {
    throw new ConfigError(where, 'OAuth2 needs exactly one of tokenCommand or tokenFile');
  }
  const folder = e.folder ?? 'INBOX';
  const processedFolder = e.processedFolder ?? 'DMARC/Processed';
  const invalidFolder = e.invalidFolder ?? 'DMARC/Invalid';
  if (!e.markSeen && processedFolder === folder) {
    throw new ConfigError(where, 'the processed folder must differ from the folder read (or set markSeen)');
  }
  if (invalidFolder === folder) throw new ConfigError(where, 'the invalid folder must differ from the folder read');
  return {
    name: e.name ?? `${e.user}@${e.host}`,
    host: e.host,
    port: e.port ?? (tls === 'tls' ? 993 : 143),
    tls,
    caFile: e.caFile ?? null,
    user: e.user,
    auth: e.oauth2
      ? { kind: 'oauth2', tokenCommand: e.oauth2.tokenCommand ?? null, tokenFile: e.oauth2.tokenFile ?? null }
      : { kind: 'password', password: e.password ?? null, passwordFile: e.passwordFile ?? null },
    folder,
    processedFolder,
    invalidFolder,
    markSeen: e.markSeen ?? false,
    batchSize: e.batchSize ?? 20,
    idle: e.idle ?? false,
    org: e.org ?? 'default',
  };
}

function bool(env: Record<string, string>, name: string): boolean | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const b = parseBoolean(v);
  if (b === undefined) throw new ConfigError(name, `expected true or false, got '${v}'`);
  return b;
}

function int(env: Record<string, string>, name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const n = parsePositiveInt(v);
  if (n === undefined || n > max) throw new ConfigError(name, `expected a positive integer up to ${max}, got '${v}'`);
  return n;
}

function duration(env: Record<string, string>, name: string): number | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0)
    throw new ConfigError(name, `expected a duration such as 30s, 10m or 500ms, got '${v}'`);
  return ms;
}

function mailboxFromEnv(env: Record<string, string>): ImapMailboxConfig | undefined {
  const host = env.DMARC_IMAP_HOST;
  const imapVars = Object.keys(env).filter((k) => k.startsWith('DMARC_IMAP_'));
  if (host === undefined) {
    if (imapVars.length > 0) throw new ConfigError('DMARC_IMAP_HOST', `required when ${imapVars[0]} is set`);
    return undefined;
  }
  const user = env.DMARC_IMAP_USER;
  if (user === undefined) throw new ConfigError('DMARC_IMAP_USER', 'required when DMARC_IMAP_HOST is set');
  const tls = env.DMARC_IMAP_TLS;
  if (tls !== undefined && !['tls', 'starttls', 'none'].includes(tls)) {
    throw new ConfigError('DMARC_IMAP_TLS', `expected tls, starttls or none, got '${tls}'`);
  }
  const port = int(env, 'DMARC_IMAP_PORT', 65535);
  const batchSize = int(env, 'DMARC_IMAP_BATCH_SIZE', 1000);
  const oauth2 =
    env.DMARC_IMAP_OAUTH2_TOKEN_COMMAND !== undefined || env.DMARC_IMAP_OAUTH2_TOKEN_FILE !== undefined
      ? { tokenCommand: env.DMARC_IMAP_OAUTH2_TOKEN_COMMAND, tokenFile: env.DMARC_IMAP_OAUTH2_TOKEN_FILE }
      : undefined;
  try {
    return mailboxFrom(
      {
        name: env.DMARC_IMAP_NAME,
        host,
        port,
        tls: tls as ImapTls | undefined,
        allowInsecure: bool(env, 'DMARC_IMAP_ALLOW_INSECURE'),
        caFile: env.DMARC_IMAP_TLS_CA_FILE,
        user,
        password: env.DMARC_IMAP_PASSWORD,
        passwordFile: env.DMARC_IMAP_PASSWORD_FILE,
        oauth2,
        folder: env.DMARC_IMAP_FOLDER,
        processedFolder: env.DMARC_IMAP_PROCESSED_FOLDER,
        invalidFolder: env.DMARC_IMAP_INVALID_FOLDER,
        markSeen: bool(env, 'DMARC_IMAP_MARK_SEEN'),
        batchSize,
        idle: bool(env, 'DMARC_IMAP_IDLE'),
        org: env.DMARC_IMAP_ORG,
      },
      'DMARC_IMAP_HOST',
    );
  } catch (err) {
    if (err instanceof ConfigError && err.variable === 'DMARC_IMAP_HOST') {
      throw new ConfigError('DMARC_IMAP_*', err.message.replace(/^DMARC_IMAP_HOST: /, ''));
    }
    throw err;
  }
}

/** The background-work part of the configuration, from env vars (empty ones already removed) and DMARC_CONFIG. */
export function loadJobsConfig(env: Record<string, string>): { jobs: JobsConfig; imap: ImapMailboxConfig[] } {
  const file = env.DMARC_CONFIG ? readConfigFile(path.resolve(env.DMARC_CONFIG)) : {};

  const imap: ImapMailboxConfig[] = [];
  const fromEnv = mailboxFromEnv(env);
  if (fromEnv) imap.push(fromEnv);
  (file.imap ?? []).forEach((e, i) => imap.push(mailboxFrom(e, `DMARC_CONFIG imap[${i}]`)));
  const names = new Set<string>();
  for (const m of imap) {
    if (names.has(m.name)) throw new ConfigError('DMARC_CONFIG', `two IMAP mailboxes are named '${m.name}'`);
    names.add(m.name);
  }

  const timezone = env.DMARC_SCHEDULE_TIMEZONE ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new ConfigError('DMARC_SCHEDULE_TIMEZONE', `unknown time zone '${timezone}'`);
  }
  const schedules = {} as Record<ScheduledTask, string | null>;
  for (const task of SCHEDULED_TASKS) {
    const variable = `DMARC_SCHEDULE_${task.toUpperCase().replace(/-/g, '_')}`;
    const fromFile = file.schedules?.[task];
    const text = env[variable] ?? (fromFile === false ? 'off' : fromFile === true ? undefined : fromFile);
    try {
      schedules[task] = parseSchedule(text ?? DEFAULT_SCHEDULES[task], timezone);
    } catch (err) {
      const where = env[variable] !== undefined ? variable : `DMARC_CONFIG schedules.${task}`;
      throw new ConfigError(where, `'${text}' is not a cron expression: ${err instanceof Error ? err.message : err}`);
    }
  }
  for (const key of Object.keys(file.schedules ?? {})) {
    if (!(SCHEDULED_TASKS as readonly string[]).includes(key)) {
      throw new ConfigError('DMARC_CONFIG', `schedules.${key}: unknown task; known: ${SCHEDULED_TASKS.join(', ')}`);
    }
  }

  const lockDurationMs = duration(env, 'DMARC_JOB_LOCK_DURATION') ?? 20_000;
  const retention = env.DMARC_RETENTION_DAYS;
  let retentionDays: number | null = null;
  if (retention !== undefined && !OFF.has(retention.toLowerCase()) && retention.toLowerCase() !== 'forever') {
    retentionDays = int(env, 'DMARC_RETENTION_DAYS') ?? null;
  }
  const port = env.PORT;
  return {
    imap,
    jobs: {
      maxAttempts: int(env, 'DMARC_JOB_ATTEMPTS', 100) ?? 5,
      backoffMs: duration(env, 'DMARC_JOB_BACKOFF') ?? 10_000,
      lockDurationMs,
      stalledIntervalMs:
        duration(env, 'DMARC_JOB_STALLED_INTERVAL') ?? Math.max(1000, Math.round(lockDurationMs * 0.75)),
      concurrency: int(env, 'DMARC_WORKER_CONCURRENCY', 256) ?? null,
      staleAfterMs: duration(env, 'DMARC_SWEEP_STALE_AFTER') ?? 5 * 60_000,
      historyDays: int(env, 'DMARC_TASK_HISTORY_DAYS', 3650) ?? 14,
      retentionDays,
      schedules,
      timezone,
      healthPort: port !== undefined && /^\d+$/.test(port) ? Number(port) : null,
    },
  };
}
