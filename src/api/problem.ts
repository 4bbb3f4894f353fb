// RFC 9457 problem details: the one shape of every error answer (application/problem+json), with a stable
// `code` and, for validation, `errors: [{field, message}]`. No stack trace or SQL ever reaches a client.
// The mapping of errors to answers happens here, once: any AppError (src/model/errors.ts) becomes a problem with
// its catalogue status and code; its message is shown only when the error says it may be (`expose`).
import { isStatementTimeout } from '../store/database.js';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { AppError, type ErrorCode, type FieldError } from '../model/errors.js';
import { ErrorCodes, STATUS_TITLES, isErrorCode } from '../model/error-codes.js';

export type { FieldError } from '../model/errors.js';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  instance?: string;
}

const INTERNAL_DETAIL = 'an internal error occurred; it has been logged';

/**
 * A deliberate error answer; throw it from a handler. Legacy constructor (status first, any code): new code
 * throws an AppError subclass with a catalogue code instead, and lets the catalogue give the status.
 */
export class HttpProblem extends AppError {
  constructor(
    status: number,
    code: string,
    readonly detail: string,
    errors?: FieldError[],
  ) {
    // A code missing from the catalogue is still answered, with the status given here.
    super(code as ErrorCode, detail, { status, expose: true, ...(errors ? { errors } : {}) });
    this.name = 'HttpProblem';
  }
}

export function validationProblem(errors: FieldError[]): HttpProblem {
  return new HttpProblem(400, 'validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}

export function problemBody(status: number, code: string, detail: string, errors?: FieldError[]): ProblemBody {
  return {
    type: `https://dmarc-report-processor.dev/problems/${code.replace(/_/g, '-')}`,
    // The catalogue's title when the code is in it with this status; else the status's reason phrase.
    title:
      isErrorCode(code) && ErrorCodes[code].status === status
        ? ErrorCodes[code].title
        : (STATUS_TITLES[status] ?? 'Error'),
    status,
    detail,
    code,
    ...(errors ? { errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(JSON.stringify(body));
}

interface AjvError {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
  keyword?: string;
}

function fieldOf(e: AjvError, context: string | undefined): string {
  const path = (e.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const missing = typeof e.params?.missingProperty === 'string' ? e.params.missingProperty : undefined;
  const extra = typeof e.params?.additionalProperty === 'string' ? e.params.additionalProperty : undefined;
  const name = [path, missing ?? extra].filter(Boolean).join('.');
  return name || (context ?? 'request');
}

function messageOf(e: AjvError): string {
  if (e.keyword === 'additionalProperties') return 'is not a known field';
  if (e.keyword === 'enum' && Array.isArray(e.params?.allowedValues)) {
    return `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
  }
  return e.message ?? 'is invalid';
}

/**
 * ioredis's errors for a command that could not reach the server: no offline queue while disconnected, retries
 * spent, or the connection closed under the command (a reply error from a live server is not one of them).
 */
export function isRedisUnreachable(err: unknown): boolean {
  const unreachable = (e: unknown): boolean =>
    e instanceof Error &&
    (e.name === 'MaxRetriesPerRequestError' ||
      /^Stream isn't writeable and enableOfflineQueue options is false$|^Reached the max retries per request limit|^Connection is closed\.$/.test(
        e.message,
      ));
  // one level of cause: an error that wraps the Redis one
  return unreachable(err) || (err instanceof Error && unreachable(err.cause));
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, problemBody(404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`)),
  );

  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (err instanceof AppError) {
      if (!err.expose || err.status >= 500) req.log.error({ err }, 'request failed');
      if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.ceil(err.retryAfterSeconds)));
      const detail = err.expose ? err.message : INTERNAL_DETAIL;
      const errors = err.expose ? err.errors : undefined;
      return sendProblem(reply, problemBody(err.status, err.code, detail, errors));
    }
    if (err.validation) {
      const errors = (err.validation as AjvError[]).map((e) => ({
        field: fieldOf(e, err.validationContext),
        message: messageOf(e),
      }));
      return sendProblem(
        reply,
        problemBody(400, 'validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors),
      );
    }
    // An analytics query that ran out of time (DMARC_API_STATEMENT_TIMEOUT): the server is busy, not broken.
    if (isStatementTimeout(err)) {
      reply.header('retry-after', '5');
      return sendProblem(
        reply,
        problemBody(
          503,
          'query_timeout',
          'the answer took too long to compute (DMARC_API_STATEMENT_TIMEOUT); try again shortly or narrow the filters',
        ),
      );
    }
    // Redis went away while the process runs (commands fail at once, never queue: src/runtime/redis.ts): the
    // request could not be answered now, which is a 503 to retry, not a server defect.
    if (isRedisUnreachable(err)) {
      req.log.warn({ err: err.message }, 'request failed: Redis does not answer');
      reply.header('retry-after', '5');
      return sendProblem(reply, problemBody(503, 'redis_unavailable', 'Redis does not answer; try again shortly'));
    }
    // The framework's own errors (body parsing, multipart limits): not AppErrors, mapped by status.
    const status = err.statusCode ?? 500;
    if (status === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE' || err.code === 'FST_FILES_LIMIT') {
      return sendProblem(reply, problemBody(413, 'payload_too_large', err.message));
    }
    if (status >= 400 && status < 500) {
      const code = (err.code ?? 'bad_request').replace(/^FST_(ERR_)?/, '').toLowerCase();
      return sendProblem(reply, problemBody(status, code, err.message));
    }
    req.log.error({ err }, 'request failed');
    return sendProblem(reply, problemBody(500, 'internal_error', INTERNAL_DETAIL));
  });
}
