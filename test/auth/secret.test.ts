import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadJwtSecret } from '../../src/auth/secret.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('JWT secret', () => {
  it('embedded mode without JWT_SECRET: generated once, kept in the data dir with mode 600', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-secret-'));
    try {
      const config = loadConfig({ DMARC_DATA_DIR: dir });
      const a = await loadJwtSecret(config);
      const b = await loadJwtSecret(config);
      expect(Buffer.from(a).toString()).toBe(Buffer.from(b).toString());
      expect(a.byteLength).toBeGreaterThanOrEqual(64);
      const st = await fs.stat(path.join(dir, 'jwt-secret'));
      expect(st.mode & 0o777).toBe(0o600);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('JWT_SECRET shorter than 64 characters is refused at start-up with a clear message', () => {
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET: must be at least 64 characters/);
  });

  it('with DATABASE_URL the secret must be given', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@localhost/db' });
    await expect(loadJwtSecret(config)).rejects.toThrow(/JWT_SECRET: must be set/);
    const given = loadConfig({ DATABASE_URL: 'postgres://u@localhost/db', JWT_SECRET: 'k'.repeat(64) });
    expect(Buffer.from(await loadJwtSecret(given)).toString()).toBe('k'.repeat(64));
  });
});
