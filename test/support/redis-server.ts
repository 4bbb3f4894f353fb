// A Redis server of a test's own, on a free loopback port, that the test can kill (to see what the product does
// when Redis goes away). Needs the redis-server binary: without it the suite skips with a message, or fails
// under REQUIRE_SERVICES=1.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { servicesRequired } from './services.js';

export interface OwnRedis {
  port: number;
  url: string;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
}

/** true when redis-server can be started; warns that `skipped` is skipped, or throws under REQUIRE_SERVICES=1. */
export function redisServerAvailable(skipped: string): boolean {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (r.status === 0) return true;
  if (servicesRequired) throw new Error(`REQUIRE_SERVICES=1 but redis-server cannot be run (${skipped})`);
  console.warn(`redis-server not found: ${skipped} skipped`);
  return false;
}

/** A port nothing listens on (taken from the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.setTimeout(1000);
    c.once('connect', () => c.write('PING\r\n'));
    c.once('data', (d) => {
      c.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    c.once('error', () => resolve(false));
    c.once('timeout', () => {
      c.destroy();
      resolve(false);
    });
  });
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const proc: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    if (await answers(port)) break;
    if (proc.exitCode !== null || i > 100) throw new Error(`redis-server on port ${port} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
