// First start with no users: an admin is created from DMARC_ADMIN_EMAIL / DMARC_ADMIN_PASSWORD, or with a
// generated password printed once to the console (never through the logger, so never into a log file). It is a
// platform administrator and an admin of the default organisation.
import type { AuthService } from '../auth/service.js';
import { UserConflictError } from '../auth/users.js';
import type { Config } from '../config/index.js';
import type { Database } from '../store/database.js';
import { DEFAULT_ORG_SLUG, findOrgBySlug } from '../store/organizations.js';

export const DEFAULT_ADMIN_EMAIL = 'admin@localhost';

export async function ensureFirstAdmin(
  auth: AuthService,
  config: Config,
  db: Database,
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<void> {
  if ((await auth.countUsers()) > 0) return;
  const email = config.auth.adminEmail ?? DEFAULT_ADMIN_EMAIL;
  const org = await findOrgBySlug(db, DEFAULT_ORG_SLUG);
  try {
    const { generatedPassword } = await auth.createUser({
      email,
      name: 'Administrator',
      platformAdmin: true,
      ...(org ? { member: { orgId: org.id, role: 'admin' as const } } : {}),
      ...(config.auth.adminPassword ? { password: config.auth.adminPassword } : {}),
    });
    if (generatedPassword) {
      print(`dmarc: created the first admin ${email} with the password: ${generatedPassword}`);
      print('dmarc: it is shown only this once; change it with `dmarc user reset-password --email ' + email + '`');
    } else {
      print(`dmarc: created the first admin ${email} (password from DMARC_ADMIN_PASSWORD)`);
    }
  } catch (err) {
    // Another process created it at the same moment.
    if (!(err instanceof UserConflictError)) throw err;
  }
}
