// Opening a MaxMind DB file (the format of GeoLite2, DB-IP Lite and the ip-location-db packages) with the
// `maxmind` reader, turning every way it can fail into one IpDatabaseError line that names the file.
import fs from 'node:fs/promises';
import { Reader, type Response } from 'maxmind';
import { IpDatabaseError } from './errors.js';

/** The marker that starts the metadata section, near the end of every MaxMind DB file. */
const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');
/** The metadata section is at most this long (the format's own limit). */
const METADATA_MAX_BYTES = 128 * 1024;

export async function openMmdb<T extends Response>(
  file: string,
  what: string,
  probe: (reader: Reader<T>) => void,
): Promise<Reader<T>> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw new IpDatabaseError(`${what} ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  // Without the marker the reader would scan the whole file and fail with a vague message.
  if (bytes.subarray(Math.max(0, bytes.length - METADATA_MAX_BYTES)).indexOf(METADATA_MARKER) < 0) {
    throw new IpDatabaseError(`${what} ${file} is not a MaxMind DB file (.mmdb): no metadata section`);
  }
  let reader: Reader<T>;
  try {
    reader = new Reader<T>(bytes);
    // A truncated or damaged search tree only shows on lookups: try a few.
    probe(reader);
  } catch (err) {
    throw new IpDatabaseError(
      `${what} ${file} is damaged: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`,
    );
  }
  return reader;
}

/** Lookups that walk both halves of the tree, for `probe`. */
export const PROBE_IPS_V4 = ['1.1.1.1', '8.8.8.8', '81.2.69.142', '203.0.114.1'];
export const PROBE_IPS_V6 = ['2001:4860:4860::8888', '2a02:8000::1', 'fe80::1'];
