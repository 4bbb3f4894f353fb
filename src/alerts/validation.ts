// Turning what an admin sent into a clear 400: zod issues as field errors ('params.threshold: ...').
import type { z } from 'zod';
import { AppError, type FieldError } from '../model/errors.js';

export class InvalidAlertInput extends AppError {
  constructor(errors: FieldError[]) {
    super('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
    this.name = 'InvalidAlertInput';
  }
}

export function fieldErrors(prefix: string, error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({
    field: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
  }));
}

export function invalid(field: string, message: string): InvalidAlertInput {
  return new InvalidAlertInput([{ field, message }]);
}

/** A policy domain as rules and suppressions name it: lower case, no trailing dot. */
export function normaliseDomain(field: string, d: string | null | undefined): string | null {
  if (d === null || d === undefined) return null;
  const v = d.trim().toLowerCase().replace(/\.$/, '');
  if (!/^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/.test(v)) {
    throw invalid(field, 'must be a domain name');
  }
  return v;
}
