// The "Environment:" section of the help text, written from the schema's descriptions and defaults.
import { envSchema, envVars } from './schema.js';

interface SchemaDef {
  type?: string;
  defaultValue?: unknown;
}

function defaultOf(schema: unknown): string | undefined {
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
