// Streaming parser for DMARC aggregate reports: bytes → header, record batches, end.
// Strict first, streaming with bounded memory; if the XML turns out not to be well-formed, the whole document
// is re-read, repaired (recover.ts) and parsed again, and the report is marked `recovered`.
//
// Decisions (see the modules for details):
// - DOCTYPE: any document with one is refused ('doctype'); entities are never expanded. In recovery an
//   undeclared entity reference becomes literal text.
// - Records: every <record> is kept, an empty one as a 0-message row; a bad IP or count keeps the record
//   (null IP, count 0). Each problem is a warning naming the record. Warnings are capped (warnings.ts).
// - Enums: lower-cased; relaxed/strict → r/s; legacy SPF hardfail → fail, unknown → permerror,
//   error → temperror; anything else → null + warning. Auth results without a valid result are dropped.
// - IPs: IPv6 compressed and lower-cased; IPv4-mapped addresses stay IPv6 (`::ffff:a.b.c.d`).
// - date_range: Unix seconds (decimals floored); a date (ISO 8601, UTC unless zoned) or milliseconds are read
//   with a warning; anything else is null + warning.
import type { AggregateReport, AggregateReportHeader, ReportRecord } from '../../model/aggregate.js';
import { type AggregateEvent, type ByteSource, NOT_A_REPORT, ParseFailure } from '../types.js';
import { decodeSource, newDecodeState } from './decode.js';
import { DOCTYPE_MESSAGE, EMPTY_MESSAGE, XmlSyntaxError } from './errors.js';
import { hasDoctype, hasFeedbackElement, repairXml } from './recover.js';
import { ReportBuilder } from './report-builder.js';
import { MAX_WRITE, SaxReader } from './sax-reader.js';

export interface AggregateParseOptions {
  /** Records per 'records' event (default 2000). */
  batchSize?: number;
  /** Most records accepted in the report; past it a ParseFailure ('too_many_records'). */
  maxRecords?: number;
}

export const DEFAULT_BATCH_SIZE = 2000;

/**
 * Parse one aggregate report. Events: `header`, then `records` batches, then `end`; a `restart` means the
 * strict parse failed after events were emitted and everything so far must be discarded (a lenient parse
 * follows). Unreadable reports throw ParseFailure.
 */
export async function* parseAggregateXml(
  open: ByteSource,
  options: AggregateParseOptions = {},
): AsyncGenerator<AggregateEvent> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);

  let emitted = false;
  let strictError: XmlSyntaxError;
  try {
    for await (const event of strictParse(open, batchSize, options.maxRecords)) {
      emitted = true;
      yield event;
    }
    return;
  } catch (err) {
    if (!(err instanceof XmlSyntaxError)) throw err;
    strictError = err;
  }
  if (emitted) yield { type: 'restart', reason: strictError.message };
  yield* lenientParse(open, batchSize, strictError, options.maxRecords);
}

/** Parse a whole report into memory (tests, `dmarc parse`). */
export async function parseAggregateReport(
  open: ByteSource,
  options: AggregateParseOptions = {},
): Promise<AggregateReport> {
  let header: AggregateReportHeader | null = null;
  let records: ReportRecord[] = [];
  for await (const event of parseAggregateXml(open, options)) {
    switch (event.type) {
      case 'header':
        header = event.header;
        break;
      case 'records':
        for (const r of event.records) records.push(r);
        break;
      case 'restart':
        header = null;
        records = [];
        break;
      case 'end':
        if (header === null) throw new Error('aggregate parser ended without a header');
        return {
          ...header,
          records,
          extensions: event.extensions,
          warnings: event.warnings,
          recovered: event.recovered,
        };
    }
  }
  throw new Error('aggregate parser ended without an end event');
}

/** A ByteSource over bytes already in memory, handed out in chunks (tests, CLI). Strings are encoded as UTF-8. */
export function bytesSource(bytes: Uint8Array | string, chunkSize = 64 * 1024): ByteSource {
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return async function* chunks() {
    for (let i = 0; i < data.length; i += chunkSize) yield data.subarray(i, i + chunkSize);
  };
}

async function* strictParse(
  open: ByteSource,
  batchSize: number,
  maxRecords: number | undefined,
): AsyncGenerator<AggregateEvent> {
  const builder = new ReportBuilder([], { maxRecords });
  const reader = new SaxReader(builder);
  const emitter = new Emitter(builder, batchSize);
  const decoding = newDecodeState();
  let first = true;
  for await (const text of decodeSource(open, true, decoding)) {
    if (first) {
      first = false;
      if (decoding.warning !== null) builder.warnings.add(decoding.warning);
    }
    reader.write(text);
    yield* emitter.drain(false);
  }
  if (decoding.bytes === 0) throw new ParseFailure('empty', EMPTY_MESSAGE);
  reader.close();
  builder.finish();
  yield* emitter.drain(true);
  yield emitter.end(false);
}

async function* lenientParse(
  open: ByteSource,
  batchSize: number,
  strictError: XmlSyntaxError,
  maxRecords: number | undefined,
): AsyncGenerator<AggregateEvent> {
  const repaired = await readAndRepair(open, strictError);
  const builder = new ReportBuilder(repaired.warnings, { maxRecords });
  const reader = new SaxReader(builder);
  const emitter = new Emitter(builder, batchSize);
  const body = repaired.text;
  try {
    for (let i = 0; i < body.length; i += MAX_WRITE) {
      reader.write(body.slice(i, i + MAX_WRITE));
      yield* emitter.drain(false);
    }
    reader.close();
  } catch (err) {
    // Recovery could not fix it: report the original problem, which is what the sender must correct.
    if (err instanceof XmlSyntaxError) throw new ParseFailure('not_well_formed', strictError.message);
    throw err;
  }
  builder.finish();
  yield* emitter.drain(true);
  yield emitter.end(true);
}

/**
 * Read the whole document leniently and repair it. Kept in its own function so that the decoded text is
 * garbage once the repaired copy exists (a 100 MB report must not be held three times over).
 */
async function readAndRepair(
  open: ByteSource,
  strictError: XmlSyntaxError,
): Promise<{ text: string; warnings: string[] }> {
  const decoding = newDecodeState();
  const pieces: string[] = [];
  for await (const piece of decodeSource(open, false, decoding)) pieces.push(piece);
  const text = pieces.join('');
  pieces.length = 0;
  if (text.trim() === '') throw new ParseFailure('empty', EMPTY_MESSAGE);
  // Broken markup with no <feedback> anywhere (a web page, a text starting with '<'): not a report at all.
  if (!hasFeedbackElement(text)) {
    throw new ParseFailure('not_aggregate', `${NOT_A_REPORT}: markup without a <feedback> element`);
  }
  if (hasDoctype(text)) throw new ParseFailure('doctype', DOCTYPE_MESSAGE);
  const repaired = repairXml(text);
  if (repaired === null) throw new ParseFailure('not_well_formed', strictError.message);

  const repairs = decoding.replaced
    ? [`replaced invalid ${decoding.encoding} bytes with U+FFFD`, ...repaired.repairs]
    : repaired.repairs;
  const what = repairs.length > 0 ? repairs.join('; ') : 'parsed the <feedback> element alone';
  const warnings = [`${strictError.message}; recovered leniently: ${what}`];
  if (decoding.warning !== null) warnings.push(decoding.warning);
  return { text: repaired.text, warnings };
}

/** Hands out the header once, then records in batches of `batchSize` (never before the header). */
class Emitter {
  private headerSent = false;

  constructor(
    private readonly builder: ReportBuilder,
    private readonly batchSize: number,
  ) {}

  *drain(final: boolean): Generator<AggregateEvent> {
    const b = this.builder;
    if (!this.headerSent) {
      if (b.header === null) return;
      this.headerSent = true;
      yield { type: 'header', header: b.header };
    }
    const pending = b.pending;
    if (pending.length < this.batchSize && !(final && pending.length > 0)) return;
    b.pending = [];
    let i = 0;
    for (; i + this.batchSize <= pending.length; i += this.batchSize) {
      yield {
        type: 'records',
        records: pending.length === this.batchSize ? pending : pending.slice(i, i + this.batchSize),
      };
    }
    if (i < pending.length) {
      const rest = pending.slice(i);
      if (final) yield { type: 'records', records: rest };
      else b.pending = rest;
    }
  }

  end(recovered: boolean): AggregateEvent {
    const b = this.builder;
    return {
      type: 'end',
      warnings: b.warnings.toArray(),
      recovered,
      recordCount: b.recordCount,
      messageCount: b.messageCount,
      extensions: b.extensions.list,
    };
  }
}
