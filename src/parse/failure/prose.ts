// Failure reports without a feedback part (Exim and others): the fields are lines of the human-readable text
// ("Sender IP Address: 203.0.113.68") and the original's headers follow a line that says they are a copy.
import { readFields, type FieldLine } from './fields.js';

export interface ProseReport {
  fields: { name: string; value: string }[];
  headers: FieldLine[];
}

/** Prose labels → the ARF field they stand for. */
const LABELS: Record<string, string> = {
  'sender domain': 'Reported-Domain',
  'sender ip address': 'Source-IP',
  'sender ip': 'Source-IP',
  'source ip': 'Source-IP',
  'received date': 'Arrival-Date',
  'arrival date': 'Arrival-Date',
};

const HEADERS_MARKER = /copy of the (original )?(message )?headers/i;
const LINE = /^\s*([A-Za-z][A-Za-z ]*?)\s*:\s*(.+?)\s*$/;

/** The fields found in the text, or undefined when it holds none of the labels above. */
export function readProse(text: string): ProseReport | undefined {
  const lines = text.split(/\r?\n/);
  const marker = lines.findIndex((l) => HEADERS_MARKER.test(l));
  const summary = marker < 0 ? lines : lines.slice(0, marker);
  const fields: { name: string; value: string }[] = [];
  for (const line of summary) {
    const m = LINE.exec(line);
    const field = m ? LABELS[(m[1] ?? '').toLowerCase()] : undefined;
    if (m && field) fields.push({ name: field, value: m[2] ?? '' });
  }
  if (fields.length === 0) return undefined;
  const headers = marker < 0 ? [] : readFields(lines.slice(marker + 1).join('\n')).fields;
  return { fields, headers };
}

export { HEADERS_MARKER };
