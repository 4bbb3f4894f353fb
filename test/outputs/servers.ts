// Local stand-ins for the targets of outputs, implementing their documented requests and answers:
// - Splunk HEC: POST /services/collector/event, `Authorization: Splunk <token>` (401 "Token is required" code 2,
//   403 "Invalid token" code 4), a body of concatenated event objects each with an `event` (else 400 "Invalid data
//   format" code 6 / "Event field is required" code 12), {"text":"Success","code":0}; `down` answers 503 "Server
//   is busy" code 9.
// - Elasticsearch `_bulk`: NDJSON action/document pairs (`index` with `_index` and `_id`; a document indexed again
//   under the same _id replaces it), {took, errors, items: [{index: {_index, _id, status, result | error}}]};
//   `itemStatus` decides a per-item failure (429 es_rejected_execution_exception, 400 mapper_parsing_exception...);
//   `down` answers 503.
// - rsyslog (Debian's): a real rsyslogd on loopback with imudp, imtcp and imtcp over TLS (gtls), writing every
//   message's MSG to a file; skipped with a message when rsyslogd is absent, failing under REQUIRE_SERVICES=1.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closer(server: http.Server) {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export interface SplunkServer {
  url: string;
  /** Every event taken, in order (duplicates included). */
  events: Record<string, unknown>[];
  /** The envelopes ({time, sourcetype, index, ...}) of the events taken. */
  envelopes: Record<string, unknown>[];
  /** Events per request taken or refused. */
  requests: { status: number; events: number }[];
  down: boolean;
  close(): Promise<void>;
}

/** Splits concatenated JSON objects ("{..}{..}" or with white space between), as HEC reads them. */
function splitObjects(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i += 1;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') {
      if (depth === 0) start = i;
      depth += 1;
    } else if (ch === '}') {
      depth -= 1;
      if (depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
    } else if (depth === 0 && !/\s/.test(ch ?? '')) throw new Error('junk between objects');
  }
  if (depth !== 0) throw new Error('unterminated object');
  return out;
}

export async function startSplunk(token: string): Promise<SplunkServer> {
  const s: Omit<SplunkServer, 'url' | 'close'> = { events: [], envelopes: [], requests: [], down: false };
  const server = http.createServer((req, res) => {
    void readBody(req).then((body) => {
      const answer = (status: number, text: string, code: number, events = 0) => {
        s.requests.push({ status, events });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ text, code }));
      };
      if (req.method !== 'POST' || req.url !== '/services/collector/event') return answer(404, 'Not found', 404);
      if (s.down) return answer(503, 'Server is busy', 9);
      const auth = req.headers.authorization;
      if (!auth) return answer(401, 'Token is required', 2);
      if (auth !== `Splunk ${token}`) return answer(403, 'Invalid token', 4);
      let objects: unknown[];
      try {
        objects = splitObjects(body);
      } catch {
        return answer(400, 'Invalid data format', 6);
      }
      for (const o of objects) {
        if (!o || typeof o !== 'object' || !('event' in o)) return answer(400, 'Event field is required', 12);
      }
      for (const o of objects as { event: Record<string, unknown> }[]) {
        s.events.push(o.event);
        s.envelopes.push(o);
      }
      return answer(200, 'Success', 0, objects.length);
    });
  });
  const port = await listen(server);
  return Object.assign(s, { url: `http://127.0.0.1:${port}`, close: closer(server) });
}

export interface ElasticServer {
  url: string;
  /** Documents by index, then _id. */
  docs: Map<string, Map<string, Record<string, unknown>>>;
  /** How many times each _id was indexed (1: exactly once). */
  writes: Map<string, number>;
  requests: { items: number; errors: boolean; headers: http.IncomingHttpHeaders }[];
  down: boolean;
  /** Status of one item (200/201 unless it says otherwise), called before the item is applied. */
  itemStatus: (id: string, doc: Record<string, unknown>) => number;
  close(): Promise<void>;
}

const ITEM_ERRORS: Record<number, { type: string; reason: string }> = {
  400: { type: 'mapper_parsing_exception', reason: 'failed to parse field [count] of type [long]' },
  429: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' },
  503: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' },
};

export async function startElastic(): Promise<ElasticServer> {
  const s: Omit<ElasticServer, 'url' | 'close'> = {
    docs: new Map(),
    writes: new Map(),
    requests: [],
    down: false,
    itemStatus: () => 201,
  };
  const server = http.createServer((req, res) => {
    void readBody(req).then((body) => {
      if (req.method !== 'POST' || req.url !== '/_bulk') return res.writeHead(404).end();
      if (s.down) {
        return res
          .writeHead(503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { type: 'cluster_block_exception' }, status: 503 }));
      }
      if (!String(req.headers['content-type']).startsWith('application/x-ndjson') || !body.endsWith('\n')) {
        return res.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            error: { type: 'illegal_argument_exception', reason: 'The bulk request must be terminated by a newline' },
            status: 400,
          }),
        );
      }
      const lines = body.split('\n').filter((l) => l !== '');
      const items: Record<string, unknown>[] = [];
      let errors = false;
      for (let i = 0; i < lines.length; i += 2) {
        const action = JSON.parse(lines[i]!) as { index?: { _index: string; _id: string } };
        const doc = JSON.parse(lines[i + 1] ?? 'null') as Record<string, unknown>;
        const meta = action.index!;
        const status = s.itemStatus(meta._id, doc);
        if (status >= 300) {
          errors = true;
          items.push({
            index: { _index: meta._index, _id: meta._id, status, error: ITEM_ERRORS[status] ?? { type: 'x' } },
          });
          continue;
        }
        const index = s.docs.get(meta._index) ?? new Map<string, Record<string, unknown>>();
        s.docs.set(meta._index, index);
        const existed = index.has(meta._id);
        index.set(meta._id, doc);
        s.writes.set(meta._id, (s.writes.get(meta._id) ?? 0) + 1);
        items.push({
          index: {
            _index: meta._index,
            _id: meta._id,
            status: existed ? 200 : 201,
            result: existed ? 'updated' : 'created',
          },
        });
      }
      s.requests.push({ items: items.length, errors, headers: req.headers });
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ took: 3, errors, items }));
    });
  });
  const port = await listen(server);
  return Object.assign(s, { url: `http://127.0.0.1:${port}`, close: closer(server) });
}

const run = promisify(execFile);

export interface Rsyslog {
  udpPort: number;
  tcpPort: number;
  tlsPort: number;
  caFile: string;
  /** The MSG of every message received so far, per listener ('udp' | 'tcp' | 'tls'). */
  messages(): Promise<Record<'udp' | 'tcp' | 'tls', string[]>>;
  /** Waits until `n` messages arrived on the listener (or the time is up). */
  waitFor(kind: 'udp' | 'tcp' | 'tls', n: number, ms?: number): Promise<string[]>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export const RSYSLOGD = '/usr/sbin/rsyslogd';

export async function rsyslogAvailable(): Promise<boolean> {
  return fs.access(RSYSLOGD).then(
    () => true,
    () => false,
  );
}

/** Starts Debian's rsyslogd in the foreground with its own configuration, state and files in a temporary folder. */
export async function startRsyslog(): Promise<Rsyslog> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-rsyslog-'));
  const caKey = path.join(dir, 'ca.key');
  const caFile = path.join(dir, 'ca.pem');
  const key = path.join(dir, 'server.key');
  const csr = path.join(dir, 'server.csr');
  const cert = path.join(dir, 'server.pem');
  const ext = path.join(dir, 'ext.cnf');
  await fs.writeFile(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    caFile,
    '-days',
    '2',
    '-subj',
    '/CN=dmarc test CA',
  ]);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=localhost']);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caFile,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  const [udpPort, tcpPort, tlsPort] = [await freePort(), await freePort(), await freePort()];
  const conf = path.join(dir, 'rsyslog.conf');
  const file = (k: string) => path.join(dir, `${k}.log`);
  await fs.writeFile(
    conf,
    `global(workDirectory="${dir}" defaultNetstreamDriverCAFile="${caFile}" defaultNetstreamDriverCertFile="${cert}" defaultNetstreamDriverKeyFile="${key}")
module(load="imudp")
module(load="imtcp" maxSessions="100")
template(name="msgonly" type="string" string="%msg%\\n")
ruleset(name="udp") { action(type="omfile" file="${file('udp')}" template="msgonly") }
ruleset(name="tcp") { action(type="omfile" file="${file('tcp')}" template="msgonly") }
ruleset(name="tls") { action(type="omfile" file="${file('tls')}" template="msgonly") }
input(type="imudp" address="127.0.0.1" port="${udpPort}" ruleset="udp")
input(type="imtcp" address="127.0.0.1" port="${tcpPort}" ruleset="tcp" SupportOctetCountedFraming="on")
input(type="imtcp" address="127.0.0.1" port="${tlsPort}" ruleset="tls" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon" SupportOctetCountedFraming="on")
`,
  );
  const child: ChildProcess = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', path.join(dir, 'rsyslogd.pid')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const tcpUp = async (port: number) => {
    for (let i = 0; i < 100; i += 1) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      if (ok) return;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`rsyslogd did not listen on ${port}: ${stderr}`);
  };
  await tcpUp(tcpPort);
  await tcpUp(tlsPort);
  const read = async (k: 'udp' | 'tcp' | 'tls') =>
    (await fs.readFile(file(k), 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
  const messages = async () => ({ udp: await read('udp'), tcp: await read('tcp'), tls: await read('tls') });
  return {
    udpPort,
    tcpPort,
    tlsPort,
    caFile,
    messages,
    waitFor: async (k, n, ms = 10_000) => {
      const until = Date.now() + ms;
      let got = await read(k);
      while (got.length < n && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        got = await read(k);
      }
      return got;
    },
    close: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
