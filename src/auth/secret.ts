// The HS256 key of access tokens. JWT_SECRET when given (required with DATABASE_URL: every API process must
// share it); in embedded mode without it, one is generated once and kept in the data dir (mode 600).
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, type Config } from '../config/index.js';

export const SECRET_FILE = 'jwt-secret';

export async function loadJwtSecret(config: Config): Promise<Uint8Array> {
  if (config.auth.jwtSecret) return new TextEncoder().encode(config.auth.jwtSecret);
  if (config.database.kind === 'postgres') {
    throw new ConfigError(
      'JWT_SECRET',
      'must be set (at least 64 characters) when DATABASE_URL is set: every API process needs the same key',
    );
  }
  const file = path.join(config.dataDir, SECRET_FILE);
  await fs.mkdir(config.dataDir, { recursive: true });
  try {
    const text = (await fs.readFile(file, 'utf8')).trim();
    if (text.length < 64) throw new ConfigError('JWT_SECRET', `the key in ${file} is shorter than 64 characters`);
    return new TextEncoder().encode(text);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = crypto.randomBytes(64).toString('base64url');
  try {
    await fs.writeFile(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadJwtSecret(config);
    throw err;
  }
  return new TextEncoder().encode(secret);
}
