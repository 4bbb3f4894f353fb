// IP → autonomous system (number and organisation), offline, from the CSV files of the @ip-location-db/asn
// package (RouteViews, NRO and DB-IP data, CC BY 4.0; see attribution.ts). The package ships no MaxMind-format
// file, so its ranges are loaded once per process into sorted typed arrays (~0.5 s, ~15 MB) and found by binary
// search (several million lookups a second).
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

interface Row {
  start: string;
  end: string;
  asn: number;
  org: string;
}

/** Rows of `start,end,asn,organisation` (the organisation RFC 4180-quoted when it holds a comma or a quote). */
function* rows(text: string): Generator<Row> {
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const c1 = text.indexOf(',', pos);
    const c2 = c1 < 0 ? -1 : text.indexOf(',', c1 + 1);
    const c3 = c2 < 0 ? -1 : text.indexOf(',', c2 + 1);
    if (c3 > 0 && c3 < nl) {
      let org = text.slice(c3 + 1, text[nl - 1] === '\r' ? nl - 1 : nl);
      if (org.startsWith('"') && org.endsWith('"')) org = org.slice(1, -1).replaceAll('""', '"');
      yield { start: text.slice(pos, c1), end: text.slice(c1 + 1, c2), asn: Number(text.slice(c2 + 1, c3)), org };
    }
    pos = nl + 1;
  }
}

/** Ranges sorted by start (the files are; checked, and sorted when they are not). */
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

  static from(list: Row[]): V4Table {
    let starts = Uint32Array.from(list, (r) => Number(r.start));
    let ends = Uint32Array.from(list, (r) => Number(r.end));
    let asns = Uint32Array.from(list, (r) => r.asn);
    const order = sortedOrder(list.length, (a, b) => starts[a]! < starts[b]!);
    if (order) {
      starts = order.map((i) => starts[i]!);
      ends = order.map((i) => ends[i]!);
      asns = order.map((i) => asns[i]!);
    }
    return new V4Table(starts, ends, asns);
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

  static from(list: Row[]): V6Table {
    const s = list.map((r) => BigInt(r.start));
    const e = list.map((r) => BigInt(r.end));
    const order = sortedOrder(list.length, (a, b) => s[a]! < s[b]!);
    const at = order ? (i: number) => order[i]! : (i: number) => i;
    const n = list.length;
    const t = new V6Table(
      new BigUint64Array(n),
      new BigUint64Array(n),
      new BigUint64Array(n),
      new BigUint64Array(n),
      new Uint32Array(n),
    );
    for (let i = 0; i < n; i++) {
      const k = at(i);
      t.startHi[i] = s[k]! >> 64n;
      t.startLo[i] = s[k]! & MASK64;
      t.endHi[i] = e[k]! >> 64n;
      t.endLo[i] = e[k]! & MASK64;
      t.asns[i] = list[k]!.asn;
    }
    return t;
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
    const read = async (file: string): Promise<Row[]> => {
      let text: string;
      try {
        text = await fs.readFile(path.join(dir, file), 'utf8');
      } catch (err) {
        throw new IpDatabaseError(
          `the AS database ${path.join(dir, file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}): reinstall the package ${PACKAGE}`,
        );
      }
      const list = [...rows(text)];
      if (list.length === 0) throw new IpDatabaseError(`the AS database ${path.join(dir, file)} holds no ranges`);
      return list;
    };
    const [r4, r6] = await Promise.all([read(V4_FILE), read(V6_FILE)]);
    const orgs = new Map<number, string>();
    for (const r of [...r4, ...r6]) if (r.org && !orgs.has(r.asn)) orgs.set(r.asn, r.org);
    return new AsnDatabase(V4Table.from(r4), V6Table.from(r6), orgs);
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
