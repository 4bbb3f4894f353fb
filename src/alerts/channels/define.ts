// What a channel type file exports: one ChannelType made with defineChannel — its name, a title, the schema of
// its configuration (what an admin sends, checked at the edge), how that configuration is shown (masked: webhook
// URLs and signing secrets are secrets), which of its values must never appear in a log or an error, the URL a
// webhook kind posts to (checked against the private-address guard when the channel is saved) and how it sends
// one notification. Nothing here imports the registry (index.ts), so that the files and the registry do not
// depend on each other in a circle.
import type { z } from 'zod';
import type { Notification } from './message.js';

/** The SMTP server of e-mail channels (the configuration's alerts.smtp). */
export interface SmtpSettings {
  url: string | null;
  host: string | null;
  port: number | null;
  secure: boolean;
  user: string | null;
  password: string | null;
  from: string | null;
}

/** What the process gives every send: the installation's settings. */
export interface SendSettings {
  /** Webhook kinds may reach private, loopback, link-local and other reserved addresses. */
  allowPrivate: boolean;
  /** Longest one send may take. */
  timeoutMs: number;
  /** null: no SMTP server configured (e-mail channels cannot deliver). */
  smtp: SmtpSettings | null;
}

/** A failure that retrying cannot cure (an address refused by the guard, no SMTP server): failed at once. */
export class PermanentDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

export interface ChannelType<N extends string = string, C = unknown> {
  readonly name: N;
  /** A few words, e.g. 'Slack (incoming webhook)'. */
  readonly title: string;
  /** The configuration: validation of what an admin sends. */
  readonly config: z.ZodType<C>;
  /** The configuration as answers and logs show it: secrets masked. */
  maskConfig(config: C): Record<string, unknown>;
  /** The values of the configuration that are secret (scrubbed from every error text). */
  secrets(config: C): string[];
  /** The URL a webhook kind posts to (checked by the private-address guard on save); null: none (e-mail). */
  targetUrl(config: C): string | null;
  /** Sends one notification; throws on failure (a PermanentDeliveryError when retrying cannot help). */
  send(settings: SendSettings, config: C, n: Notification): Promise<void>;
}

/** Makes a channel type: `defineChannel<Config>()({ name: 'x', ... })`, the name inferred as a literal. */
export function defineChannel<C>() {
  return <const N extends string>(definition: ChannelType<N, C>): ChannelType<N, C> => definition;
}

/** A URL shown without what makes it a secret: scheme and host, the rest masked. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/••••`;
  } catch {
    return '••••';
  }
}

/** Cuts `text` to at most `max` characters, with an ellipsis when it was longer. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
