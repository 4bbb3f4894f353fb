// Upload planning: files go up in batches small enough for the server's per-request limits (a batch the
// server still refuses as too large is split in two and retried; a single file too large is reported).

export interface Sized {
  size: number;
}

export const BATCH_FILES = 100;
export const BATCH_BYTES = 64 * 1024 * 1024;

/** Consecutive batches of at most maxFiles files and maxBytes bytes (a larger single file goes alone). */
export function planBatches<T extends Sized>(files: T[], maxFiles = BATCH_FILES, maxBytes = BATCH_BYTES): T[][] {
  const batches: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const f of files) {
    if (cur.length > 0 && (cur.length >= maxFiles || bytes + f.size > maxBytes)) {
      batches.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(f);
    bytes += f.size;
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}

/** Halves of a batch, for a retry after 413. */
export function splitBatch<T>(batch: T[]): [T[], T[]] {
  const mid = Math.ceil(batch.length / 2);
  return [batch.slice(0, mid), batch.slice(mid)];
}

export type FileState =
  | 'waiting'
  | 'uploading'
  | 'accepted'
  | 'processing'
  | 'processed'
  | 'duplicate'
  | 'unsupported'
  | 'rejected'
  | 'failed';

/** Whether a file's outcome is final (nothing more to poll). */
export function isFinal(s: FileState): boolean {
  return s === 'processed' || s === 'duplicate' || s === 'unsupported' || s === 'rejected' || s === 'failed';
}

/** Overall progress 0..1: uploading counts half, processing the other half. */
export function overallProgress(states: FileState[], uploadFraction: number): number {
  if (states.length === 0) return 0;
  let done = 0;
  for (const s of states) {
    if (isFinal(s)) done += 1;
    else if (s === 'accepted' || s === 'processing') done += 0.5;
  }
  const uploadingShare =
    states.filter((s) => s === 'uploading').length * 0.5 * Math.min(1, Math.max(0, uploadFraction));
  return Math.min(1, (done + uploadingShare) / states.length);
}
