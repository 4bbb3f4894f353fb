// Header-syntax blocks (RFC 5322 §2.2): the fields of a message/feedback-report part (RFC 5965 §3.1) and the
// header section of the original message. Folded lines are unfolded; names keep their case, lookups ignore it.
import type { OriginalHeader } from '../../model/failure.js';

export interface FieldLine extends OriginalHeader {
  /** 1-based line where the field starts. */
  line: number;
}

export interface FieldBlock {
  fields: FieldLine[];
  /** Lines that are neither a field nor the continuation of one: "line N: text". */
  stray: { line: number; text: string }[];
  /** Offset (in characters) just past the blank line that ends the block; the text's length when none does. */
  end: number;
}

const FIELD = /^([!-9;-~]+)[ \t]*:(.*)$/;

/**
 * Reads "Name: value" lines up to the first empty line (or the end). `stopAtBlank` false reads every line (a
 * feedback part may carry blank lines between its fields).
 */
export function readFields(text: string, stopAtBlank = true): FieldBlock {
  const fields: FieldLine[] = [];
  const stray: { line: number; text: string }[] = [];
  let offset = 0;
  let lineNo = 0;
  let end = text.length;
  while (offset < text.length) {
    const nl = text.indexOf('\n', offset);
    const next = nl < 0 ? text.length : nl + 1;
    const line = text.slice(offset, nl < 0 ? text.length : nl).replace(/\r$/, '');
    lineNo++;
    offset = next;
    if (line.trim() === '') {
      if (stopAtBlank && fields.length + stray.length > 0) {
        end = next;
        break;
      }
      continue;
    }
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line) && last) {
      last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const m = FIELD.exec(line);
    if (m) fields.push({ name: m[1] ?? '', value: (m[2] ?? '').trim(), line: lineNo });
    else stray.push({ line: lineNo, text: line });
  }
  return { fields, stray, end };
}

/** Every value of a field, in order (names compared case-insensitively). */
export function valuesOf(fields: readonly OriginalHeader[], name: string): string[] {
  const lower = name.toLowerCase();
  return fields.filter((f) => f.name.toLowerCase() === lower).map((f) => f.value);
}

export function firstOf(fields: readonly OriginalHeader[], name: string): string | null {
  return valuesOf(fields, name)[0] ?? null;
}
