// Where a process listens (HOST, PORT), and why it cannot, in the user's words. `dmarc serve` and `dmarc api` check
// the address before they open the database or create the first admin: a busy port found after the one-time
// password was printed would lose that password for a user who retries on another port.
import net from 'node:net';
import { AppError } from '../model/errors.js';

/** The error of a failed listen, said as what to do; undefined for errors that are not about the address. */
export function listenFailure(err: unknown, host: string, port: number): AppError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new AppError('port_in_use', `port ${port} is in use: set PORT to a free one`, { cause: err });
  }
  if (code === 'EACCES') {
    return new AppError(
      'port_not_permitted',
      `port ${port} needs privileges this process does not have: set PORT to one above 1023`,
      { cause: err },
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new AppError(
      'host_not_available',
      `HOST ${host} is not an address of this machine: set HOST, e.g. 0.0.0.0 for every address`,
      { cause: err },
    );
  }
  return undefined;
}

/**
 * Binds HOST:PORT for a moment and lets it go: throws the listenFailure of a busy or forbidden address. Port 0
 * (any free one) always succeeds. The real listen may still fail if another program takes the port in between;
 * its error is said the same way.
 */
export async function ensureCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      // exclusive: a port held by a cluster of ours must count as busy too
      probe.listen({ host, port, exclusive: true }, () => resolve());
    });
  } catch (err) {
    throw listenFailure(err, host, port) ?? err;
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
