// Enrichment never holds up ingestion: files go through the worker as `dmarc serve` wires it (in-process queue,
// the real "report stored" sink, enrich-sources), with DNS that does not answer or is not there at all.
import fs from 'node:fs/promises';
import dgram from 'node:dgram';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/analytics/cache.js';
import { loadConfig } from '../../src/config/index.js';
import { NO_SINK } from '../../src/events/report-stored.js';
import { acceptFile } from '../../src/ingest/accept-file.js';
import { processFileKey } from '../../src/jobs/queue.js';
import { startBackground, type Background } from '../../src/runtime/background.js';
import { createLogger } from '../../src/runtime/logger.js';
import { getFile } from '../../src/store/files.js';
import { enrichmentFor } from '../../src/store/ip-enrichment.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { reverseName, startDnsServer } from '../support/dns-server.js';
import { DEFAULT_ORG_ID } from '../support/org.js';
import { reportXml } from '../support/report-xml.js';

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A UDP port on loopback with nothing listening. */
/**
 * A loopback address no other suite binds (they all use 127.0.0.1), so that the port stays dead while the test
 * runs: on 127.0.0.1 a DNS server of a suite running in parallel was once given the same port (answer: nodata).
 */
const DEAD_HOST = '127.7.7.7';

async function deadPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, DEAD_HOST, () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('ingestion with DNS down', () => {
  let t: TestDatabase;
  let dir: string;
  let background: Background | undefined;
  let seq = 0;

  beforeEach(async () => {
    t = await openPglite();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-ingest-dns-'));
  });
  afterEach(async () => {
    await background?.stop(5000);
    background = undefined;
    await t.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>) => {
    const config = loadConfig({ DMARC_DATA_DIR: dir, DMARC_LOG_LEVEL: 'silent', DMARC_RDNS: 'on', ...env });
    background = await startBackground(
      config,
      { db: t.db, cache: new MemoryCache(60), log: createLogger(config) },
      { worker: true, scheduler: false },
    );
    return background.queue;
  };
  const upload = async (ips: string[]) => {
    const queue = background!.queue;
    const r = await acceptFile(
      t.db,
      {
        orgId: DEFAULT_ORG_ID,
        bytes: Buffer.from(reportXml({ reportId: `dns-down-${++seq}`, ips })),
        name: `r${seq}.xml`,
        source: 'upload',
      },
      {
        limits: loadConfig({}).limits,
        enqueue: (ref) => queue.enqueue('process-file', ref, { dedupeKey: processFileKey(ref.fileId) }),
        sink: NO_SINK,
      },
    );
    expect(r.status).toBe('accepted');
    return r.fileId;
  };
  const processed = (fileId: number) => async () =>
    (await getFile(t.db, DEFAULT_ORG_ID, fileId))?.status === 'processed';

  it('a report is stored while its reverse lookups wait on a server that does not answer', async () => {
    const dns = await startDnsServer(
      {
        [reverseName('209.85.220.41')]: { PTR: ['mail-sor-f41.google.com'] },
        'mail-sor-f41.google.com': { A: ['209.85.220.41'] },
      },
      { hold: true },
    );
    try {
      await start({ DMARC_DNS_SERVERS: dns.address, DMARC_DNS_TIMEOUT_MS: '30000' });
      const fileId = await upload(['209.85.220.41', '8.8.8.8']);
      await until('the file to be processed', processed(fileId));
      // the enrichment has started and waits for DNS; the report is stored all the same
      await until('the PTR query', () => Promise.resolve(dns.queries.length > 0));
      expect((await t.db.query('SELECT id FROM reports')).rows).toHaveLength(1);
      expect((await enrichmentFor(t.db, DEFAULT_ORG_ID, ['209.85.220.41'])).size).toBe(0);
      dns.release();
      await until(
        'the enrichment',
        async () => (await enrichmentFor(t.db, DEFAULT_ORG_ID, ['209.85.220.41'])).size > 0,
      );
      expect((await enrichmentFor(t.db, DEFAULT_ORG_ID, ['209.85.220.41'])).get('209.85.220.41')).toMatchObject({
        ptr: 'mail-sor-f41.google.com',
        fcrdns: true,
        asn: 15169,
      });
    } finally {
      await dns.close();
    }
  });

  it('reports keep being stored with DMARC_DNS_SERVERS on a dead port; their sources get country and AS', async () => {
    const port = await deadPort();
    await start({ DMARC_DNS_SERVERS: `${DEAD_HOST}:${port}`, DMARC_DNS_TIMEOUT_MS: '1000' });
    const files: number[] = [];
    for (let i = 0; i < 5; i++) files.push(await upload([`8.8.8.${i + 1}`, '1.1.1.1', '10.9.8.7']));
    for (const f of files) await until(`file ${f}`, processed(f));
    await background!.queue.drain();
    const e = await enrichmentFor(t.db, DEFAULT_ORG_ID, ['1.1.1.1', '8.8.8.3', '10.9.8.7']);
    expect(e.get('1.1.1.1')).toMatchObject({ asn: 13335, ptr: null });
    // nothing listens: the port is unreachable at once (ECONNREFUSED)
    expect(e.get('1.1.1.1')!.dnsStatus).toBe('refused');
    expect(e.get('8.8.8.3')).toMatchObject({ asn: 15169, country: 'US' });
    expect(e.get('10.9.8.7')).toMatchObject({ reserved: 'private', dnsStatus: 'skipped' });
  });
});
