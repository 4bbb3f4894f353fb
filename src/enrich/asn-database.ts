// IP → autonomous system (number and organisation), offline, from the CSV files of the @ip-location-db/asn
// package (RouteViews, NRO and DB-IP data, CC BY 4.0; see attribution.ts). The package ships no MaxMind-format
// file, so its ranges are parsed once per process, from the bytes, into sorted typed arrays (~0.8 s of CPU,
// ~25 MB) and found by binary search (several million lookups a second).
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { IpDatabaseError } from './errors.js';
import type { ParsedIp } from './ip-address.js';

export interface AsnInfo {
  asn: number;
  org: string | null;
}

const PACKAGE = '@ip-location-db/asn';
const V4_FILE = 'asn-ipv4-num.csv';
const V6_FILE = 'asn-ipv6-num.csv';
const MASK64 = (1n << 64n) - 1n;

const NL = 0x0a;
const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const TEN15 = 10n ** 15n;

/** A decimal number of any length in bytes [from, to) (the IPv6 files' 128-bit numbers). */
function bigDecimal(buf: Buffer, from: number, to: number): bigint {
  let n = 0n;
  for (let i = from; i < to; i += 15) {
    const end = Math.min(to, i + 15);
    let chunk = 0;
    for (let k = i; k < end; k++) chunk = chunk * 10 + (buf[k]! - 48);
    n = n * (end - i === 15 ? TEN15 : 10n ** BigInt(end - i)) + BigInt(chunk);
  }
  return n;
}

function decimal(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) n = n * 10 + (buf[k]! - 48);
  return n;
}

/**
 * Calls `row` for each line `start,end,asn,organisation` of the file's bytes (the organisation RFC 4180-quoted
 * when it holds a comma or a quote). Bytes, not a string: the files are 10-20 MB, read once.
 */
function eachRow(
  buf: Buffer,
  row: (start: [number, number], end: [number, number], asn: number, org: [number, number]) => void,
): void {
  let pos = 0;
  while (pos < buf.length) {
    let nl = buf.indexOf(NL, pos);
    if (nl < 0) nl = buf.length;
    const c1 = buf.indexOf(COMMA, pos);
    const c2 = c1 < 0 ? -1 : buf.indexOf(COMMA, c1 + 1);
    const c3 = c2 < 0 ? -1 : buf.indexOf(COMMA, c2 + 1);
    if (c3 > 0 && c3 < nl)
      row([pos, c1], [c1 + 1, c2], decimal(buf, c2 + 1, c3), [c3 + 1, buf[nl - 1] === CR ? nl - 1 : nl]);
    pos = nl + 1;
  }
}

function orgText(buf: Buffer, [from, to]: [number, number]): string {
  const t = buf.toString('utf8', from, to);
  return t.length >= 2 && t.charCodeAt(0) === QUOTE && t.endsWith('"') ? t.slice(1, -1).replaceAll('""', '"') : t;
}

function lineCount(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(NL); i >= 0; i = buf.indexOf(NL, i + 1)) n++;
  return buf.length > 0 && buf[buf.length - 1] !== NL ? n + 1 : n;
}

/** The order that sorts the ranges by start, or null when they are sorted already (the files are). */
function sortedOrder(count: number, less: (a: number, b: number) => boolean): Uint32Array | null {
  for (let i = 1; i < count; i++) {
    if (less(i, i - 1)) {
      const order = Uint32Array.from({ length: count }, (_, k) => k);
      return order.sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0));
    }
  }
  return null;
}

class V4Table {
  constructor(
    readonly starts: Uint32Array,
    readonly ends: Uint32Array,
    readonly asns: Uint32Array,
  ) {}

  static from(buf: Buffer, orgs: Map<number, string>): V4Table {
    const cap = lineCount(buf);
    let starts = new Uint32Array(cap);
    let ends = new Uint32Array(cap);
    let asns = new Uint32Array(cap);
    let n = 0;
    eachRow(buf, (s, e, asn, org) => {
      starts[n] = decimal(buf, s[0], s[1]);
      ends[n] = decimal(buf, e[0], e[1]);
      asns[n++] = asn;
      if (!orgs.has(asn) && org[1] > org[0]) orgs.set(asn, orgText(buf, org));
    });
    starts = starts.subarray(0, n);
    ends = ends.subarray(0, n);
    asns = asns.subarray(0, n);
    const order = sortedOrder(n, (a, b) => starts[a]! < starts[b]!);
    if (order) {
      starts = order.map((i) => starts[i]!);
      ends = order.map((i) => ends[i]!);
      asns = order.map((i) => asns[i]!);
    }
    return new V4Table(starts, ends, asns);
  }

  get size(): number {
    return this.asns.length;
  }

  find(n: number): number | undefined {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= n) lo = mid + 1;
      else hi = mid - 1;
    }
    // hi: the last range starting at or before n
    return hi >= 0 && n <= this.ends[hi]! ? this.asns[hi] : undefined;
  }
}

class V6Table {
  constructor(
    readonly startHi: BigUint64Array,
    readonly startLo: BigUint64Array,
    readonly endHi: BigUint64Array,
    readonly endLo: BigUint64Array,
    readonly asns: Uint32Array,
  ) {}

  static from(buf: Buffer, orgs: Map<number, string>): V6Table {
    const cap = lineCount(buf);
    const t = new V6Table(
      new BigUint64Array(cap),
      new BigUint64Array(cap),
      new BigUint64Array(cap),
      new BigUint64Array(cap),
      new Uint32Array(cap),
    );
    let n = 0;
    eachRow(buf, (s, e, asn, org) => {
      const start = bigDecimal(buf, s[0], s[1]);
      const end = bigDecimal(buf, e[0], e[1]);
      t.startHi[n] = start >> 64n;
      t.startLo[n] = start & MASK64;
      t.endHi[n] = end >> 64n;
      t.endLo[n] = end & MASK64;
      t.asns[n++] = asn;
      if (!orgs.has(asn) && org[1] > org[0]) orgs.set(asn, orgText(buf, org));
    });
    const less = (a: number, b: number) =>
      t.startHi[a]! < t.startHi[b]! || (t.startHi[a] === t.startHi[b] && t.startLo[a]! < t.startLo[b]!);
    const order = sortedOrder(n, less);
    const pick64 = (a: BigUint64Array) => (order ? BigUint64Array.from(order, (i) => a[i]!) : a.subarray(0, n));
    const pick32 = (a: Uint32Array) => (order ? Uint32Array.from(order, (i) => a[i]!) : a.subarray(0, n));
    return new V6Table(pick64(t.startHi), pick64(t.startLo), pick64(t.endHi), pick64(t.endLo), pick32(t.asns));
  }

  get size(): number {
    return this.asns.length;
  }

  find(hi64: bigint, lo64: bigint): number | undefined {
    let lo = 0;
    let hi = this.asns.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const sh = this.startHi[mid]!;
      if (sh < hi64 || (sh === hi64 && this.startLo[mid]! <= lo64)) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi < 0) return undefined;
    const eh = this.endHi[hi]!;
    return hi64 < eh || (hi64 === eh && lo64 <= this.endLo[hi]!) ? this.asns[hi] : undefined;
  }
}

export class AsnDatabase {
  private constructor(
    private readonly v4: V4Table,
    private readonly v6: V6Table,
    private readonly orgs: Map<number, string>,
  ) {}

  /** Reads the package's files (throws IpDatabaseError when they are missing or unreadable). */
  static async load(dir: string = packageDir()): Promise<AsnDatabase> {
    const read = async (file: string): Promise<Buffer> => {
      try {
        return await fs.readFile(path.join(dir, file));
      } catch (err) {
        throw new IpDatabaseError(
          `the AS database ${path.join(dir, file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}): reinstall the package ${PACKAGE}`,
        );
      }
    };
    const orgs = new Map<number, string>();
    const v4 = V4Table.from(await read(V4_FILE), orgs);
    const v6 = V6Table.from(await read(V6_FILE), orgs);
    for (const [file, t] of [
      [V4_FILE, v4],
      [V6_FILE, v6],
    ] as const) {
      if (t.size === 0) throw new IpDatabaseError(`the AS database ${path.join(dir, file)} holds no ranges`);
    }
    return new AsnDatabase(v4, v6, orgs);
  }

  lookup(p: ParsedIp): AsnInfo | null {
    let asn: number | undefined;
    if (p.family === 4) asn = this.v4.find(p.v4);
    else {
      const g = p.groups;
      const hi = (BigInt(g[0]!) << 48n) | (BigInt(g[1]!) << 32n) | (BigInt(g[2]!) << 16n) | BigInt(g[3]!);
      const lo = (BigInt(g[4]!) << 48n) | (BigInt(g[5]!) << 32n) | (BigInt(g[6]!) << 16n) | BigInt(g[7]!);
      asn = this.v6.find(hi, lo);
    }
    // AS 0 means "not routed" in these files
    if (asn === undefined || asn === 0) return null;
    return { asn, org: this.orgs.get(asn) ?? null };
  }
}

function packageDir(): string {
  try {
    return path.dirname(createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`));
  } catch {
    throw new IpDatabaseError(`the package ${PACKAGE} (the AS database) is not installed: run npm ci`);
  }
}
