// A report kind: how to recognise one among the parts the unpacker found, parse it (parse/, pure) and store it
// (one transaction). process-file walks the registry (kinds/index.ts); adding a kind is adding a file here and
// its line in the registry, touching nothing else.
import type { FailurePrivacy } from '../../parse/failure/privacy.js';
import type { UnpackedPart, UnpackLimits } from '../../parse/types.js';
import type { Transactor } from '../../store/database.js';
import type { RollupBatch } from '../../store/rollup-batch.js';

export interface KindContext {
  /** Where a report's one transaction runs: the database, or (a batch of files) a savepoint of the batch's. */
  db: Transactor;
  /** In a batch: where the reports' rollup rows wait for the batch's one upsert. */
  rollups?: RollupBatch;
  orgId: number;
  fileId: number;
  /** Records (or entries) per insert batch. */
  batchSize: number;
  /** Most records (or entries) accepted in one report. */
  maxRecords: number;
  /** The unpack limits of the file. */
  limits: UnpackLimits;
  /** What failure reports keep of the original message. */
  failures: FailurePrivacy;
}

export type KindOutcome =
  | {
      outcome: 'stored';
      reportId: number;
      domain: string;
      begin: number | null;
      /** Names the report in the file's warnings, e.g. "google.com 1234". */
      label: string;
      records: number;
      messages: number;
      warnings: string[];
      recovered: boolean;
    }
  /**
   * The organisation already has this report (same identity). `ownReport`: it was stored from this very file
   * (the file is being processed again): it still counts as the file's.
   */
  | {
      outcome: 'duplicate';
      ownReport?: { label: string; records: number; messages: number; warnings: string[]; recovered: boolean };
    }
  /** The part held no report of this kind after all. */
  | { outcome: 'empty' };

export interface ReportKind<Parsed = unknown> {
  /** Stored in ingested_files.kind and in "report stored" events. */
  readonly kind: string;
  /** Whether the unpacked part is a report of this kind (cheap: the unpacker has sniffed it). */
  detect(part: UnpackedPart): boolean;
  /** Parses the part (lazily where the kind streams). */
  parse(part: UnpackedPart, ctx: KindContext): Parsed;
  /** Stores what was parsed in one transaction; a ParseFailure thrown here is the part's fault, not storage's. */
  store(ctx: KindContext, partName: string, parsed: Parsed): Promise<KindOutcome>;
}
