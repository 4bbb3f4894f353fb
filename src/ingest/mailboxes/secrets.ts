// Reading a mailbox's secret where its configuration says it is (a file, or an environment variable), at every
// run: a rotated secret is picked up without a restart. The messages name the file or the variable, never the value.
import fs from 'node:fs/promises';
import type { SecretSource } from '../../config/mailboxes.js';
import { MailboxCredentialError } from './errors.js';

export async function readSecretFile(file: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new MailboxCredentialError(
      `cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const secret = text.trim();
  if (secret === '') throw new MailboxCredentialError(`the ${what} file ${file} is empty`);
  return secret;
}

export async function readSecret(source: SecretSource, what: string): Promise<string> {
  if ('file' in source) return readSecretFile(source.file, what);
  const value = process.env[source.env]?.trim();
  if (!value) throw new MailboxCredentialError(`the environment variable ${source.env} (${what}) is not set`);
  return value;
}
