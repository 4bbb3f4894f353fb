// `dmarc import` enriches the new reports' source IPs after its files (or leaves them, --no-enrich), and
// `dmarc enrich` backfills: what was never looked up or is stale, or everything with --all; reverse DNS against a
// server on loopback.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGliteDatabase } from '../../src/store/pglite.js';
import { runCli } from '../support/cli.js';
import { reverseName, startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { reportXml } from '../support/report-xml.js';

describe('dmarc enrich', () => {
  let dir: string;
  let dns: TestDnsServer;
  const env = (): Record<string, string> => ({ DMARC_DATA_DIR: path.join(dir, 'data') });
  const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-cli-enrich-'));
    dns = await startDnsServer({
      [reverseName('8.8.8.8')]: { PTR: ['dns.google'] },
      'dns.google': { A: ['8.8.8.8'] },
    });
    await fs.writeFile(
      path.join(dir, 'a.xml'),
      reportXml({ reportId: 'cli-a', ips: ['8.8.8.8', '1.1.1.1', '10.1.1.1'] }),
    );
    await fs.writeFile(path.join(dir, 'b.xml'), reportXml({ reportId: 'cli-b', ips: ['8.8.8.8', '9.9.9.9'] }));
  });
  afterAll(async () => {
    await dns.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('import enriches the new sources; --no-enrich leaves them to dmarc enrich', async () => {
    const a = await runCli(['import', '--json', path.join(dir, 'a.xml')], env());
    expect(a.code).toBe(0);
    expect(json(a.stdout)).toMatchObject({ reports: 1, enriched: 3 });
    const b = await runCli(['import', '--json', '--no-enrich', path.join(dir, 'b.xml')], env());
    expect(b.code).toBe(0);
    expect(json(b.stdout)).toMatchObject({ reports: 1, enriched: null });
    const e = await runCli(['enrich', '--json'], env());
    expect(e.code).toBe(0);
    expect(json(e.stdout)).toEqual({ org: 'default', scope: 'stale', enriched: 1, dnsTimeouts: null });
    const again = await runCli(['enrich'], env());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('enriched:      0 source IPs (new or stale)');
  }, 240_000);

  it('--all looks up every source again, with reverse DNS on the configured servers', async () => {
    const r = await runCli(['enrich', '--all', '--json'], {
      ...env(),
      DMARC_RDNS: 'on',
      DMARC_DNS_SERVERS: dns.address,
      DMARC_DNS_TIMEOUT_MS: '1000',
    });
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toEqual({ org: 'default', scope: 'all', enriched: 4, dnsTimeouts: 0 });
    // the private address was never asked about
    expect(dns.queries.filter((q) => q.endsWith(' PTR')).sort()).toEqual(
      [reverseName('8.8.8.8'), reverseName('1.1.1.1'), reverseName('9.9.9.9')].map((n) => `${n} PTR`).sort(),
    );
    const db = await PGliteDatabase.open(path.join(dir, 'data', 'pgdata'));
    try {
      const rows = await db.query<{ ip: string; ptr: string | null; fcrdns: boolean | null; dns_status: string }>(
        'SELECT host(ip) AS ip, ptr, fcrdns, dns_status FROM ip_enrichment ORDER BY ip_enrichment.ip',
      );
      expect(rows.rows).toEqual([
        { ip: '1.1.1.1', ptr: null, fcrdns: null, dns_status: 'nxdomain' },
        { ip: '8.8.8.8', ptr: 'dns.google', fcrdns: true, dns_status: 'ok' },
        { ip: '9.9.9.9', ptr: null, fcrdns: null, dns_status: 'nxdomain' },
        { ip: '10.1.1.1', ptr: null, fcrdns: null, dns_status: 'skipped' },
      ]);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('refuses an organisation that does not exist', async () => {
    const r = await runCli(['enrich', '--org', 'nope'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("dmarc: no organisation 'nope' (see dmarc org list)\n");
  });
});
