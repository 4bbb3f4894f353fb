// `dmarc serve` and `dmarc api` on a port another program holds: one line saying what to do, the catalogue's exit
// status, and no first admin created (its one-time password would be lost); started again on a free port, the
// admin is created then and its password printed.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/model/error-codes.js';
import { runCli, startCli } from '../support/cli.js';

function holdPort(): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;

describe('a busy port', () => {
  let held: net.Server;
  let dataDir: string;
  beforeAll(async () => {
    held = await holdPort();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-port-'));
  });
  afterAll(async () => {
    await new Promise((r) => held.close(r));
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('dmarc serve says the port is in use and creates no admin; on a free port the password is printed', async () => {
    const port = portOf(held);
    const env = { DMARC_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port) };
    const busy = await runCli(['serve'], env);
    expect(busy.stderr).toBe(`dmarc: port ${port} is in use: set PORT to a free one\n`);
    expect(busy.code).toBe(ErrorCodes.port_in_use.exit);
    expect(busy.stdout).not.toMatch(/password|admin/i);
    // the check comes before the database is opened: nothing was created
    await expect(fs.readdir(dataDir)).resolves.toEqual([]);

    // --port says the same about the port it names
    const flag = await runCli(['serve', '--port', String(port)], { ...env, PORT: undefined });
    expect(flag.stderr).toBe(`dmarc: port ${port} is in use: set PORT to a free one\n`);

    const server = startCli(['serve'], { ...env, PORT: '0' });
    try {
      const out = await server.waitFor(/serving on http:\/\/127\.0\.0\.1:\d+/);
      expect(out).toMatch(/created the first admin admin@localhost with the password: \S{12,}/);
    } finally {
      const end = await server.stop();
      expect(end.stderr).not.toMatch(/internal error/);
    }
  });

  it('dmarc api says the same, before connecting to PostgreSQL or Redis', async () => {
    const port = portOf(held);
    const r = await runCli(['api'], {
      HOST: '127.0.0.1',
      PORT: String(port),
      // nothing listens there: the port is checked first
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      REDIS_URL: 'redis://127.0.0.1:1/0',
      JWT_SECRET: 'x'.repeat(64),
    });
    expect(r.stderr).toBe(`dmarc: port ${port} is in use: set PORT to a free one\n`);
    expect(r.code).toBe(ErrorCodes.port_in_use.exit);
  });

  it('an address that is not this machine names HOST', async () => {
    // 192.0.2.1 (TEST-NET-1) is never configured on a test machine
    const r = await runCli(['serve'], { DMARC_DATA_DIR: dataDir, HOST: '192.0.2.1', PORT: '8080' });
    expect(r.stderr).toBe(
      'dmarc: HOST 192.0.2.1 is not an address of this machine: set HOST, e.g. 0.0.0.0 for every address\n',
    );
    expect(r.code).toBe(ErrorCodes.host_not_available.exit);
  });
});
