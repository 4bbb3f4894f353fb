import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { parseByteSize } from '../../src/config/parse-values.js';

describe('configuration', () => {
  it('defaults to embedded PGlite in ./data', () => {
    const c = loadConfig({});
    expect(c.dataDir).toBe(path.resolve('data'));
    expect(c.database).toEqual({ kind: 'pglite', dir: path.resolve('data', 'pgdata') });
    expect(c.limits.maxInputBytes).toBe(50 * 1024 * 1024);
  });

  it('uses PostgreSQL when DATABASE_URL is set; flags override env', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/dmarc' }).database).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db:5432/dmarc',
    });
    const c = loadConfig({ DMARC_DATA_DIR: '/tmp/a' }, { dataDir: '/tmp/b' });
    expect(c.dataDir).toBe('/tmp/b');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', DMARC_DATA_DIR: '' }).database.kind).toBe('pglite');
  });

  it('reads human sizes', () => {
    expect(parseByteSize('50MB')).toBe(50_000_000);
    expect(parseByteSize('50 MiB')).toBe(50 * 1024 * 1024);
    expect(parseByteSize('1g')).toBe(1024 ** 3);
    expect(parseByteSize('123')).toBe(123);
    expect(parseByteSize('12 parsecs')).toBeUndefined();
    expect(loadConfig({ DMARC_MAX_INPUT_BYTES: '10MiB' }).limits.maxInputBytes).toBe(10 * 1024 * 1024);
  });

  it.each([
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_URL', 'not a url'],
    ['DMARC_MAX_INPUT_BYTES', 'lots'],
    ['DMARC_MAX_INPUT_BYTES', '0'],
    ['DMARC_MAX_ZIP_ENTRIES', '-3'],
    ['DMARC_MAX_COMPRESSION_RATIO', '1.5'],
    ['DMARC_LOG_LEVEL', 'loud'],
  ])('refuses %s=%s with a one-line error naming the variable', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg.startsWith(`${name}: `)).toBe(true);
    expect(msg).not.toContain('\n');
  });
});
