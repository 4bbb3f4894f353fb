// Passwords: bcrypt (cost 12) through bcryptjs, pure JavaScript, so nothing is downloaded or compiled at install.
// Every hash and check runs in a small pool of worker threads (hash-pool.ts), never on the event loop.
import crypto from 'node:crypto';
import { HashPool, type HashPoolStats } from './hash-pool.js';

export const BCRYPT_COST = 12;
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 72; // bcrypt ignores bytes past 72

/** One pool per process: its size caps how many hashes run at once, whoever asks. */
let pool: HashPool | undefined;
function hashing(): HashPool {
  return (pool ??= new HashPool());
}

export function hashPassword(password: string, cost = BCRYPT_COST): Promise<string> {
  return hashing().hash(password, cost);
}

/** Any bcrypt hash ($2a$, $2b$, $2y$, whatever its cost), as bcryptjs has always written them. */
export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return hashing().compare(password, hash);
}

/** A hash (per cost) that matches nothing, compared against when the account does not exist (same timing). */
const dummyHashes = new Map<number, Promise<string>>();
export async function burnPasswordCheck(password: string, cost = BCRYPT_COST): Promise<boolean> {
  let dummy = dummyHashes.get(cost);
  if (!dummy) {
    dummy = hashPassword(crypto.randomBytes(16).toString('hex'), cost);
    dummyHashes.set(cost, dummy);
    dummy.catch(() => dummyHashes.delete(cost));
  }
  return verifyPassword(password, await dummy);
}

/** What the hashing pool has done (tests, diagnostics). */
export function passwordHashingStats(): HashPoolStats {
  return hashing().stats();
}

/** 20 characters from an unambiguous alphabet (~115 bits). */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = crypto.randomBytes(20);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** Why a password is refused, or undefined. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (Buffer.byteLength(password) > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} bytes`;
  return undefined;
}
