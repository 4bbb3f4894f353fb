// Validation of option values given on the command line.
import { InvalidArgumentError } from 'commander';

/** 'YYYY-MM-DD' that is a real calendar date. */
export function parseDateOption(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw new InvalidArgumentError(`expected a date YYYY-MM-DD, got '${value}'`);
  }
  return value;
}

export function parseDomainOption(value: string): string {
  const d = value.trim().toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(d)) {
    throw new InvalidArgumentError(`expected a domain name, got '${value}'`);
  }
  return d;
}

export function parsePositiveIntOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  }
  return n;
}
