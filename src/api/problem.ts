// RFC 9457 problem details: the one shape of every error answer (application/problem+json), with a stable
// `code` and, for validation, `errors: [{field, message}]`. No stack trace or SQL ever reaches a client.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  instance?: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A deliberate error answer; throw it from a handler. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

export function validationProblem(errors: FieldError[]): HttpProblem {
  return new HttpProblem(400, 'validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}

export function problemBody(status: number, code: string, detail: string, errors?: FieldError[]): ProblemBody {
  return {
    type: `https://dmarc-report-processor.dev/problems/${code.replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
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

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, problemBody(404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`)),
  );

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof HttpProblem)
      return sendProblem(reply, problemBody(err.status, err.code, err.detail, err.errors));
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
    const status = err.statusCode ?? 500;
    if (status === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE' || err.code === 'FST_FILES_LIMIT') {
      return sendProblem(reply, problemBody(413, 'payload_too_large', err.message));
    }
    if (status >= 400 && status < 500) {
      const code = (err.code ?? 'bad_request').replace(/^FST_(ERR_)?/, '').toLowerCase();
      return sendProblem(reply, problemBody(status, code, err.message));
    }
    req.log.error({ err }, 'request failed');
    return sendProblem(reply, problemBody(500, 'internal_error', 'an internal error occurred; it has been logged'));
  });
}
