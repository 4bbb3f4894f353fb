// A private Dovecot IMAP server for the tests: its own config dir, passwd-file users, maildirs in a temp dir,
// loopback ports, a self-signed certificate (TLS on connect and STARTTLS), and XOAUTH2 checked against a local
// introspection endpoint. Started in the foreground as a child of the test process (no system service);
// `.ci/run` installs Debian's dovecot-imapd.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const DOVECOT_BIN = process.env.DOVECOT_BIN ?? '/usr/sbin/dovecot';

export function dovecotInstalled(): boolean {
  return existsSync(DOVECOT_BIN) && existsSync('/usr/bin/openssl');
}

export interface Dovecot {
  host: '127.0.0.1';
  /** Plain IMAP (STARTTLS offered). */
  port: number;
  /** IMAP over TLS. */
  tlsPort: number;
  /** PEM of the server's self-signed certificate (to trust as CA). */
  certFile: string;
  user: string;
  password: string;
  /** An access token the introspection endpoint accepts for `user`. */
  oauthToken: string;
  dir: string;
  stop(): Promise<void>;
}

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

function ids(): { uid: number; gid: number; internal: string; internalGroup: string; login: string } {
  const me = os.userInfo();
  if (me.uid !== 0) {
    const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
    return { uid: me.uid, gid: me.gid, internal: me.username, internalGroup: group, login: me.username };
  }
  // As root, Dovecot wants unprivileged users for its own processes and the mail files: the package's.
  const uid = Number(execFileSync('id', ['-u', 'dovecot'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'dovecot'], { encoding: 'utf8' }).trim());
  return { uid, gid, internal: 'dovecot', internalGroup: 'dovecot', login: 'dovenull' };
}

async function waitForPort(port: number, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) {
      throw new Error(`dovecot exited (${child.exitCode}): ${await fs.readFile(log, 'utf8').catch(() => '')}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`dovecot did not listen on ${port}: ${await fs.readFile(log, 'utf8').catch(() => '')}`);
}

export async function startDovecot(): Promise<Dovecot> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-dovecot-'));
  await fs.chmod(dir, 0o755);
  const u = ids();
  for (const d of ['run', 'state', 'mail', 'home']) await fs.mkdir(path.join(dir, d));
  await fs.chown(path.join(dir, 'mail'), u.uid, u.gid);
  await fs.chown(path.join(dir, 'home'), u.uid, u.gid);
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2'].concat([
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]),
    { stdio: 'ignore' },
  );
  const user = 'dmarc@example.test';
  const password = crypto.randomBytes(12).toString('hex');
  const oauthToken = crypto.randomBytes(24).toString('base64url');
  await fs.writeFile(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}\n`);

  // The OAuth2 authorization server's token introspection (RFC 7662), as Dovecot's oauth2 passdb calls it.
  const introspection = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('token');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(token === oauthToken ? { active: true, username: user } : { active: false }));
    });
  });
  await new Promise<void>((r) => introspection.listen(0, '127.0.0.1', r));
  const ia = introspection.address();
  const introspectionPort = typeof ia === 'object' && ia ? ia.port : 0;
  await fs.writeFile(
    path.join(dir, 'oauth2.conf.ext'),
    [
      'introspection_mode = post',
      `introspection_url = http://127.0.0.1:${introspectionPort}/introspect`,
      'username_attribute = username',
      'active_attribute = active',
      'active_value = true',
      '',
    ].join('\n'),
  );

  const port = await freePort();
  const tlsPort = await freePort();
  const log = path.join(dir, 'dovecot.log');
  const conf = path.join(dir, 'dovecot.conf');
  await fs.writeFile(
    conf,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = dmarc-test-${path.basename(dir)}
log_path = ${log}
protocols = imap
listen = 127.0.0.1
default_internal_user = ${u.internal}
default_internal_group = ${u.internalGroup}
default_login_user = ${u.login}
first_valid_uid = ${Math.min(u.uid, 500)}
first_valid_gid = 0
mail_location = maildir:${dir}/mail/%u
ssl = yes
ssl_cert = <${certFile}
ssl_key = <${keyFile}
disable_plaintext_auth = no
# XOAUTH2 only (no OAUTHBEARER), as Microsoft 365 offers it
auth_mechanisms = plain login xoauth2
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
passdb {
  driver = oauth2
  mechanisms = xoauth2
  args = ${dir}/oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=${u.uid} gid=${u.gid} home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${tlsPort}
    ssl = yes
  }
}
`,
  );
  const child = spawn(DOVECOT_BIN, ['-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitForPort(port, child, log);
    await waitForPort(tlsPort, child, log);
  } catch (err) {
    child.kill('SIGKILL');
    introspection.close();
    throw new Error(`${err instanceof Error ? err.message : err}\n${stderr}`);
  }
  return {
    host: '127.0.0.1',
    port,
    tlsPort,
    certFile,
    user,
    password,
    oauthToken,
    dir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await new Promise((r) => introspection.close(r));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
