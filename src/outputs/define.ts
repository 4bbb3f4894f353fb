// What an output type file exports: one OutputType made with defineOutput — its name, a title, the schema of its
// configuration (checked at the edge; zod, like the alert channels'), how that configuration is shown (secrets
// masked), which of its values must never appear in a log or an error, the URL or host it reaches (checked by the
// private-address guard of webhooks when saved), and how it sends one batch of events. Nothing here imports the
// registry (index.ts).
import type { z } from 'zod';
import type { OutputEvent } from './event.js';

/** What the process gives every send: the installation's settings (those of webhook channels). */
export interface OutputSettings {
  /** Targets may be private, loopback, link-local and other reserved addresses (DMARC_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Longest one request may take. */
  timeoutMs: number;
}

/** The start of a target's answer kept: an Elasticsearch _bulk answer names every event of the batch. */
export const OUTPUT_ANSWER_BYTES = 4 * 1024 * 1024;

/** How the target took one event of a batch: taken, to be sent again later, or refused for good. */
export type EventOutcome = { ok: true } | { ok: false; retry: boolean; error: string };

/** The whole batch was refused and sending it again will not change that (e.g. Splunk's 400): recorded, skipped. */
export class BatchRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchRejectedError';
  }
}

export interface OutputType<N extends string = string, C = unknown> {
  readonly name: N;
  readonly title: string;
  readonly config: z.ZodType<C>;
  maskConfig(config: C): Record<string, unknown>;
  /** Values scrubbed from every error text. */
  secrets(config: C): string[];
  /** Where it connects: a URL (http kinds) or a host name/address (syslog), for the private-address guard. */
  target(config: C): { url: string } | { host: string };
  /**
   * Sends the events (a bounded batch). Answers one outcome per event when the target says so per event
   * (Elasticsearch), or nothing when the batch was taken as a whole. Throws when nothing was taken: a
   * BatchRejectedError when retrying cannot help, any other error when it may (the output backs off).
   */
  send(settings: OutputSettings, config: C, events: readonly OutputEvent[]): Promise<EventOutcome[] | void>;
}

export function defineOutput<C>() {
  return <const N extends string>(definition: OutputType<N, C>): OutputType<N, C> => definition;
}
