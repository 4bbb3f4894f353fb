// Local stand-ins for the services alerts are sent to: an HTTP server that records every request (method, path,
// headers, raw body) and answers by path — /fail*: 500 echoing the path (a service that repeats the webhook URL,
// which must never reach a log), /hang*: no answer, /gone*: 404, anything else: 200 — and a real SMTP server
// (smtp-server) that keeps every message it receives, with a login when asked.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer } from 'smtp-server';

export interface Recorded {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Recorder {
  url: (path: string) => string;
  port: number;
  requests: Recorded[];
  on(path: string): Recorded[];
  close(): Promise<void>;
}

export async function startRecorder(): Promise<Recorder> {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      requests.push({ method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (path.startsWith('/hang')) return; // never answers
      if (path.startsWith('/fail')) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`internal error at ${path}`);
      } else if (path.startsWith('/gone')) {
        res.writeHead(404).end('no such webhook');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (p) => `http://127.0.0.1:${port}${p}`,
    requests,
    on: (p) => requests.filter((r) => r.path === p),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface MailSink {
  port: number;
  mails: { from: string; to: string[]; email: Email; raw: string }[];
  logins: { user: string; password: string }[];
  close(): Promise<void>;
}

export async function startSmtp(login?: { user: string; password: string }): Promise<MailSink> {
  const mails: MailSink['mails'] = [];
  const logins: MailSink['logins'] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: login ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !login,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      logins.push({ user: auth.username ?? '', password: auth.password ?? '' });
      if (login && auth.username === login.user && auth.password === login.password) return cb(null, { user: 1 });
      return cb(new Error('invalid login'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString();
        void PostalMime.parse(raw).then((email) => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            email,
            raw,
          });
          cb();
        }, cb);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, logins, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
