// Shared vocabulary of the walk: how parts are built, and what every container handler is given.
import { NOT_A_REPORT, ParseFailure, type UnpackedPart, type UnpackLimits, type UnsupportedKind } from '../types.js';
import type { Budget } from './limits.js';
import type { Source } from './source.js';

export interface WalkContext {
  limits: UnpackLimits;
  budget: Budget;
}

/** The recursive walk itself, handed to container handlers (avoids an import cycle). */
export type Explore = (source: Source, ctx: WalkContext) => AsyncGenerator<UnpackedPart>;

export const UNRECOGNISED_MESSAGE = `${NOT_A_REPORT}: neither XML, JSON, an e-mail, gzip nor zip`;
export const OTHER_JSON_MESSAGE = `${NOT_A_REPORT}: a JSON document, but not an SMTP TLS report (RFC 8460) either`;

export function errorPart(name: string, error: ParseFailure): UnpackedPart {
  return { type: 'error', name, error };
}

export function unsupportedPart(name: string, kind: UnsupportedKind): UnpackedPart {
  return { type: 'unsupported', name, kind };
}

/** A ParseFailure becomes an error part; anything else is a bug and propagates. */
export function failurePart(name: string, error: unknown): UnpackedPart {
  if (error instanceof ParseFailure) return errorPart(name, error);
  throw error;
}

export function isReportPart(part: UnpackedPart): boolean {
  return part.type === 'xml' || part.type === 'tlsrpt' || part.type === 'arf' || part.type === 'unsupported';
}
