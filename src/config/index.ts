// Settings are read once at start-up from env vars (and CLI flags that override them), validated by the one
// schema (schema.ts) into one typed object. Every bad value is reported at once, in one ConfigError whose
// one-line message names each variable; a secret's value is never part of it.
import fs from 'node:fs';
import { ConfigError, type ConfigIssue } from './errors.js';
import { configSchema, envSchema, envVars, type Config } from './schema.js';

export { ConfigError, type ConfigIssue } from './errors.js';
export { configSchema, envSchema, envVars, type Config, type EnvVarMeta } from './schema.js';
export { envExample, environmentHelp } from './help.js';

export type LogLevel = Config['logLevel'];

/** Flags that override env vars (CLI). */
export interface ConfigOverrides {
  dataDir?: string;
  databaseUrl?: string;
}

const shape: Record<string, unknown> = envSchema.shape;

/** Names of the secret variables. */
export function secretVariables(): string[] {
  return Object.entries(envSchema.shape)
    .filter(([, schema]) => envVars.get(schema)?.secret === true)
    .map(([name]) => name);
}

/** Env vars set to an empty string count as unset (a common shell/compose habit). */
function nonEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** NAME_FILE=/path gives a secret NAME as the file's contents, trimmed (unless NAME_FILE is a variable itself). */
function readSecretFiles(env: Record<string, string>, issues: ConfigIssue[]): Map<string, string> {
  const fromFile = new Map<string, string>();
  for (const name of secretVariables()) {
    const fileVar = `${name}_FILE`;
    const file = env[fileVar];
    if (file === undefined || fileVar in shape) continue;
    if (env[name] !== undefined) {
      issues.push({ variable: fileVar, message: `set either ${name} or ${fileVar}, not both` });
      continue;
    }
    let value: string;
    try {
      value = fs.readFileSync(file, 'utf8').trim();
    } catch (err) {
      issues.push({
        variable: fileVar,
        message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      });
      continue;
    }
    if (value === '') {
      issues.push({ variable: fileVar, message: `${file} is empty` });
      continue;
    }
    env[name] = value;
    fromFile.set(name, fileVar);
  }
  return fromFile;
}

/** Removes a secret's value (and a URL's password) from a message, whatever produced it. */
function redact(message: string, secret: string): string {
  const hide = (m: string, s: string) =>
    s.length >= 4 ? m.split(s).join('***') : m.split(`'${s}'`).join("'***'").split(`"${s}"`).join('"***"');
  let out = hide(message, secret);
  try {
    const password = decodeURIComponent(new URL(secret).password);
    if (password) out = hide(hide(out, password), encodeURIComponent(password));
  } catch {
    // not a URL
  }
  return out;
}

/** `text` with the value of every secret variable set in `env` masked (a last guard for lines shown to users). */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const name of secretVariables()) {
    const value = env[name];
    if (value) out = redact(out, value);
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Config {
  const merged = nonEmpty(env);
  if (overrides.dataDir !== undefined) merged.DMARC_DATA_DIR = overrides.dataDir;
  if (overrides.databaseUrl !== undefined) merged.DATABASE_URL = overrides.databaseUrl;

  const issues: ConfigIssue[] = [];
  const fromFile = readSecretFiles(merged, issues);
  const parsed = configSchema.safeParse(merged);
  if (parsed.success && issues.length === 0) return parsed.data;

  const secrets = secretVariables().filter((name) => merged[name] !== undefined);
  for (const issue of parsed.error?.issues ?? []) {
    const variable = String(issue.path[0] ?? 'configuration');
    let message = issue.message;
    for (const name of secrets) message = redact(message, merged[name]!);
    const file = fromFile.get(variable);
    issues.push({ variable, message: file ? `${message} (read from ${file})` : message });
  }
  throw new ConfigError(issues);
}

/** Used by error messages so that a user sees the same names they set. */
export function describeDatabase(config: Config): string {
  if (config.database.kind === 'pglite') return `embedded PGlite at ${config.database.dir}`;
  const u = new URL(config.database.url);
  return `PostgreSQL at ${u.hostname}:${u.port || '5432'}${u.pathname}`;
}
