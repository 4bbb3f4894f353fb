// The one declaration of the settings. `envSchema` lists every environment variable: its parser (text → typed
// value, with the message a user sees when the text is wrong), its default, a description and whether it is a
// secret (registered in `envVars`, which drives the help text and the masking of values in error messages).
// The DMARC_CONFIG file (JSON or YAML: IMAP mailboxes, schedules) is declared here too, as the parser of that
// variable. `configSchema` turns the parsed variables into the Config object; `Config` is inferred from it.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { DEFAULT_UNPACK_LIMITS } from '../parse/types.js';
import { gmailEntry, graphEntry, maildirEntry } from './mailboxes.js';
import {
  OFF_WORDS,
  formatBytes,
  isLoopbackHost,
  parseBoolean,
  parseByteSize,
  parseDuration,
  parsePositiveInt,
  parseSchedule,
} from './parse-values.js';

// ---- metadata of a variable ----

export interface EnvVarMeta {
  /** One line for the help text. */
  description: string;
  /**
   * The value is never printed (error messages mask it) and may be given as a file: NAME_FILE=/run/secrets/x
   * (its contents, trimmed), unless NAME_FILE is a variable of its own.
   */
  secret?: boolean;
  /** The default in words, when it is not a fixed value (a fixed one is read from the schema). */
  defaultText?: string;
}

/** Metadata of each variable's schema (the values of `envSchema.shape`). */
export const envVars = z.registry<EnvVarMeta>();

function variable<T extends z.ZodType>(schema: T, meta: EnvVarMeta): T {
  envVars.add(schema, meta);
  return schema;
}

// ---- parsers of values written by humans ----

function orList(values: readonly string[]): string {
  return values.length <= 1 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

/** Text read by `parse`; `undefined` means invalid, reported as "<expected>, got '<text>'" (not for secrets). */
function text<T>(parse: (t: string) => T | undefined, expected: string) {
  return z.string().transform((t, ctx) => {
    const v = parse(t);
    if (v === undefined) {
      ctx.addIssue({ code: 'custom', message: `${expected}, got '${t}'` });
      return z.NEVER;
    }
    return v;
  });
}

const bool = () => text(parseBoolean, 'expected true or false');

const byteSize = () =>
  text((t) => {
    const n = parseByteSize(t);
    return n !== undefined && n > 0 ? n : undefined;
  }, 'expected a size in bytes such as 52428800 or 50MB');

const positiveInt = (max?: number) =>
  text(
    (t) => {
      const n = parsePositiveInt(t);
      return n !== undefined && (max === undefined || n <= max) ? n : undefined;
    },
    max === undefined ? 'expected a positive integer' : `expected a positive integer up to ${max}`,
  );

const duration = () =>
  text((t) => {
    const ms = parseDuration(t);
    return ms !== undefined && ms > 0 ? ms : undefined;
  }, 'expected a duration such as 30s, 10m or 500ms');

const oneOf = <const V extends readonly string[]>(values: V) =>
  text((t): V[number] | undefined => (values.includes(t) ? t : undefined), `expected ${orList(values)}`);

const port = (min: number) =>
  text(
    (t) => (/^\s*\d+\s*$/.test(t) && Number(t) >= min && Number(t) <= 65535 ? Number(t) : undefined),
    `expected a TCP port number ${min}-65535`,
  );

const nonEmpty = (max = 1000) => z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** The URL with its password and query values (?password=...) replaced, for a message; nothing if not a URL. */
export function maskUrl(t: string): string | undefined {
  try {
    const u = new URL(t);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) u.searchParams.set(key, '***');
    u.hash = '';
    return u.toString();
  } catch {
    return undefined;
  }
}

/** A URL of one of `protocols`. A secret: a wrong one is shown with its password masked. */
const url = (protocols: readonly string[], example: string) =>
  z.string().superRefine((t, ctx) => {
    let ok = false;
    try {
      ok = protocols.includes(new URL(t).protocol);
    } catch {
      ok = false;
    }
    if (!ok) {
      const shown = maskUrl(t);
      ctx.addIssue({ code: 'custom', message: `expected a URL such as ${example}${shown ? `, got '${shown}'` : ''}` });
    }
  });

/** A cron expression, or off/never/disabled/none/false (→ null). Its validity does not depend on the time zone. */
const cron = () =>
  z.string().transform((t, ctx) => {
    try {
      return parseSchedule(t, 'UTC');
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `'${t}' is not a cron expression: ${err instanceof Error ? err.message : String(err)}`,
      });
      return z.NEVER;
    }
  });

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// ---- the DMARC_CONFIG file ----

/**
 * The names of the tasks that run on a schedule (the others are queued by what happens: uploads, sweeps), for
 * validating DMARC_SCHEDULE_<TASK> and the file's `schedules:`. Only the names: each task's default schedule
 * is in its file (jobs/tasks/), whose registry checks that it has the same scheduled tasks, in this order.
 */
export const SCHEDULED_TASKS = [
  'fetch-imap',
  'sweep-pending',
  'refresh-rollups',
  'retention',
  'check-alerts',
  'check-dns',
  'send-digests',
  'train-model',
  'detect-anomalies',
  'forward-events',
] as const;
export type ScheduledTask = (typeof SCHEDULED_TASKS)[number];

/** DMARC_SCHEDULE_<TASK>: the variable that overrides a task's schedule. */
export function scheduleVariable(task: ScheduledTask): string {
  return `DMARC_SCHEDULE_${task.toUpperCase().replace(/-/g, '_')}`;
}

export const IMAP_TLS_MODES = ['tls', 'starttls', 'none'] as const;

/** An organisation's slug, as organizations.slug allows it. */
function orgSlug() {
  return z
    .string()
    .regex(
      /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
      'must be an organisation slug (lower-case letters, digits, hyphens)',
    );
}

/** One mailbox as written in the file (and as assembled from the DMARC_IMAP_* variables). */
const mailboxFields = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  tls: z.enum(IMAP_TLS_MODES).optional(),
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
  org: orgSlug().optional(),
});
type MailboxEntry = z.output<typeof mailboxFields>;

/** What is wrong with a mailbox as a whole (each field being valid on its own). */
function mailboxProblems(e: MailboxEntry): string[] {
  const problems: string[] = [];
  if ((e.tls ?? 'tls') === 'none' && !isLoopbackHost(e.host) && !e.allowInsecure) {
    problems.push(
      `TLS 'none' sends the password in clear text; it is only allowed for a loopback host unless allowInsecure is set (DMARC_IMAP_ALLOW_INSECURE=true)`,
    );
  }
  if ([e.password, e.passwordFile, e.oauth2].filter((x) => x !== undefined).length !== 1) {
    problems.push('give exactly one of a password, a password file or an OAuth2 token source');
  }
  if (e.oauth2 && (e.oauth2.tokenCommand === undefined) === (e.oauth2.tokenFile === undefined)) {
    problems.push('OAuth2 needs exactly one of tokenCommand or tokenFile');
  }
  const folder = e.folder ?? 'INBOX';
  if (!e.markSeen && (e.processedFolder ?? 'DMARC/Processed') === folder) {
    problems.push('the processed folder must differ from the folder read (or set markSeen)');
  }
  if ((e.invalidFolder ?? 'DMARC/Invalid') === folder)
    problems.push('the invalid folder must differ from the folder read');
  return problems;
}

// (Separate functions, so that the union's members are not widened with each other's keys.)
const passwordAuth = (e: MailboxEntry) => ({
  kind: 'password' as const,
  password: e.password ?? null,
  passwordFile: e.passwordFile ?? null,
});
const oauth2Auth = (o: NonNullable<MailboxEntry['oauth2']>) => ({
  kind: 'oauth2' as const,
  tokenCommand: o.tokenCommand ?? null,
  tokenFile: o.tokenFile ?? null,
});

/** A valid entry with its defaults applied: what the IMAP code reads. */
function toMailbox(e: MailboxEntry) {
  const tls = e.tls ?? 'tls';
  return {
    /** Label in logs, summaries and task payloads (default user@host). */
    name: e.name ?? `${e.user}@${e.host}`,
    host: e.host,
    port: e.port ?? (tls === 'tls' ? 993 : 143),
    tls,
    /** PEM file of a private CA (or a self-signed server certificate) to trust, in addition to the system ones. */
    caFile: e.caFile ?? null,
    user: e.user,
    /** XOAUTH2: the access token comes from a command's standard output or from a file, read at every login. */
    auth: e.oauth2 ? oauth2Auth(e.oauth2) : passwordAuth(e),
    /** Folder read for reports. */
    folder: e.folder ?? 'INBOX',
    /** Where processed messages go ('/' separates levels, whatever the server's delimiter). */
    processedFolder: e.processedFolder ?? 'DMARC/Processed',
    /** Where messages without a readable report go. */
    invalidFolder: e.invalidFolder ?? 'DMARC/Invalid',
    /** Mark processed messages \Seen and leave them where they are, instead of moving them. */
    markSeen: e.markSeen ?? false,
    /** Messages fetched and imported per round (moved after each round). */
    batchSize: e.batchSize ?? 20,
    /** Keep a connection in IMAP IDLE and fetch within seconds of a new message (in the scheduler process). */
    idle: e.idle ?? false,
    /** Slug of the organisation the mailbox's reports go to (default: the default organisation). */
    org: e.org ?? 'default',
  };
}

const mailboxEntry = mailboxFields
  .superRefine((e, ctx) => {
    for (const message of mailboxProblems(e)) ctx.addIssue({ code: 'custom', message });
  })
  .transform(toMailbox);

const fileSchedules = z.record(z.string(), z.union([z.string(), z.boolean()])).transform((entries, ctx) => {
  const out: Partial<Record<ScheduledTask, string | null>> = {};
  for (const [task, value] of Object.entries(entries)) {
    if (!(SCHEDULED_TASKS as readonly string[]).includes(task)) {
      ctx.addIssue({ code: 'custom', path: [task], message: `unknown task; known: ${SCHEDULED_TASKS.join(', ')}` });
      continue;
    }
    if (value === true) continue; // on, with its default schedule
    const parsed = cron().safeParse(value === false ? 'off' : value);
    if (parsed.success) out[task as ScheduledTask] = parsed.data;
    else ctx.addIssue({ code: 'custom', path: [task], message: parsed.error.issues[0]?.message ?? 'invalid' });
  }
  return out;
});

export const configFileSchema = z
  .object({
    imap: z.array(mailboxEntry).optional(),
    graph: z.array(graphEntry).optional(),
    gmail: z.array(gmailEntry).optional(),
    maildir: z.array(maildirEntry).optional(),
    schedules: fileSchedules.optional(),
  })
  // other sections belong to other parts of the program
  .loose();

/** DMARC_CONFIG: a path; its parsed value is the file's validated contents. */
const configFile = () =>
  z.string().transform((name, ctx) => {
    const file = path.resolve(name);
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    let content: string;
    try {
      content = fs.readFileSync(file, 'utf8');
    } catch (err) {
      return fail(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const json = /\.json$/i.test(file);
    let raw: unknown;
    try {
      raw = json ? JSON.parse(content) : YAML.parse(content);
    } catch (err) {
      const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      return fail(`${file} is not valid ${json ? 'JSON' : 'YAML'}: ${why}`);
    }
    const parsed = configFileSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({
          code: 'custom',
          message: `${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`,
        });
      }
      return z.NEVER;
    }
    const d = parsed.data;
    return {
      file,
      imap: d.imap ?? [],
      mailboxes: [...(d.graph ?? []), ...(d.gmail ?? []), ...(d.maildir ?? [])],
      schedules: d.schedules ?? {},
    };
  });

// ---- IP enrichment ----

/** One DNS server of DMARC_DNS_SERVERS: an IP address with an optional port (IPv6 with a port in brackets). */
function dnsServer(entry: string): string | undefined {
  const t = entry.trim();
  let host = t;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2];
    if (!net.isIPv6(host)) return undefined;
  } else if (net.isIPv4(t.split(':')[0] ?? '') && t.split(':').length === 2) {
    [host = '', portText] = t.split(':');
  }
  if (net.isIP(host) === 0 || host.includes('%')) return undefined;
  if (portText !== undefined) {
    const port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) return undefined;
  }
  // (the forms node:dns setServers takes: an IPv6 address with a port in brackets)
  if (portText === undefined) return host;
  return `${net.isIPv6(host) ? `[${host}]` : host}:${Number(portText)}`;
}

const dnsServers = () =>
  z.string().transform((t, ctx) => {
    const entries = t
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const bad = entries.filter((e) => dnsServer(e) === undefined);
    if (entries.length === 0 || bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `expected IP addresses of DNS servers with an optional port, comma-separated, such as 192.0.2.53,[2001:db8::53]:5353${bad.length > 0 ? `; not one: '${bad[0]}'` : ''}`,
      });
      return z.NEVER;
    }
    return entries.map((e) => dnsServer(e)!);
  });

/** A path to a readable, non-empty file (its contents are checked by whoever opens it). */
const readableFile = () =>
  z.string().transform((name, ctx) => {
    const file = path.resolve(name);
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
      fs.accessSync(file, fs.constants.R_OK);
    } catch (err) {
      return fail(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (!stat.isFile()) return fail(`${file} is not a file`);
    if (stat.size === 0) return fail(`${file} is empty`);
    return file;
  });

// ---- every environment variable ----

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const schedule = (task: ScheduledTask) =>
  variable(cron().optional(), {
    description: `cron expression of the ${task} task, or off (read in DMARC_SCHEDULE_TIMEZONE)`,
    defaultText: `the DMARC_CONFIG file's schedules.${task}, else the task's own (dmarc schedule list)`,
  });

export const envSchema = z
  .object({
    // -- storage --
    DMARC_DATA_DIR: variable(nonEmpty().prefault('./data'), {
      description: 'data directory: embedded database, generated secrets',
    }),
    DATABASE_URL: variable(url(['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/dbname').optional(), {
      description: 'PostgreSQL instead of the embedded database (PGlite in the data directory)',
      secret: true,
      defaultText: 'unset: embedded PGlite',
    }),
    DMARC_PGLITE_THREAD: variable(bool().prefault('true'), {
      description:
        "run the embedded database in a thread of its own, so that a long statement (a large report's rollups) does not hold up the server's requests; false: in the process's main thread",
    }),
    // -- limits of one input file --
    DMARC_MAX_INPUT_BYTES: variable(byteSize().prefault(formatBytes(DEFAULT_UNPACK_LIMITS.maxInputBytes)), {
      description: 'largest accepted input file',
    }),
    DMARC_MAX_DECOMPRESSED_BYTES: variable(
      byteSize().prefault(formatBytes(DEFAULT_UNPACK_LIMITS.maxDecompressedBytes)),
      {
        description: 'largest decompressed size of one file',
      },
    ),
    DMARC_MAX_COMPRESSION_RATIO: variable(positiveInt().prefault(String(DEFAULT_UNPACK_LIMITS.maxCompressionRatio)), {
      description: 'largest decompressed/compressed ratio of one stream',
    }),
    DMARC_MAX_ZIP_ENTRIES: variable(positiveInt().prefault(String(DEFAULT_UNPACK_LIMITS.maxZipEntries)), {
      description: 'most entries in one zip archive',
    }),
    DMARC_MAX_RECORDS_PER_REPORT: variable(positiveInt().prefault(String(DEFAULT_UNPACK_LIMITS.maxRecordsPerReport)), {
      description: 'most records in one report, counted while parsing; a report with more is refused',
    }),
    DMARC_LOG_LEVEL: variable(oneOf(LOG_LEVELS).prefault('info'), {
      description: `log level: ${LOG_LEVELS.join(', ')}`,
    }),
    DMARC_LOG_SLOW_REQUESTS: variable(duration().prefault('1s'), {
      description:
        'HTTP requests answered slower than this are logged at info; 5xx answers at warn; all others only at debug',
    }),
    // -- HTTP server --
    HOST: variable(nonEmpty().prefault('0.0.0.0'), { description: 'address the HTTP server listens on' }),
    PORT: variable(port(0).optional(), {
      description: 'port of the HTTP server; worker and scheduler answer /health on it when set',
      defaultText: '8080; worker and scheduler: no health port',
    }),
    DMARC_MAX_UPLOAD_BYTES: variable(byteSize().prefault('200MiB'), {
      description: 'largest upload request, all files together',
    }),
    DMARC_MAX_FILE_BYTES: variable(byteSize().prefault('50MiB'), { description: 'largest single uploaded file' }),
    DMARC_MAX_UPLOAD_FILES: variable(positiveInt().prefault('200'), {
      description: 'most files in one upload request',
    }),
    // -- analytics under load --
    DMARC_API_STATEMENT_TIMEOUT: variable(duration().prefault('15s'), {
      description:
        'longest an analytics query may run (PostgreSQL); past it the request is answered 503 with Retry-After',
    }),
    DMARC_ANALYTICS_CONCURRENCY: variable(positiveInt(1000).prefault('6'), {
      description:
        'analytics answers one API process computes at once, all users together (keep it below the database pool of 10 so that other requests always find a connection)',
    }),
    DMARC_ANALYTICS_CONCURRENCY_PER_USER: variable(positiveInt(1000).prefault('4'), {
      description: "analytics requests of one user served at once; the user's next ones wait their turn",
    }),
    // -- cache --
    DMARC_CACHE_TTL_SECONDS: variable(
      text(
        (t) => (/^\s*\d+\s*$/.test(t) ? Number(t) : undefined),
        'expected a number of seconds (0 disables the cache)',
      ).prefault('300'),
      { description: 'lifetime of cached answers, in seconds (0 disables the cache)' },
    ),
    DMARC_CACHE_WARM_ON_START: variable(bool().prefault('true'), {
      description: 'warm the cache when a worker starts (it is also warmed after imports and daily)',
    }),
    // -- distributed mode --
    REDIS_URL: variable(url(['redis:', 'rediss:'], 'redis://host:6379/0').optional(), {
      description: 'redis://[:password@]host:port[/db]: distributed mode (job queue, shared cache, rate limits)',
      secret: true,
      defaultText: 'unset: in-process queue and cache',
    }),
    DMARC_QUEUE_PREFIX: variable(
      text(
        (t) => (/^[A-Za-z0-9_.-]{1,64}$/.test(t) ? t : undefined),
        'expected 1-64 letters, digits, dots, dashes or underscores',
      ).prefault('dmarc'),
      { description: 'prefix of every Redis key and queue name (installations can share one Redis)' },
    ),
    // -- authentication --
    JWT_SECRET: variable(
      z.string().min(64, 'must be at least 64 characters (a random string; it is the HS256 key)').optional(),
      {
        description: 'HS256 key of access tokens (required with DATABASE_URL)',
        secret: true,
        defaultText: 'embedded mode: generated once in the data directory',
      },
    ),
    DMARC_ACCESS_TOKEN_TTL_SECONDS: variable(positiveInt().prefault(String(15 * 60)), {
      description: 'lifetime of an access token, in seconds',
    }),
    DMARC_REFRESH_TOKEN_TTL_SECONDS: variable(positiveInt().prefault(String(7 * 24 * 3600)), {
      description: 'lifetime of a refresh token, in seconds',
    }),
    DMARC_REFRESH_REUSE_GRACE_SECONDS: variable(
      text(
        (t) => (/^\s*\d+\s*$/.test(t) && Number(t) <= 300 ? Number(t) : undefined),
        'expected a whole number of seconds from 0 to 300',
      ).prefault('30'),
      {
        description:
          'seconds after its use during which a refresh token may be presented again (a page that navigated away mid-refresh) without ending the session; 0: never',
      },
    ),
    DMARC_ADMIN_EMAIL: variable(
      text((t) => (z.email().safeParse(t).success ? t : undefined), 'expected an e-mail address').optional(),
      {
        description: 'first admin, created on first start when there are no users',
      },
    ),
    DMARC_ADMIN_PASSWORD: variable(z.string().min(10, 'must be at least 10 characters').optional(), {
      description: "the first admin's password",
      secret: true,
      defaultText: 'generated and printed once',
    }),
    // -- security --
    DMARC_RATE_LIMIT_PER_MINUTE: variable(positiveInt().prefault('600'), {
      description: 'requests per minute per user/API key (authenticated) or per IP (anonymous)',
    }),
    DMARC_EXPORT_RATE_PER_MINUTE: variable(positiveInt().prefault('10'), {
      description: 'exports (CSV, NDJSON, PDF) per minute per user, besides the general limit',
    }),
    DMARC_LOGIN_MAX_FAILURES: variable(positiveInt().prefault('10'), {
      description:
        'login attempts per 15 minutes per account and client address before 429 (5 times that per address, 10 times per account)',
    }),
    DMARC_MAX_KEYS_PER_USER: variable(positiveInt(10_000).prefault('20'), {
      description: 'API keys a user may hold at once (not revoked, not expired), all organisations together',
    }),
    DMARC_CORS_ORIGINS: variable(
      z
        .string()
        .transform((t) =>
          t
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean),
        )
        .refine(
          (list) => list.every((o) => /^https?:\/\/[^/\s]+$/.test(o)),
          'expected origins like https://dmarc.example.com, comma-separated',
        )
        .prefault(''),
      { description: 'origins allowed by CORS, comma-separated', defaultText: 'none (closed)' },
    ),
    DMARC_METRICS_TOKEN: variable(z.string().min(16, 'must be at least 16 characters').optional(), {
      description: 'bearer token Prometheus sends to GET /metrics (platform administrators may scrape it too)',
      secret: true,
      defaultText: 'unset: /metrics only for platform administrators',
    }),
    DMARC_API_KEY: variable(z.string().min(1).optional(), {
      description:
        "a platform administrator's API key that `dmarc backup --url` sends to the running server (X-API-Key)",
      secret: true,
      defaultText: 'unset: dmarc backup opens the data directory itself',
    }),
    DMARC_TRUST_PROXY: variable(bool().optional(), {
      description: 'trust X-Forwarded-* from a reverse proxy (client IPs, HTTPS detection): alone, from loopback only',
    }),
    DMARC_TRUSTED_PROXIES: variable(
      z
        .string()
        .transform((t) => t.split(',').map((p) => p.trim()))
        .refine(
          (list) => list.every(isAddressOrCidr),
          'expected IP addresses or CIDRs of the reverse proxies, comma-separated, such as 10.0.0.5,172.16.0.0/12',
        )
        .optional(),
      { description: 'the reverse proxies (addresses, CIDRs) whose X-Forwarded-* are believed', defaultText: 'none' },
    ),
    // -- background work --
    DMARC_CONFIG: variable(configFile().optional(), {
      description: 'JSON or YAML file: mailboxes (imap, graph, gmail, maildir: [...]), schedules',
    }),
    DMARC_JOB_ATTEMPTS: variable(positiveInt(100).prefault('5'), {
      description: 'runs of a task before it is failed for good (the first run included)',
    }),
    DMARC_JOB_BACKOFF: variable(duration().prefault('10s'), {
      description: 'delay before the first retry; doubles at each further one',
    }),
    DMARC_JOB_LOCK_DURATION: variable(duration().prefault('20s'), {
      description: "a worker's lock on a job; a dead worker's jobs run again after it expires",
    }),
    DMARC_JOB_STALLED_INTERVAL: variable(duration().optional(), {
      description: 'how often stalled jobs are looked for',
      defaultText: '3/4 of DMARC_JOB_LOCK_DURATION, at least 1s',
    }),
    DMARC_WORKER_CONCURRENCY: variable(positiveInt(256).optional(), {
      description: 'jobs one worker process runs at once (dmarc worker --concurrency overrides)',
      defaultText: "the queue adapter's",
    }),
    DMARC_SWEEP_STALE_AFTER: variable(duration().prefault('5m'), {
      description: 'sweep-pending re-queues files left pending/processing for longer than this',
    }),
    DMARC_TASK_HISTORY_DAYS: variable(positiveInt(3650).prefault('14'), {
      description: 'days of task runs kept in the history (GET /api/tasks)',
    }),
    DMARC_DNS_HISTORY_DAYS: variable(positiveInt(36500).prefault('90'), {
      description:
        'DNS checks that found nothing new are kept this many days; checks that recorded a change, and the first and latest of each domain, are kept as long as the domain',
    }),
    DMARC_RETENTION_DAYS: variable(
      text((t) => {
        const w = t.trim().toLowerCase();
        return OFF_WORDS.has(w) || w === 'forever' ? null : parsePositiveInt(t);
      }, 'expected a number of days, or forever').prefault('forever'),
      { description: 'reports older than this many days are deleted by the retention task' },
    ),
    DMARC_SCHEDULE_TIMEZONE: variable(
      text((t) => (isTimeZone(t) ? t : undefined), 'unknown time zone; expected one such as Europe/Berlin').prefault(
        'UTC',
      ),
      { description: 'IANA time zone in which the schedules are read' },
    ),
    DMARC_SCHEDULE_FETCH_IMAP: schedule('fetch-imap'),
    DMARC_SCHEDULE_SWEEP_PENDING: schedule('sweep-pending'),
    DMARC_SCHEDULE_REFRESH_ROLLUPS: schedule('refresh-rollups'),
    DMARC_SCHEDULE_RETENTION: schedule('retention'),
    DMARC_SCHEDULE_CHECK_ALERTS: schedule('check-alerts'),
    DMARC_SCHEDULE_CHECK_DNS: schedule('check-dns'),
    DMARC_SCHEDULE_SEND_DIGESTS: schedule('send-digests'),
    DMARC_SCHEDULE_TRAIN_MODEL: schedule('train-model'),
    DMARC_SCHEDULE_DETECT_ANOMALIES: schedule('detect-anomalies'),
    DMARC_SCHEDULE_FORWARD_EVENTS: schedule('forward-events'),
    // -- failure reports (RFC 6591) --
    DMARC_FAILURE_KEEP_HEADERS: variable(bool().prefault('false'), {
      description:
        "keep every header of a failure report's original message (else only DMARC_FAILURE_HEADERS); bodies are never kept",
    }),
    DMARC_FAILURE_HEADERS: variable(
      text((t) => {
        const names = t
          .split(',')
          .map((n) => n.trim())
          .filter((n) => n !== '');
        return names.every((n) => /^[!-9;-~]{1,100}$/.test(n)) ? names : undefined;
      }, 'expected comma-separated header names such as From,To,Subject,Message-ID').prefault(
        'From,To,Subject,Message-ID',
      ),
      { description: "headers of a failure report's original message kept when DMARC_FAILURE_KEEP_HEADERS is false" },
    ),
    DMARC_FAILURE_RETENTION_DAYS: variable(positiveInt(36500).prefault('30'), {
      description: 'failure reports older than this many days (by arrival) are deleted by the retention task',
    }),
    // -- anomaly detection --
    DMARC_ANOMALY_AUTO_ACTIVATE: variable(bool().prefault('false'), {
      description:
        "a newly trained anomaly model replaces the active one at once (else an admin deploys it; an organisation's first model is always activated)",
    }),
    DMARC_ANOMALY_KEEP_VERSIONS: variable(positiveInt(1000).prefault('5'), {
      description:
        'inactive anomaly model versions kept per organisation; older ones are deleted with their predictions',
    }),
    // -- alerts --
    DMARC_ALERTS_DEBOUNCE: variable(duration().prefault('60s'), {
      description:
        "after reports are stored, the organisation's alert rules are checked this much later (one run per burst)",
    }),
    DMARC_ALERTS_NOTIFY_MAX_PER_RULE: variable(positiveInt(100_000).prefault('20'), {
      description:
        'alerts of one rule notified one by one per check; the rest are opened all the same and each of the rule\'s channels gets one summary ("N more alerts of rule X opened")',
    }),
    DMARC_PUBLIC_URL: variable(url(['http:', 'https:'], 'https://dmarc.example.com').optional(), {
      description:
        "the dashboard's address as its users reach it, for the links in notifications (a summary links the Alerts page of its rule)",
      defaultText: 'none: notifications give the page as a path',
    }),
    DMARC_WEBHOOK_ALLOW_PRIVATE: variable(bool().prefault('false'), {
      description:
        'let webhook channels (Slack, Discord, Teams, webhook) reach private, loopback, link-local and other reserved addresses',
    }),
    DMARC_WEBHOOK_TIMEOUT: variable(duration().prefault('10s'), {
      description: 'longest one webhook notification may take (connection and answer)',
    }),
    DMARC_SMTP_URL: variable(
      text(
        (t) => (/^smtps?:\/\/[^\s/]+(\/.*)?$/i.test(t) ? t : undefined),
        'expected smtp://[user:password@]host[:port] or smtps://...',
      ).optional(),
      {
        description: 'SMTP server of the e-mail alert channels, as a URL (instead of DMARC_SMTP_HOST and the others)',
        secret: true,
      },
    ),
    DMARC_SMTP_HOST: variable(nonEmpty().optional(), { description: 'SMTP server of the e-mail alert channels' }),
    DMARC_SMTP_PORT: variable(positiveInt(65535).optional(), {
      description: 'SMTP port',
      defaultText: '465 with DMARC_SMTP_SECURE, else 587',
    }),
    DMARC_SMTP_SECURE: variable(bool().optional(), {
      description: 'TLS from the start (port 465); otherwise STARTTLS when the server offers it',
      defaultText: 'false',
    }),
    DMARC_SMTP_USER: variable(nonEmpty().optional(), { description: 'SMTP login' }),
    DMARC_SMTP_PASSWORD: variable(nonEmpty().optional(), { description: 'SMTP password', secret: true }),
    DMARC_SMTP_FROM: variable(
      text(
        (t) => (z.email().safeParse(t.replace(/^.*<([^>]+)>\s*$/, '$1')).success ? t : undefined),
        'expected an e-mail address, optionally with a name: DMARC <dmarc@example.com>',
      ).optional(),
      { description: 'sender of alert e-mails', defaultText: 'dmarc@<the SMTP host>' },
    ),
    // -- IP enrichment --
    DMARC_ENRICH_TTL_DAYS: variable(positiveInt(3650).prefault('90'), {
      description: 'days after which the country, AS and reverse DNS of a source IP are looked up again',
    }),
    DMARC_RDNS: variable(bool().prefault('on'), {
      description: 'reverse DNS of source IPs (PTR, forward-confirmed); off for air-gapped installations',
    }),
    DMARC_DNS_SERVERS: variable(dnsServers().optional(), {
      description:
        'DNS servers for reverse lookups and DNS record checks: IP[:port] entries, comma-separated ([IPv6]:port)',
      defaultText: "the system's",
    }),
    DMARC_DNS_TIMEOUT_MS: variable(positiveInt(60_000).prefault('2000'), {
      description: 'longest one reverse lookup may take, in milliseconds, before it counts as a timeout',
    }),
    DMARC_DNS_CONCURRENCY: variable(positiveInt(1000).prefault('16'), {
      description: 'source IPs looked up in DNS at once, per process',
    }),
    DMARC_DNS_NEGATIVE_TTL: variable(duration().prefault('1d'), {
      description: 'a negative or failed reverse lookup (no PTR, timeout, SERVFAIL) is tried again after this',
    }),
    DMARC_GEOIP_CITY_DB: variable(readableFile().optional(), {
      description:
        'MaxMind-format city database (GeoLite2-City.mmdb, DB-IP City Lite) for the region, city and coordinates of source IPs',
      defaultText: 'none: country and AS only',
    }),
    // -- one IMAP mailbox (more in the DMARC_CONFIG file) --
    DMARC_IMAP_HOST: variable(nonEmpty().optional(), {
      description: 'IMAP server of a mailbox reports are fetched from',
    }),
    DMARC_IMAP_PORT: variable(positiveInt(65535).optional(), {
      description: 'IMAP port',
      defaultText: '993 with TLS, else 143',
    }),
    DMARC_IMAP_TLS: variable(oneOf(IMAP_TLS_MODES).optional(), {
      description: 'tls, starttls or none (none only on loopback)',
      defaultText: 'tls',
    }),
    DMARC_IMAP_ALLOW_INSECURE: variable(bool().optional(), {
      description: 'allow TLS none to a host that is not loopback',
    }),
    DMARC_IMAP_TLS_CA_FILE: variable(nonEmpty().optional(), { description: 'PEM file of a private CA to trust' }),
    DMARC_IMAP_USER: variable(nonEmpty().optional(), { description: 'IMAP login' }),
    DMARC_IMAP_PASSWORD: variable(nonEmpty().optional(), { description: 'IMAP password', secret: true }),
    DMARC_IMAP_PASSWORD_FILE: variable(nonEmpty().optional(), {
      description: 'file holding the IMAP password, read at every login',
    }),
    DMARC_IMAP_OAUTH2_TOKEN_COMMAND: variable(nonEmpty().optional(), {
      description: 'command printing an OAuth2 access token (XOAUTH2), run at every login',
    }),
    DMARC_IMAP_OAUTH2_TOKEN_FILE: variable(nonEmpty().optional(), {
      description: 'file holding an OAuth2 access token (XOAUTH2), read at every login',
    }),
    DMARC_IMAP_NAME: variable(nonEmpty(100).optional(), {
      description: 'label of the mailbox',
      defaultText: 'user@host',
    }),
    DMARC_IMAP_FOLDER: variable(nonEmpty().optional(), {
      description: 'folder read for reports',
      defaultText: 'INBOX',
    }),
    DMARC_IMAP_PROCESSED_FOLDER: variable(nonEmpty().optional(), {
      description: 'where processed messages go',
      defaultText: 'DMARC/Processed',
    }),
    DMARC_IMAP_INVALID_FOLDER: variable(nonEmpty().optional(), {
      description: 'where messages without a readable report go',
      defaultText: 'DMARC/Invalid',
    }),
    DMARC_IMAP_MARK_SEEN: variable(bool().optional(), {
      description: 'mark processed messages seen instead of moving them',
      defaultText: 'false',
    }),
    DMARC_IMAP_BATCH_SIZE: variable(positiveInt(1000).optional(), {
      description: 'messages fetched and imported per round',
      defaultText: '20',
    }),
    DMARC_IMAP_IDLE: variable(bool().optional(), {
      description: 'keep an IMAP IDLE connection and fetch within seconds of a new message',
      defaultText: 'false',
    }),
    DMARC_IMAP_ORG: variable(orgSlug().optional(), {
      description: "slug of the organisation the mailbox's reports go to",
      defaultText: 'default',
    }),
  })
  // Unknown variables are kept (not validated) so that a stray DMARC_IMAP_* without DMARC_IMAP_HOST is noticed.
  .loose();

export type EnvValues = z.output<typeof envSchema>;
export type EnvVariable = keyof typeof envSchema.shape;

// ---- rules between variables ----

function envMailbox(e: EnvValues): MailboxEntry | undefined {
  if (e.DMARC_IMAP_HOST === undefined || e.DMARC_IMAP_USER === undefined) return undefined;
  const command = e.DMARC_IMAP_OAUTH2_TOKEN_COMMAND;
  const tokenFile = e.DMARC_IMAP_OAUTH2_TOKEN_FILE;
  return {
    name: e.DMARC_IMAP_NAME,
    host: e.DMARC_IMAP_HOST,
    port: e.DMARC_IMAP_PORT,
    tls: e.DMARC_IMAP_TLS,
    allowInsecure: e.DMARC_IMAP_ALLOW_INSECURE,
    caFile: e.DMARC_IMAP_TLS_CA_FILE,
    user: e.DMARC_IMAP_USER,
    password: e.DMARC_IMAP_PASSWORD,
    passwordFile: e.DMARC_IMAP_PASSWORD_FILE,
    oauth2: command !== undefined || tokenFile !== undefined ? { tokenCommand: command, tokenFile } : undefined,
    folder: e.DMARC_IMAP_FOLDER,
    processedFolder: e.DMARC_IMAP_PROCESSED_FOLDER,
    invalidFolder: e.DMARC_IMAP_INVALID_FOLDER,
    markSeen: e.DMARC_IMAP_MARK_SEEN,
    batchSize: e.DMARC_IMAP_BATCH_SIZE,
    idle: e.DMARC_IMAP_IDLE,
    org: e.DMARC_IMAP_ORG,
  };
}

const IMAP_VARIABLES = Object.keys(envSchema.shape).filter((k) => k.startsWith('DMARC_IMAP_'));

/**
 * Rules that involve several variables. They run even when some variable is invalid (so that one start reports
 * everything), each only when the variables it reads are valid themselves.
 */
function checkAcrossVariables(e: EnvValues, ctx: z.RefinementCtx<EnvValues>): void {
  const invalid = new Set(ctx.issues.map((i) => String(i.path?.[0])));
  const issue = (variable: string, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });

  let mailbox: MailboxEntry | undefined;
  const imapSet = Object.keys(e).filter((k) => k.startsWith('DMARC_IMAP_') && e[k] !== undefined);
  if (e.DMARC_IMAP_HOST === undefined) {
    if (imapSet.length > 0 && !invalid.has('DMARC_IMAP_HOST'))
      issue('DMARC_IMAP_HOST', `required when ${imapSet[0]} is set`);
  } else if (e.DMARC_IMAP_USER === undefined) {
    if (!invalid.has('DMARC_IMAP_USER')) issue('DMARC_IMAP_USER', 'required when DMARC_IMAP_HOST is set');
  } else if (!IMAP_VARIABLES.some((k) => invalid.has(k))) {
    mailbox = envMailbox(e);
    const problems = mailbox ? mailboxProblems(mailbox) : [];
    for (const message of problems) issue('DMARC_IMAP_*', message);
    if (problems.length > 0) mailbox = undefined;
  }

  if (e.DMARC_SMTP_URL !== undefined && e.DMARC_SMTP_HOST !== undefined) {
    issue(
      'DMARC_SMTP_URL',
      'is set with DMARC_SMTP_HOST; give the server one way (the URL, or the host and the others)',
    );
  } else if (e.DMARC_SMTP_HOST === undefined && !invalid.has('DMARC_SMTP_HOST')) {
    const stray = ['DMARC_SMTP_PORT', 'DMARC_SMTP_SECURE', 'DMARC_SMTP_USER', 'DMARC_SMTP_PASSWORD'].find(
      (k) => e[k] !== undefined,
    );
    if (stray && e.DMARC_SMTP_URL === undefined) issue('DMARC_SMTP_HOST', `required when ${stray} is set`);
  }

  if (e.DMARC_TRUST_PROXY === false && e.DMARC_TRUSTED_PROXIES) {
    issue('DMARC_TRUSTED_PROXIES', 'is set but DMARC_TRUST_PROXY is false; unset one of them');
  }

  if (!invalid.has('DMARC_CONFIG')) {
    const names = [...(mailbox ? [toMailbox(mailbox).name] : []), ...(e.DMARC_CONFIG?.imap ?? []).map((m) => m.name)];
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) issue('DMARC_CONFIG', `two IMAP mailboxes are named '${name}'`);
      seen.add(name);
    }
    for (const name of (e.DMARC_CONFIG?.mailboxes ?? []).map((m) => m.name)) {
      if (seen.has(name)) issue('DMARC_CONFIG', `two mailboxes are named '${name}'`);
      seen.add(name);
    }
  }
}

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

// ---- the Config object ----

/** The SMTP server of e-mail alert channels: DMARC_SMTP_URL, else DMARC_SMTP_HOST and the others; null: none. */
function smtpSettings(e: EnvValues): {
  url: string | null;
  host: string | null;
  port: number | null;
  secure: boolean;
  user: string | null;
  password: string | null;
  from: string | null;
} | null {
  if (e.DMARC_SMTP_URL === undefined && e.DMARC_SMTP_HOST === undefined) return null;
  return {
    url: e.DMARC_SMTP_URL ?? null,
    host: e.DMARC_SMTP_HOST ?? null,
    port: e.DMARC_SMTP_PORT ?? null,
    secure: e.DMARC_SMTP_SECURE ?? false,
    user: e.DMARC_SMTP_USER ?? null,
    password: e.DMARC_SMTP_PASSWORD ?? null,
    from: e.DMARC_SMTP_FROM ?? null,
  };
}

const postgres = (url: string) => ({ kind: 'postgres' as const, url });
const pglite = (dir: string, thread: boolean) => ({ kind: 'pglite' as const, dir, thread });

function assemble(e: EnvValues) {
  const dataDir = path.resolve(e.DMARC_DATA_DIR);
  const envMailboxEntry = envMailbox(e);
  const file = e.DMARC_CONFIG;
  const fromEnv: Record<ScheduledTask, string | null | undefined> = {
    'fetch-imap': e.DMARC_SCHEDULE_FETCH_IMAP,
    'sweep-pending': e.DMARC_SCHEDULE_SWEEP_PENDING,
    'refresh-rollups': e.DMARC_SCHEDULE_REFRESH_ROLLUPS,
    retention: e.DMARC_SCHEDULE_RETENTION,
    'check-alerts': e.DMARC_SCHEDULE_CHECK_ALERTS,
    'check-dns': e.DMARC_SCHEDULE_CHECK_DNS,
    'send-digests': e.DMARC_SCHEDULE_SEND_DIGESTS,
    'train-model': e.DMARC_SCHEDULE_TRAIN_MODEL,
    'detect-anomalies': e.DMARC_SCHEDULE_DETECT_ANOMALIES,
    'forward-events': e.DMARC_SCHEDULE_FORWARD_EVENTS,
  };
  const scheduleOverrides: Partial<Record<ScheduledTask, string | null>> = {};
  for (const task of SCHEDULED_TASKS) {
    const value = fromEnv[task] !== undefined ? fromEnv[task] : file?.schedules[task];
    if (value !== undefined) scheduleOverrides[task] = value;
  }
  const lockDurationMs = e.DMARC_JOB_LOCK_DURATION;
  return {
    /** Absolute path of the data directory (embedded database, generated secrets). */
    dataDir,
    database: e.DATABASE_URL ? postgres(e.DATABASE_URL) : pglite(path.join(dataDir, 'pgdata'), e.DMARC_PGLITE_THREAD),
    /** Hard limits applied while unpacking one input file. */
    limits: {
      maxInputBytes: e.DMARC_MAX_INPUT_BYTES,
      maxDecompressedBytes: e.DMARC_MAX_DECOMPRESSED_BYTES,
      maxCompressionRatio: e.DMARC_MAX_COMPRESSION_RATIO,
      maxZipEntries: e.DMARC_MAX_ZIP_ENTRIES,
      maxNestingDepth: DEFAULT_UNPACK_LIMITS.maxNestingDepth,
      maxRecordsPerReport: e.DMARC_MAX_RECORDS_PER_REPORT,
    },
    logLevel: e.DMARC_LOG_LEVEL,
    /** Requests slower than this are logged at info; the others at debug. */
    slowRequestMs: e.DMARC_LOG_SLOW_REQUESTS,
    server: {
      host: e.HOST,
      port: e.PORT ?? 8080,
      /** Largest upload request, all files together. */
      maxUploadBytes: e.DMARC_MAX_UPLOAD_BYTES,
      /** Largest single uploaded file. */
      maxFileBytes: e.DMARC_MAX_FILE_BYTES,
      /** Most files in one upload request. */
      maxUploadFiles: e.DMARC_MAX_UPLOAD_FILES,
    },
    analytics: {
      /** Longest an analytics query may run (PostgreSQL); past it, 503 with Retry-After. */
      statementTimeoutMs: e.DMARC_API_STATEMENT_TIMEOUT,
      /** Analytics requests a process serves at once, all users together. */
      concurrency: e.DMARC_ANALYTICS_CONCURRENCY,
      /** Analytics requests of one user served at once (the others wait). */
      concurrencyPerUser: e.DMARC_ANALYTICS_CONCURRENCY_PER_USER,
    },
    cache: {
      ttlSeconds: e.DMARC_CACHE_TTL_SECONDS,
      /** Warm the cache when a worker starts (it is also warmed after imports and daily). */
      warmOnStart: e.DMARC_CACHE_WARM_ON_START,
    },
    /** redis://[:password@]host:port[/db] — distributed mode (cache, rate limits, job queue). */
    redisUrl: e.REDIS_URL ?? null,
    /** Prefix of every Redis key and queue name, so that installations can share one Redis. */
    redisPrefix: e.DMARC_QUEUE_PREFIX,
    /** Background work: retries, worker locks, schedules, retention. */
    jobs: {
      /** Runs of a task before it is failed for good (the first run included). */
      maxAttempts: e.DMARC_JOB_ATTEMPTS,
      /** Delay before the first retry; doubles at each further one. */
      backoffMs: e.DMARC_JOB_BACKOFF,
      /** A worker's lock on a job; a dead worker's jobs run again after it expires and a stall check sees them. */
      lockDurationMs,
      stalledIntervalMs: e.DMARC_JOB_STALLED_INTERVAL ?? Math.max(1000, Math.round(lockDurationMs * 0.75)),
      /** Jobs one worker process runs at once (`dmarc worker --concurrency` overrides). */
      concurrency: e.DMARC_WORKER_CONCURRENCY ?? null,
      /** sweep-pending re-queues files left pending/processing for longer than this (distributed mode). */
      staleAfterMs: e.DMARC_SWEEP_STALE_AFTER,
      /** Task runs kept in the history (GET /api/tasks). */
      historyDays: e.DMARC_TASK_HISTORY_DAYS,
      /** DNS checks without changes older than this are deleted by the retention task (see pruneDnsChecks). */
      dnsHistoryDays: e.DMARC_DNS_HISTORY_DAYS,
      /** Reports older than this many days are deleted by the retention task; null keeps everything. */
      retentionDays: e.DMARC_RETENTION_DAYS,
      /**
       * The schedules the configuration sets (DMARC_SCHEDULE_<TASK>, else the DMARC_CONFIG file's schedules): a cron
       * expression, or null = off. A task absent here runs on its own default schedule (jobs/schedules.ts).
       */
      scheduleOverrides,
      /** IANA time zone in which the cron expressions are read. */
      timezone: e.DMARC_SCHEDULE_TIMEZONE,
      /** PORT when it was set: worker and scheduler processes then answer /health on it. */
      healthPort: e.PORT ?? null,
    },
    /** Failure reports (RFC 6591): what of the original message is kept, and for how long. */
    failures: {
      keepAllHeaders: e.DMARC_FAILURE_KEEP_HEADERS,
      headers: e.DMARC_FAILURE_HEADERS,
      retentionDays: e.DMARC_FAILURE_RETENTION_DAYS,
    },
    /** Enrichment of source IPs (country, AS, reverse DNS; the city database). */
    enrich: {
      /** Rows older than this are looked up again. */
      ttlDays: e.DMARC_ENRICH_TTL_DAYS,
      /** Negative or failed reverse lookups are tried again after this. */
      negativeTtlMs: e.DMARC_DNS_NEGATIVE_TTL,
      /** Reverse DNS on. */
      rdns: e.DMARC_RDNS,
      dns: {
        /** IP[:port] entries as node:dns setServers takes them; null: the system's resolvers. */
        servers: e.DMARC_DNS_SERVERS ?? null,
        timeoutMs: e.DMARC_DNS_TIMEOUT_MS,
        concurrency: e.DMARC_DNS_CONCURRENCY,
      },
      /** Absolute path of a MaxMind-format city database, or null. */
      cityDb: e.DMARC_GEOIP_CITY_DB ?? null,
    },
    /** Alert evaluation and notification channels. */
    alerts: {
      /** check-alerts runs this long after reports are stored (one run per organisation and burst). */
      debounceMs: e.DMARC_ALERTS_DEBOUNCE,
      /** Alerts of one rule notified one by one per check; the rest in one summary per channel. */
      notifyMaxPerRule: e.DMARC_ALERTS_NOTIFY_MAX_PER_RULE,
      /** The dashboard's address for links in notifications (no trailing slash); null: links are paths. */
      publicUrl: e.DMARC_PUBLIC_URL ? e.DMARC_PUBLIC_URL.replace(/\/+$/, '') : null,
      /** Webhook channels may reach private, loopback, link-local and other reserved addresses. */
      webhookAllowPrivate: e.DMARC_WEBHOOK_ALLOW_PRIVATE,
      /** Longest one webhook notification may take. */
      webhookTimeoutMs: e.DMARC_WEBHOOK_TIMEOUT,
      /** The SMTP server of e-mail channels; null: none configured (e-mail channels cannot deliver). */
      smtp: smtpSettings(e),
    },
    /** Anomaly detection: activation of new models, versions kept. */
    anomaly: {
      /** A newly trained model replaces the active one at once (an organisation's first model always does). */
      autoActivate: e.DMARC_ANOMALY_AUTO_ACTIVATE,
      /** Inactive model versions kept per organisation. */
      keepVersions: e.DMARC_ANOMALY_KEEP_VERSIONS,
    },
    /** IMAP mailboxes reports are fetched from (DMARC_IMAP_* and the DMARC_CONFIG file). */
    imap: [...(envMailboxEntry ? [toMailbox(envMailboxEntry)] : []), ...(file?.imap ?? [])],
    /** The other mailboxes (DMARC_CONFIG's graph, gmail, maildir: see config/mailboxes.ts), fetched with IMAP's. */
    mailboxes: file?.mailboxes ?? [],
    auth: {
      /** HS256 key; null = embedded mode generates one in the data dir (see auth/secret.ts). */
      jwtSecret: e.JWT_SECRET ?? null,
      accessTokenTtlSeconds: e.DMARC_ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: e.DMARC_REFRESH_TOKEN_TTL_SECONDS,
      refreshReuseGraceSeconds: e.DMARC_REFRESH_REUSE_GRACE_SECONDS,
      /** First admin, created on first start when there are no users. */
      adminEmail: e.DMARC_ADMIN_EMAIL ?? null,
      adminPassword: e.DMARC_ADMIN_PASSWORD ?? null,
    },
    security: {
      /** Requests per minute per user/API key (authenticated) or per IP (anonymous). */
      rateLimitPerMinute: e.DMARC_RATE_LIMIT_PER_MINUTE,
      /** Exports (CSV, NDJSON, PDF) per minute per user, counted apart from the general limit. */
      exportRatePerMinute: e.DMARC_EXPORT_RATE_PER_MINUTE,
      /**
       * Login attempts per 15 minutes per (account, address) before 429; per address across accounts 5 times
       * that, per account across addresses 10 times that (see auth/login-limits.ts).
       */
      loginMaxFailures: e.DMARC_LOGIN_MAX_FAILURES,
      /** API keys a user may hold at once (their requests share the user's rate-limit bucket anyway). */
      maxKeysPerUser: e.DMARC_MAX_KEYS_PER_USER,
      /** Origins allowed by CORS; empty = closed. */
      corsOrigins: e.DMARC_CORS_ORIGINS,
      /**
       * The reverse proxies whose X-Forwarded-For/-Proto/-Host are believed (client IPs, HTTPS detection), as
       * addresses and CIDRs (Fastify's trustProxy); false = none. DMARC_TRUSTED_PROXIES, else with
       * DMARC_TRUST_PROXY=true loopback only.
       */
      trustProxy: e.DMARC_TRUSTED_PROXIES ?? (e.DMARC_TRUST_PROXY === true ? LOOPBACK : (false as const)),
      /** Bearer token of GET /metrics (Prometheus); null: platform administrators only. */
      metricsToken: e.DMARC_METRICS_TOKEN ?? null,
    },
    /** What the `dmarc` command sends when it asks a running server (dmarc backup --url). */
    client: { apiKey: e.DMARC_API_KEY ?? null },
  };
}

/** Environment variables (strings) → the Config object. */
export const configSchema = envSchema.superRefine(checkAcrossVariables, { when: () => true }).transform(assemble);

export type Config = z.output<typeof configSchema>;
