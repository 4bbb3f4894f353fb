// Unpacking limits: the failures they raise and the accounting that enforces them while bytes stream.
import { ParseFailure, type UnpackLimits } from '../types.js';

/** Environment variables that set each limit (read by the config module); named in every limit message. */
export const UNPACK_LIMIT_ENV = {
  maxInputBytes: 'DMARC_MAX_INPUT_BYTES',
  maxDecompressedBytes: 'DMARC_MAX_DECOMPRESSED_BYTES',
  maxCompressionRatio: 'DMARC_MAX_COMPRESSION_RATIO',
  maxZipEntries: 'DMARC_MAX_ZIP_ENTRIES',
} as const;

/** The ratio limit only applies once a stream has produced this much: small repetitive files compress very well. */
export const RATIO_CHECK_AFTER_BYTES = 1024 * 1024;

/** Human-readable size: "512 MiB", "1.5 KiB", "17 bytes". */
export function formatBytes(n: number): string {
  const units: [number, string][] = [
    [1024 ** 3, 'GiB'],
    [1024 ** 2, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [size, unit] of units) {
    if (n >= size) {
      const value = n / size;
      return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
    }
  }
  return `${n} bytes`;
}

export function inputTooLarge(what: string, size: number | null, limit: number): ParseFailure {
  const actual = size === null ? '' : ` (${formatBytes(size)})`;
  return new ParseFailure(
    'too_large',
    `${what}${actual} exceeds the limit of ${formatBytes(limit)} (${UNPACK_LIMIT_ENV.maxInputBytes})`,
  );
}

export function decompressedTooLarge(limit: number): ParseFailure {
  return new ParseFailure(
    'decompressed_too_large',
    `decompressed size exceeds the limit of ${formatBytes(limit)} (${UNPACK_LIMIT_ENV.maxDecompressedBytes})`,
  );
}

export function ratioTooHigh(limit: number): ParseFailure {
  return new ParseFailure(
    'compression_ratio',
    `compression ratio exceeds the limit of ${limit}:1 (${UNPACK_LIMIT_ENV.maxCompressionRatio}); possible decompression bomb`,
  );
}

export function tooManyEntries(count: number, limit: number): ParseFailure {
  return new ParseFailure(
    'too_many_entries',
    `zip archive has ${count} entries, more than the limit of ${limit} (${UNPACK_LIMIT_ENV.maxZipEntries})`,
  );
}

export function tooDeep(limit: number): ParseFailure {
  return new ParseFailure('too_deep', `containers (e-mail, zip, gzip) are nested more than ${limit} levels deep`);
}

/**
 * Decompressed-size accounting for one input file. Every decompression stream (a gzip layer, a zip member) has
 * an id; a stream may be read several times (sniffing, then the XML parser, which may re-read to recover), so
 * it contributes the size of its LARGEST pass, not the sum of its passes.
 */
export class Budget {
  private total = 0;
  private readonly largestPass = new Map<number, number>();
  private nextId = 1;

  constructor(readonly limits: UnpackLimits) {}

  newStreamId(): number {
    return this.nextId++;
  }

  /** Starts one pass over stream `id`; the meter throws as soon as a limit is crossed. */
  pass(id: number): PassMeter {
    return new PassMeter(this, id);
  }

  /** @internal Records that a pass of stream `id` has produced `produced` bytes so far. */
  grow(id: number, produced: number): void {
    const previous = this.largestPass.get(id) ?? 0;
    if (produced <= previous) return;
    this.total += produced - previous;
    this.largestPass.set(id, produced);
    if (this.total > this.limits.maxDecompressedBytes) throw decompressedTooLarge(this.limits.maxDecompressedBytes);
  }
}

/** Counts one pass over one decompression stream: total budget and that stream's compression ratio. */
export class PassMeter {
  private produced = 0;

  constructor(
    private readonly budget: Budget,
    private readonly id: number,
  ) {}

  /** `n` more bytes came out after `consumed` compressed bytes went in (both counted from this pass's start). */
  add(n: number, consumed: number): void {
    this.produced += n;
    this.budget.grow(this.id, this.produced);
    const { maxCompressionRatio } = this.budget.limits;
    if (this.produced > RATIO_CHECK_AFTER_BYTES && this.produced > maxCompressionRatio * Math.max(consumed, 1)) {
      throw ratioTooHigh(maxCompressionRatio);
    }
  }
}
