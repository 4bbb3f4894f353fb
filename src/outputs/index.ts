// The registry of output types: one file per type in this folder (see define.ts for what it exports), listed here
// once. Adding a type is adding its file and its line below; the API, forward-events and the docs read this list.
import type { OutputType } from './define.js';
import { elasticsearchOutput } from './elasticsearch.js';
import { splunkHecOutput } from './splunk-hec.js';
import { syslogOutput } from './syslog.js';
import { webhookOutput } from './webhook.js';

export const OUTPUT_TYPES = [splunkHecOutput, elasticsearchOutput, syslogOutput, webhookOutput] as const;

export type OutputTypeName = (typeof OUTPUT_TYPES)[number]['name'];
export const OUTPUT_TYPE_NAMES: readonly OutputTypeName[] = OUTPUT_TYPES.map((t) => t.name);

/** An output type with its configuration's type erased. */
export type AnyOutputType = OutputType<string, Record<string, unknown>>;

export function outputTypeNamed(name: string): AnyOutputType | undefined {
  return (OUTPUT_TYPES as readonly unknown[] as readonly AnyOutputType[]).find((t) => t.name === name);
}

/** A stored output's configuration as answers show it (unknown type or broken configuration: nothing). */
export function maskedOutputConfig(type: string, config: Record<string, unknown>): Record<string, unknown> {
  const t = outputTypeNamed(type);
  const parsed = t?.config.safeParse(config);
  return t && parsed?.success ? t.maskConfig(parsed.data) : {};
}

/** `text` with the configuration's secrets replaced by ••••. */
export function scrubOutput(type: string, config: Record<string, unknown>, text: string): string {
  const t = outputTypeNamed(type);
  const parsed = t?.config.safeParse(config);
  let out = text;
  const secrets = t && parsed?.success ? t.secrets(parsed.data) : [];
  for (const s of secrets.filter((x) => x.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join('••••');
  }
  return out;
}
