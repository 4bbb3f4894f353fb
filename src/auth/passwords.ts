// Passwords: bcrypt (cost 12) through bcryptjs, pure JavaScript, so nothing is downloaded or compiled at install.
import crypto from 'node:crypto';
import bcrypt from 'bcryptjs';

export const BCRYPT_COST = 12;
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 72; // bcrypt ignores bytes past 72

export function hashPassword(password: string, cost = BCRYPT_COST): Promise<string> {
  return bcrypt.hash(password, cost);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

/** A hash that matches nothing, compared against when the account does not exist (same timing). */
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string, cost = BCRYPT_COST): Promise<boolean> {
  dummyHash ??= bcrypt.hash(crypto.randomBytes(16).toString('hex'), cost);
  return bcrypt.compare(password, await dummyHash);
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
