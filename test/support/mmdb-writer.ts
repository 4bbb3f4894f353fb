// A small writer of the MaxMind DB format (https://maxmind.github.io/MaxMind-DB/), for tests that need a valid
// city database: nothing on npm writes one. IPv6 tree (IPv4 networks under ::/96, where readers look for them),
// 24-bit records; values: strings, numbers (integers as uint32, others as doubles), booleans, arrays, objects.
import net from 'node:net';

type Value = string | number | boolean | Value[] | { [key: string]: Value };

interface TrieNode {
  children: [TrieNode | number | null, TrieNode | number | null];
}

function bitsOf(cidr: string): number[] {
  const [addr = '', lenText] = cidr.split('/');
  const family = net.isIP(addr);
  if (family === 0) throw new Error(`not an address: ${cidr}`);
  const bytes: number[] = [];
  if (family === 4) {
    for (let i = 0; i < 12; i++) bytes.push(0);
    bytes.push(...addr.split('.').map(Number));
  } else {
    const [head = '', tail = ''] = addr.split('::');
    const h = head ? head.split(':') : [];
    const t = addr.includes('::') ? (tail ? tail.split(':') : []) : [];
    const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t].map((g) => parseInt(g, 16));
    for (const g of groups) bytes.push(g >> 8, g & 255);
  }
  const len = (family === 4 ? 96 : 0) + Number(lenText ?? (family === 4 ? 32 : 128));
  const bits: number[] = [];
  for (let i = 0; i < len; i++) bits.push((bytes[i >> 3]! >> (7 - (i & 7))) & 1);
  return bits;
}

function control(type: number, size: number): number[] {
  const out: number[] = [];
  let sizeBits: number;
  const extra: number[] = [];
  if (size < 29) sizeBits = size;
  else if (size < 29 + 256) {
    sizeBits = 29;
    extra.push(size - 29);
  } else if (size < 285 + 65536) {
    sizeBits = 30;
    extra.push((size - 285) >> 8, (size - 285) & 255);
  } else {
    sizeBits = 31;
    const s = size - 65821;
    extra.push((s >> 16) & 255, (s >> 8) & 255, s & 255);
  }
  if (type <= 7) out.push((type << 5) | sizeBits);
  else out.push(sizeBits, type - 7);
  return [...out, ...extra];
}

function uintBytes(n: number | bigint, max: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  while (v > 0n && out.length < max) {
    out.unshift(Number(v & 255n));
    v >>= 8n;
  }
  return out;
}

function encode(v: Value): number[] {
  if (typeof v === 'string') {
    const b = [...Buffer.from(v, 'utf8')];
    return [...control(2, b.length), ...b];
  }
  if (typeof v === 'boolean') return control(14, v ? 1 : 0);
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff) {
      const b = uintBytes(v, 4);
      return [...control(6, b.length), ...b];
    }
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    return [...control(3, 8), ...b];
  }
  if (Array.isArray(v)) return [...control(11, v.length), ...v.flatMap(encode)];
  const entries = Object.entries(v);
  return [...control(7, entries.length), ...entries.flatMap(([k, x]) => [...encode(k), ...encode(x)])];
}

export interface MmdbOptions {
  databaseType: string;
  /** Networks (CIDR, IPv4 or IPv6) and the record of each. */
  networks: { cidr: string; value: Value }[];
}

export function writeMmdb(o: MmdbOptions): Buffer {
  const root: TrieNode = { children: [null, null] };
  const data: number[] = [];
  for (const { cidr, value } of o.networks) {
    const offset = data.length;
    data.push(...encode(value));
    const bits = bitsOf(cidr);
    let node = root;
    for (let i = 0; i < bits.length - 1; i++) {
      const b = bits[i]!;
      const next = node.children[b];
      if (next === null || typeof next === 'number') node.children[b] = { children: [next, next] };
      node = node.children[b] as TrieNode;
    }
    node.children[bits.at(-1)!] = -1 - offset; // data offsets as negative numbers until nodes are numbered
  }
  const nodes: TrieNode[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const n = queue.shift()!;
    nodes.push(n);
    for (const c of n.children) if (c !== null && typeof c !== 'number') queue.push(c);
  }
  const index = new Map(nodes.map((n, i) => [n, i]));
  const count = nodes.length;
  const record = (c: TrieNode | number | null): number =>
    c === null ? count : typeof c === 'number' ? count + 16 + (-1 - c) : index.get(c)!;
  const tree: number[] = [];
  for (const n of nodes) {
    for (const c of n.children) {
      const r = record(c);
      tree.push((r >> 16) & 255, (r >> 8) & 255, r & 255);
    }
  }
  const metadata = [
    ...encode('node_count'),
    ...[...control(6, uintBytes(count, 4).length), ...uintBytes(count, 4)],
    ...encode('record_size'),
    ...[...control(5, 1), 24],
    ...encode('ip_version'),
    ...[...control(5, 1), 6],
    ...encode('database_type'),
    ...encode(o.databaseType),
    ...encode('languages'),
    ...encode(['en']),
    ...encode('binary_format_major_version'),
    ...[...control(5, 1), 2],
    ...encode('binary_format_minor_version'),
    ...control(5, 0),
    ...encode('build_epoch'),
    ...[...control(9, 4), ...uintBytes(1_750_000_000, 4)],
    ...encode('description'),
    ...encode({ en: 'test database' }),
  ];
  return Buffer.concat([
    Buffer.from(tree),
    Buffer.alloc(16),
    Buffer.from(data),
    Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'),
    Buffer.from([...control(7, 9), ...metadata]),
  ]);
}
