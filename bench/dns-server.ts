// A real DNS server on loopback (the dns2 package, UDP) for the reverse DNS and DNS check tests and `npm run
// bench:enrich`: it answers from a zone given as data, or computed per name (PTR, A, AAAA, MX, TXT records; a name
// may answer NXDOMAIN,
// SERVFAIL, REFUSED, or never), records every query (unless told not to), and can hold its answers until
// released (to show that nothing waits for DNS).
import dns2 from 'dns2';

const { Packet } = dns2;

export interface ZoneEntry {
  PTR?: string[];
  A?: string[];
  AAAA?: string[];
  /** Mail exchangers (preference 10). */
  MX?: string[];
  /** TXT records, each one string (split into 255-octet character-strings as DNS needs). */
  TXT?: string[];
  /** Answer with this instead of records; 'silent': never answer. */
  fail?: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'silent';
}

/** Records by name (any case), or a function of the lower-case name: undefined answers NXDOMAIN. */
export type Zone = Record<string, ZoneEntry> | ((name: string) => ZoneEntry | undefined);

export interface TestDnsServer {
  port: number;
  /** host:port for DMARC_DNS_SERVERS. */
  address: string;
  /** Every question received: "name TYPE". */
  queries: string[];
  /** Answers held back while `hold` is on are sent now (and later ones at once). */
  release(): void;
  close(): Promise<void>;
}

/** The reverse-lookup name of an address: 4.4.8.8.in-addr.arpa, nibbles under ip6.arpa for IPv6. */
export function reverseName(ip: string): string {
  if (ip.includes('.')) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const nibbles = groups.map((g) => g.padStart(4, '0')).join('');
  return `${[...nibbles].reverse().join('.')}.ip6.arpa`;
}

const TYPE_NAMES: Record<number, string> = { 1: 'A', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA' };

export async function startDnsServer(
  zone: Zone,
  options: { hold?: boolean; record?: boolean; /** loopback address to bind (default 127.0.0.1) */ host?: string } = {},
): Promise<TestDnsServer> {
  const queries: string[] = [];
  const held: (() => void)[] = [];
  let holding = options.hold ?? false;
  const record = options.record ?? true;
  const lookup =
    typeof zone === 'function'
      ? zone
      : (
          (m: Map<string, ZoneEntry>) => (name: string) =>
            m.get(name)
        )(new Map(Object.entries(zone).map(([k, v]) => [k.toLowerCase(), v])));

  // RFC 1035 §4.1.1 response codes (dns2 3.0's types do not declare its Packet.RCODE)
  const RCODE = { SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
  const server = dns2.createUDPServer((request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const q = request.questions[0];
    if (!q) return;
    const name = q.name.toLowerCase();
    const type = TYPE_NAMES[q.type] ?? String(q.type);
    if (record) queries.push(`${name} ${type}`);
    const entry = lookup(name);
    if (entry?.fail === 'silent') return;
    if (!entry || entry.fail === 'NXDOMAIN') response.header.rcode = RCODE.NXDOMAIN;
    else if (entry.fail === 'SERVFAIL') response.header.rcode = RCODE.SERVFAIL;
    else if (entry.fail === 'REFUSED') response.header.rcode = RCODE.REFUSED;
    else {
      // (the package's types ask for a toBuffer its encoder does not need)
      const rr = (x: {
        type: number;
        domain?: string;
        address?: string;
        exchange?: string;
        priority?: number;
        data?: string[];
      }) => response.answers.push({ name: q.name, class: Packet.CLASS.IN, ttl: 300, ...x } as dns2.Packet.Resource);
      if (type === 'PTR') for (const domain of entry.PTR ?? []) rr({ type: Packet.TYPE.PTR, domain });
      if (type === 'A') for (const address of entry.A ?? []) rr({ type: Packet.TYPE.A, address });
      if (type === 'AAAA') for (const address of entry.AAAA ?? []) rr({ type: Packet.TYPE.AAAA, address });
      if (type === 'MX') for (const exchange of entry.MX ?? []) rr({ type: Packet.TYPE.MX, exchange, priority: 10 });
      if (type === 'TXT') {
        for (const text of entry.TXT ?? []) {
          const data: string[] = [];
          for (let i = 0; i < text.length; i += 255) data.push(text.slice(i, i + 255));
          rr({ type: Packet.TYPE.TXT, data: data.length > 0 ? data : [''] });
        }
      }
    }
    const answer = () => void send(response).catch(() => undefined);
    if (holding) held.push(answer);
    else answer();
  });
  const host = options.host ?? '127.0.0.1';
  await server.listen(0, host);
  const port = server.address().port;
  return {
    port,
    address: `${host}:${port}`,
    queries,
    release: () => {
      holding = false;
      for (const a of held.splice(0)) a();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
