// Syslog: each event one RFC 5424 message (`<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - JSON`, facility
// configurable, severity informational) over UDP (RFC 5426: one datagram each; nothing tells a lost one), TCP
// (RFC 6587 octet-counting framing: `LEN SP MSG`) or TLS (RFC 5425, same framing; the server's certificate checked
// against the system's CAs or the output's own `ca` certificates, unless allowInsecure). A batch is one connection: written, closed, and
// taken when the connection closed cleanly — syslog has no acknowledgement, so this is as sure as syslog gets.
// The host is checked against the private-address guard of webhooks (DMARC_WEBHOOK_ALLOW_PRIVATE) when saved and
// on every connection. Written here (node:net/tls/dgram): the npm syslog clients frame TCP with newlines only.
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import { z } from 'zod';
import { TargetRefusedError, refusedKind } from '../alerts/channels/guard.js';
import { defineOutput, type EventOutcome, type OutputSettings } from './define.js';
import type { OutputEvent } from './event.js';

export const SYSLOG_PROTOCOLS = ['udp', 'tcp', 'tls'] as const;

const config = z
  .object({
    host: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.:_-]+$/, 'must be a host name or an IP address'),
    port: z.number().int().min(1).max(65535).optional(),
    protocol: z.enum(SYSLOG_PROTOCOLS),
    // The CA certificates themselves (PEM), never a path: an organisation's admin must not make the server read
    // its files.
    ca: z
      .string()
      .max(64 * 1024)
      .regex(/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/, 'must be PEM certificates')
      .optional(),
    allowInsecure: z.boolean().optional(),
    appName: z
      .string()
      .regex(/^[!-~]{1,48}$/, 'must be 1 to 48 printable ASCII characters without spaces')
      .optional(),
    /** RFC 5424 facility number, 16 (local0) by default. */
    facility: z.number().int().min(0).max(23).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.protocol !== 'tls' && (c.ca !== undefined || c.allowInsecure !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['protocol'], message: 'ca and allowInsecure need protocol tls' });
    }
  });
export type SyslogConfig = z.infer<typeof config>;

/** Largest message sent over UDP (a datagram must fit; RFC 5426 asks receivers for at least 2048 bytes). */
export const MAX_UDP_MESSAGE = 60_000;

const SEVERITY_INFO = 6;

/** One RFC 5424 message. */
export function formatMessage(c: SyslogConfig, e: OutputEvent, at: Date): string {
  const pri = (c.facility ?? 16) * 8 + SEVERITY_INFO;
  const host =
    os
      .hostname()
      .replace(/[^!-~]/g, '')
      .slice(0, 255) || '-';
  return `<${pri}>1 ${at.toISOString()} ${host} ${c.appName ?? 'dmarc'} ${process.pid} aggregate - ${JSON.stringify(e)}`;
}

/** RFC 6587 octet counting: the message's length in bytes, a space, the message. */
export function frame(message: string): string {
  return `${Buffer.byteLength(message)} ${message}`;
}

/** The host's addresses, refused when one is not public (unless allowed). */
export async function checkSyslogHost(host: string, allowPrivate: boolean): Promise<string> {
  let addresses: string[];
  if (net.isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await dns.promises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw new TargetRefusedError(`the host ${host} does not resolve`);
    }
  }
  if (!allowPrivate) {
    for (const a of addresses) {
      const kind = refusedKind(a);
      if (kind) throw new TargetRefusedError(`the host ${host} is a ${kind} address (${a}): refused`);
    }
  }
  const first = addresses[0];
  if (!first) throw new TargetRefusedError(`the host ${host} has no address`);
  return first;
}

function defaultPort(c: SyslogConfig): number {
  return c.port ?? (c.protocol === 'tls' ? 6514 : 514);
}

async function sendStream(settings: OutputSettings, c: SyslogConfig, address: string, payload: string) {
  const ca = c.ca;
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const port = defaultPort(c);
    const socket =
      c.protocol === 'tls'
        ? tls.connect({
            host: address,
            port,
            servername: net.isIP(c.host) === 0 ? c.host : undefined,
            ...(ca ? { ca } : {}),
            rejectUnauthorized: c.allowInsecure !== true,
          })
        : net.connect({ host: address, port });
    const timer = setTimeout(
      () => done(new Error(`no connection within ${settings.timeoutMs} ms`)),
      settings.timeoutMs,
    );
    socket.on('error', (err: Error & { code?: string }) => done(new Error(`syslog: ${err.code ?? err.message}`)));
    socket.once(c.protocol === 'tls' ? 'secureConnect' : 'connect', () => {
      socket.end(payload);
    });
    socket.on('finish', () => socket.destroySoon?.());
    socket.on('close', (hadError: boolean) => (hadError ? done(new Error('syslog: connection failed')) : done()));
  });
}

async function sendUdp(settings: OutputSettings, c: SyslogConfig, address: string, messages: string[]) {
  const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
  try {
    for (const m of messages) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`syslog: not sent within ${settings.timeoutMs} ms`)),
          settings.timeoutMs,
        );
        socket.send(m, defaultPort(c), address, (err) => {
          clearTimeout(timer);
          if (err) reject(new Error(`syslog: ${(err as Error & { code?: string }).code ?? err.message}`));
          else resolve();
        });
      });
    }
  } finally {
    socket.close();
  }
}

export const syslogOutput = defineOutput<SyslogConfig>()({
  name: 'syslog',
  title: 'Syslog (RFC 5424 over UDP, TCP or TLS)',
  config,
  // the certificates are not secret, only long: answers say how many there are
  maskConfig: (c) => ({
    ...c,
    ...(c.ca ? { ca: `${c.ca.split('-----BEGIN CERTIFICATE-----').length - 1} certificate(s), PEM` } : {}),
  }),
  secrets: () => [],
  target: (c) => ({ host: c.host }),
  send: async (settings, c, events) => {
    const address = await checkSyslogHost(c.host, settings.allowPrivate);
    const at = new Date();
    const messages = events.map((e) => formatMessage(c, e, at));
    if (c.protocol !== 'udp') {
      await sendStream(settings, c, address, messages.map(frame).join(''));
      return;
    }
    const outcomes: EventOutcome[] = messages.map((m) =>
      Buffer.byteLength(m) > MAX_UDP_MESSAGE
        ? { ok: false, retry: false, error: `larger than ${MAX_UDP_MESSAGE} bytes: too big for a datagram` }
        : { ok: true },
    );
    await sendUdp(
      settings,
      c,
      address,
      messages.filter((_, i) => outcomes[i]?.ok),
    );
    return outcomes.some((o) => !o.ok) ? outcomes : undefined;
  },
});
