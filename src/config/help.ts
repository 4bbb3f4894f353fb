// The "Environment:" section of the help text, written from the schema's descriptions and defaults.
import { envSchema, envVars } from './schema.js';

interface SchemaDef {
  type?: string;
  defaultValue?: unknown;
}

export function defaultOf(schema: unknown): string | undefined {
  const def = (schema as { _zod?: { def?: SchemaDef } })._zod?.def;
  if (def?.type !== 'prefault' && def?.type !== 'default') return undefined;
  const v = typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
  return v === '' ? undefined : String(v);
}

/**
 * One line per variable: name, description, default, and whether NAME_FILE may hold it. `defaults`: the default
 * of some variables in words, known to the caller only (e.g. the schedules, whose defaults are the tasks').
 */
export function environmentHelp(defaults: Record<string, string> = {}): string {
  const shape: Record<string, unknown> = envSchema.shape;
  const names = Object.keys(shape);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return names
    .map((name) => {
      const schema = shape[name];
      const meta = envVars.get(schema as never);
      const fallback = defaults[name] ?? meta?.defaultText ?? defaultOf(schema);
      const notes = [
        fallback !== undefined ? `[default: ${fallback}]` : undefined,
        meta?.secret ? (`${name}_FILE` in shape ? '[secret]' : `[secret; or ${name}_FILE]`) : undefined,
      ].filter(Boolean);
      return `  ${name.padEnd(width)}${[meta?.description ?? '', ...notes].join(' ')}`;
    })
    .join('\n');
}

/** Settings of docker-compose.yml itself (not read by dmarc): they come first in .env.example. */
const COMPOSE_SETTINGS: readonly [string, string, string][] = [
  ['POSTGRES_PASSWORD', '', 'password of the compose PostgreSQL (required; DATABASE_URL is built from it)'],
  ['API_REPLICAS', '1', 'API processes behind nginx (or: docker compose up -d --scale api=2)'],
  ['HTTP_PORT', '80', 'host port of nginx (HTTP; redirects to HTTPS when certificates are mounted)'],
  ['HTTPS_PORT', '443', 'host port of nginx (HTTPS)'],
  [
    'DMARC_NETWORK_SUBNET',
    '172.29.0.0/16',
    'subnet of the compose network (set DMARC_TRUSTED_PROXIES to the same when you change it)',
  ],
];

/** Set in .env.example because docker-compose.yml refuses to start without them. */
const REQUIRED_IN_COMPOSE = new Set(['POSTGRES_PASSWORD', 'JWT_SECRET']);

/**
 * The text of .env.example: every variable of the schema, commented out with its description and default, after
 * the compose file's own settings (`npm run gen:env-example` writes it; a test keeps the file equal to this).
 */
export function envExample(): string {
  const shape: Record<string, unknown> = envSchema.shape;
  const out = [
    '# Settings of dmarc, for docker-compose.yml (cp .env.example .env) or any other environment.',
    '# Generated from src/config/schema.ts by `npm run gen:env-example`: edit the schema, not this file.',
    '# A variable marked "secret" may instead be given as a file: NAME_FILE=/run/secrets/name (contents, trimmed).',
    '',
    '# ---- docker-compose.yml ----',
  ];
  for (const [name, value, description] of COMPOSE_SETTINGS) {
    out.push(`# ${description}`, `${REQUIRED_IN_COMPOSE.has(name) ? '' : '# '}${name}=${value}`);
  }
  out.push('', '# ---- dmarc ----');
  for (const name of Object.keys(shape)) {
    const schema = shape[name];
    const meta = envVars.get(schema as never);
    const fallback = meta?.defaultText ?? defaultOf(schema);
    const notes = [
      fallback !== undefined ? `[default: ${fallback}]` : undefined,
      meta?.secret ? (`${name}_FILE` in shape ? '[secret]' : `[secret; or ${name}_FILE]`) : undefined,
    ].filter(Boolean);
    out.push(`# ${[meta?.description ?? '', ...notes].join(' ')}`);
    out.push(`${REQUIRED_IN_COMPOSE.has(name) ? '' : '# '}${name}=`);
  }
  return `${out.join('\n')}\n`;
}
