// Contracts between the unpacker, the aggregate XML parser and their callers (ingest, CLI).
import type { AggregateReportHeader, ExtensionElement, ReportRecord } from '../model/aggregate.js';
import { AppError } from '../model/errors.js';

/** Hard limits applied while unpacking one input file. */
export interface UnpackLimits {
  /** Largest accepted input file, in bytes. */
  maxInputBytes: number;
  /** Largest total decompressed output of one input file (all members together), in bytes. */
  maxDecompressedBytes: number;
  /** Largest accepted decompressed/compressed ratio of one stream (checked once output passes 1 MiB). */
  maxCompressionRatio: number;
  /** Most entries accepted in one zip archive. */
  maxZipEntries: number;
  /** Deepest nesting of containers (eml > zip > gz > ...). */
  maxNestingDepth: number;
  /** Most records in one report, counted while parsing (DMARC_MAX_RECORDS_PER_REPORT). */
  maxRecordsPerReport: number;
}

export const DEFAULT_UNPACK_LIMITS: UnpackLimits = {
  maxInputBytes: 50 * 1024 * 1024,
  maxDecompressedBytes: 512 * 1024 * 1024,
  maxCompressionRatio: 200,
  maxZipEntries: 1000,
  maxNestingDepth: 5,
  maxRecordsPerReport: 1_000_000,
};

/** Re-openable stream of bytes: every call starts from the beginning (the XML parser re-reads to recover). */
export type ByteSource = () => AsyncIterable<Uint8Array>;

/** Kinds of report the unpacker recognises but the pipeline does not store (none since TLS and failure reports are stored; kept for the next kind). */
export type UnsupportedKind = never;

/** One thing found inside an input file, after unwrapping mail, mbox, zip and gzip layers. */
export type UnpackedPart =
  /** An XML document: probably an aggregate report; the XML parser decides. */
  | { type: 'xml'; name: string; open: ByteSource }
  /** JSON recognised as an SMTP TLS report (RFC 8460); the TLS parser checks its fields. */
  | { type: 'tlsrpt'; name: string; open: ByteSource }
  /** A failure report (RFC 6591 ARF, or the prose some reporters send instead): the whole e-mail's bytes. */
  | { type: 'arf'; name: string; raw: Uint8Array }
  /** A report of a kind we recognise but do not store yet. */
  | { type: 'unsupported'; name: string; kind: UnsupportedKind }
  /** A member/attachment/message that could not be read; the error says why. */
  | { type: 'error'; name: string; error: ParseFailure };

/** Stable machine-readable reasons; `message` is for humans. */
export type ParseFailureCode =
  | 'empty'
  | 'unrecognised'
  | 'too_large'
  | 'decompressed_too_large'
  | 'compression_ratio'
  | 'too_many_entries'
  | 'too_deep'
  | 'corrupt_gzip'
  | 'corrupt_zip'
  | 'no_report'
  | 'not_well_formed'
  | 'doctype'
  | 'not_aggregate'
  | 'missing_report_id'
  | 'missing_domain'
  | 'invalid_domain'
  | 'field_too_long'
  | 'too_many_records'
  | 'not_tlsrpt'
  | 'invalid_tlsrpt'
  | 'arf_no_feedback'
  | 'arf_unreadable'
  | 'arf_missing_field';

/**
 * The start of every message about content that is plainly not a report (a README, a spreadsheet, a web page, a
 * source file), so that a user who imported the wrong folder reads that, not a parser's complaint.
 */
export const NOT_A_REPORT = 'not a DMARC report';

/** A precise, typed reason why something could not be read. Never carries a stack to the user. */
export class ParseFailure extends AppError {
  constructor(
    override readonly code: ParseFailureCode,
    message: string,
  ) {
    super(code, message);
    this.name = 'ParseFailure';
  }
}

/** Events from the streaming aggregate parser, in order: header, records*, end. */
export type AggregateEvent =
  | { type: 'header'; header: AggregateReportHeader }
  | { type: 'records'; records: ReportRecord[] }
  /**
   * The strict parse failed after some events were emitted; everything emitted so far must be discarded.
   * Parsing continues in lenient (recovery) mode and emits header/records/end again.
   */
  | { type: 'restart'; reason: string }
  | {
      type: 'end';
      warnings: string[];
      recovered: boolean;
      recordCount: number;
      messageCount: number;
      /** Extension elements (report and record level), known only once the document has been read. */
      extensions: ExtensionElement[];
    };
