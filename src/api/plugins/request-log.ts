// What the server logs of each request, at a level that says whether it matters: one line when it is answered,
// at warn for a 5xx, at info when slower than DMARC_LOG_SLOW_REQUESTS, else at debug (Fastify's default, two info
// lines a request, made hundreds of lines in a short dashboard session). Errors keep their own line from the
// error handler (problem.ts).
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

export type RequestLogLevel = 'warn' | 'info' | 'debug';

export function requestLogLevel(status: number, responseTimeMs: number, slowRequestMs: number): RequestLogLevel {
  if (status >= 500) return 'warn';
  if (responseTimeMs >= slowRequestMs) return 'info';
  return 'debug';
}

const MESSAGES: Record<RequestLogLevel, string> = {
  warn: 'request answered with a server error',
  info: 'slow request',
  debug: 'request completed',
};

/** Fastify's hook for its own request log lines (the `logController` option). */
export class RequestLogController extends LogController {
  constructor(private readonly slowRequestMs: number) {
    super();
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const responseTime = Math.round(reply.elapsedTime * 10) / 10;
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime }, 'request errored');
      return;
    }
    const level = requestLogLevel(reply.statusCode, responseTime, this.slowRequestMs);
    reply.log[level]({ req: request, res: reply, responseTime }, MESSAGES[level]);
  }

  override routeNotFound(request: FastifyRequest): void {
    request.log.debug(`no route ${request.method} ${request.url.split('?')[0]}`);
  }
}
