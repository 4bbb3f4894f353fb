// `dmarc user create | reset-password | list` as a user runs them (not on a terminal: passwords generated).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('dmarc user', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-cli-user-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  const env = (): Record<string, string> => ({ DMARC_DATA_DIR: dir });

  it('creates a user and prints the generated password once; refuses a duplicate e-mail', async () => {
    const r = await runCli(['user', 'create', '--email', 'Ops@Example.com', '--role', 'admin'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/created admin Ops@Example.com/);
    expect(r.stdout).toMatch(/password \(shown once\): \S{20}/);
    const dup = await runCli(['user', 'create', '--email', 'ops@example.com'], env());
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already exists/);
  });

  it('lists users (JSON) and resets a password', async () => {
    const list = await runCli(['user', 'list', '--json'], env());
    const users = JSON.parse(list.stdout) as { email: string; role: string }[];
    expect(users).toEqual([expect.objectContaining({ email: 'Ops@Example.com', role: 'admin' })]);
    expect(list.stdout).not.toMatch(/password/i);
    const reset = await runCli(['user', 'reset-password', '--email', 'ops@example.com'], env());
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/password \(shown once\): \S{20}/);
    const missing = await runCli(['user', 'reset-password', '--email', 'nobody@example.com'], env());
    expect(missing.code).toBe(1);
  });

  it('validates options', async () => {
    const r = await runCli(['user', 'create', '--email', 'x@example.com', '--role', 'root'], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/admin, analyst|viewer, analyst, admin/);
    const help = await runCli(['user', 'create', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: dmarc user create/);
  });
});
