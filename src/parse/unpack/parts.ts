// Shared vocabulary of the walk: how parts are built, and what every container handler is given.
import { ParseFailure, type UnpackedPart, type UnpackLimits, type UnsupportedKind } from '../types.js';
import type { Budget } from './limits.js';
import type { Source } from './source.js';

export interface WalkContext {
  limits: UnpackLimits;
  budget: Budget;
}

/** The recursive walk itself, handed to container handlers (avoids an import cycle). */
export type Explore = (source: Source, ctx: WalkContext) => AsyncGenerator<UnpackedPart>;

export const UNRECOGNISED_MESSAGE = 'unrecognised content (not XML/JSON/MIME/gzip/zip)';

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
  return part.type === 'xml' || part.type === 'unsupported';
}
