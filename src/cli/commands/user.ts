import crypto from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import type { AuthService } from '../../auth/service.js';
import { USER_ROLES, type UserRole } from '../../auth/roles.js';
import type { Config } from '../../config/index.js';
import type { Database } from '../../store/database.js';
import { configFrom, orgFrom, withDatabase } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { canPrompt, promptNewPassword } from '../prompt-password.js';

function parseRole(v: string): UserRole {
  if (!USER_ROLES.includes(v as UserRole)) throw new InvalidArgumentError(`expected one of ${USER_ROLES.join(', ')}`);
  return v as UserRole;
}

function parseEmail(v: string): string {
  if (!/^[^\s@]+@[^\s@]+$/.test(v)) throw new InvalidArgumentError(`expected an e-mail address, got '${v}'`);
  return v.trim();
}

/** User management needs no token key: tokens are only issued by the server. */
async function service(config: Config, db: Database): Promise<AuthService> {
  const { AuthService } = await import('../../auth/service.js');
  return new AuthService(db, {
    secret: crypto.randomBytes(64),
    accessTokenTtlSeconds: config.auth.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
    loginMaxFailures: config.security.loginMaxFailures,
  });
}

async function userError(err: unknown): Promise<never> {
  const [{ AuthError }, { UserConflictError }] = await Promise.all([
    import('../../auth/service.js'),
    import('../../auth/users.js'),
  ]);
  if (err instanceof UserConflictError || err instanceof AuthError) throw new CliError(err.message, EXIT.failure);
  throw err;
}

async function passwordFromTerminal(): Promise<string | undefined> {
  return canPrompt() ? promptNewPassword() : undefined;
}

export function userCommand(): Command {
  const user = new Command('user').description(
    'manage users: a role (admin, analyst, viewer) in an organisation (--org), platform administrators',
  );

  user
    .command('create')
    .description('create a user; on a terminal you are asked for the password, else one is generated and printed once')
    .requiredOption('--email <email>', 'e-mail address (unique, whatever its case)', parseEmail)
    .option('--name <name>', 'display name (default: the e-mail address)')
    .option(
      '--role <role>',
      `role in the organisation (--org): one of ${USER_ROLES.join(', ')}`,
      parseRole,
      'viewer' as UserRole,
    )
    .option('--platform-admin', 'also a platform administrator (manages every organisation)')
    .option('--generate-password', 'generate a password even on a terminal')
    .action(
      async (
        opts: { email: string; name?: string; role: UserRole; platformAdmin?: boolean; generatePassword?: boolean },
        cmd: Command,
      ) => {
        const config = configFrom(cmd);
        const password = opts.generatePassword ? undefined : await passwordFromTerminal();
        await withDatabase(config, async (db) => {
          const org = await orgFrom(cmd, db);
          try {
            const r = await (
              await service(config, db)
            ).createUser({
              email: opts.email,
              name: opts.name ?? opts.email,
              platformAdmin: opts.platformAdmin === true,
              member: { orgId: org.id, role: opts.role },
              ...(password !== undefined ? { password } : {}),
            });
            console.log(
              `created ${opts.role} ${r.user.email} (id ${r.user.id}) in ${org.slug}` +
                (r.user.platformAdmin ? ', platform administrator' : ''),
            );
            if (r.generatedPassword) console.log(`password (shown once): ${r.generatedPassword}`);
          } catch (err) {
            await userError(err);
          }
        });
      },
    );

  user
    .command('reset-password')
    .description("set a new password (asked on a terminal, else generated and printed once); ends the user's sessions")
    .requiredOption('--email <email>', 'the user', parseEmail)
    .option('--generate-password', 'generate a password even on a terminal')
    .option('--revoke-keys', "also revoke the user's API keys (a password reset leaves them working otherwise)")
    .action(async (opts: { email: string; generatePassword?: boolean; revokeKeys?: boolean }, cmd: Command) => {
      const config = configFrom(cmd);
      const password = opts.generatePassword ? undefined : await passwordFromTerminal();
      await withDatabase(config, async (db) => {
        const svc = await service(config, db);
        const u = await svc.findUserByEmail(opts.email);
        if (!u) throw new CliError(`no user ${opts.email}`, EXIT.failure);
        try {
          const generated = await svc.resetPassword(u.id, password);
          console.log(`password of ${u.email} changed; their sessions were ended`);
          if (generated) console.log(`password (shown once): ${generated}`);
          if (opts.revokeKeys) {
            console.log(`API keys revoked: ${await svc.keys.revokeAllOf(u.id)}`);
          } else {
            const live = await svc.keys.countLive(u.id);
            if (live > 0) {
              console.log(
                `note: ${live} API key${live === 1 ? '' : 's'} of ${u.email} still work${live === 1 ? 's' : ''}; ` +
                  'revoke them with --revoke-keys (or one by one on the Users page)',
              );
            }
          }
        } catch (err) {
          await userError(err);
        }
      });
    });

  user
    .command('list')
    .description('list the members of an organisation (--org) with their role')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const config = configFrom(cmd);
      await withDatabase(config, async (db) => {
        const svc = await service(config, db);
        const { publicUser } = await import('../../auth/service.js');
        const org = await orgFrom(cmd, db);
        const all = [];
        let after: number | undefined;
        for (;;) {
          const page = await svc.listMembers(org.id, { limit: 500, afterId: after });
          all.push(...page.items.map((m) => publicUser(m, m.role)));
          if (page.nextAfterId === null) break;
          after = page.nextAfterId;
        }
        if (opts.json) return console.log(JSON.stringify(all));
        if (all.length === 0) return console.log(`no members in ${org.slug} (dmarc serve creates the first admin)`);
        for (const u of all) {
          console.log(
            `${String(u.id).padStart(4)}  ${u.role.padEnd(8)} ${u.active ? 'active  ' : 'inactive'} ${u.email}  ${u.name}` +
              (u.platformAdmin ? '  (platform administrator)' : ''),
          );
        }
      });
    });
  return user;
}
