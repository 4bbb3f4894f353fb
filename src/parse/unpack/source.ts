// A piece of content found while unpacking (the input, an attachment, a zip member, a gzip layer), readable
// from the start as often as needed.
import type { ByteSource } from '../types.js';
import { inputTooLarge } from './limits.js';

/** Chunk size when streaming bytes that are already in memory. */
const MEMORY_CHUNK = 64 * 1024;

export interface Source {
  /** Path from the outer file, segments joined by " > ". */
  name: string;
  /** Containers entered to reach this content (the input itself is 0). */
  depth: number;
  /** Fresh stream of the (decompressed) content on every call. */
  open: ByteSource;
  /** The whole content, when it is already in memory (input file, e-mail attachment, stored zip member). */
  bytes?: Uint8Array;
  /** MIME type declared by the enclosing e-mail: a hint only, never used to decide the format. */
  declaredType?: string;
}

export const NAME_SEPARATOR = ' > ';

export function childName(parent: string, segment: string): string {
  return `${parent}${NAME_SEPARATOR}${segment}`;
}

/**
 * A problem of a part, said within its file: the part's path below the file, then the problem ("x.zip > y.xml"
 * in x.zip: "y.xml: <problem>"); the file itself (or its gzip layer) gives the problem alone. Whoever shows it
 * names the file already (the import summary, the Ingestion page), so the file's name is never repeated.
 */
export function problemWithin(fileName: string, partName: string, problem: string): string {
  const prefix = fileName + NAME_SEPARATOR;
  if (partName === fileName) return problem;
  return `${partName.startsWith(prefix) ? partName.slice(prefix.length) : partName}: ${problem}`;
}

/** Streams in-memory bytes in chunks (subarrays, no copies). */
export function memoryStream(bytes: Uint8Array): ByteSource {
  return async function* () {
    for (let offset = 0; offset < bytes.length; offset += MEMORY_CHUNK) {
      yield bytes.subarray(offset, offset + MEMORY_CHUNK);
    }
  };
}

export function memorySource(name: string, depth: number, bytes: Uint8Array, declaredType?: string): Source {
  const source: Source = { name, depth, bytes, open: memoryStream(bytes) };
  if (declaredType !== undefined) source.declaredType = declaredType;
  return source;
}

export interface Head {
  /** The first bytes of the content (up to the requested size). */
  bytes: Uint8Array;
  /** True when `bytes` is the whole content. */
  complete: boolean;
}

/** The first `size` bytes, decompressing only as much as needed; the stream is closed early. */
export async function readHead(source: Source, size: number): Promise<Head> {
  if (source.bytes) return { bytes: source.bytes.subarray(0, size), complete: source.bytes.length <= size };
  const chunks: Uint8Array[] = [];
  let have = 0;
  const stream = source.open()[Symbol.asyncIterator]();
  try {
    while (have <= size) {
      const next = await stream.next();
      if (next.done === true) {
        return { bytes: Buffer.concat(chunks), complete: true };
      }
      chunks.push(next.value);
      have += next.value.length;
    }
  } finally {
    await stream.return?.();
  }
  return { bytes: Buffer.concat(chunks).subarray(0, size), complete: false };
}

/**
 * The whole content in memory, for formats that need random access or a whole message (zip, e-mail, mbox).
 * A nested container is held to the input size limit.
 */
export async function readAll(source: Source, maxBytes: number, what: string): Promise<Uint8Array> {
  if (source.bytes) return source.bytes;
  const chunks: Uint8Array[] = [];
  let have = 0;
  for await (const chunk of source.open()) {
    have += chunk.length;
    if (have > maxBytes) throw inputTooLarge(what, null, maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
