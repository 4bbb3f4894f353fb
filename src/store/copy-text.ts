// PostgreSQL COPY text format (tab-separated, \N for NULL), used for bulk inserts on both engines.

/** Escapes one value for COPY ... FROM in text format. */
export function copyValue(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') return String(v);
  // Backslash first; then the characters that would end a field or a row.
  return /[\\\t\n\r]/.test(v)
    ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : v;
}

/** Accumulates rows of a COPY payload. */
export class CopyBuffer {
  private readonly parts: string[] = [];
  rows = 0;

  add(values: (string | number | null | undefined)[]): void {
    let line = '';
    for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : '\t') + copyValue(values[i]);
    this.parts.push(line);
    this.rows++;
  }

  toString(): string {
    return this.parts.length === 0 ? '' : this.parts.join('\n') + '\n';
  }
}

/** A PostgreSQL array literal of text values, e.g. {pass,"a b",NULL} (before COPY escaping). */
export function pgTextArray(values: readonly (string | null)[]): string {
  if (values.length === 0) return '{}';
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v === null || v === undefined) out += 'NULL';
    else if (v !== '' && !/[{},"\\\s]/.test(v) && v.toUpperCase() !== 'NULL') out += v;
    else out += `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  }
  return out + '}';
}
