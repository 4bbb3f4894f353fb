// Errors from the API: RFC 9457 problem details, turned into an Error that pages can show plainly.

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string }[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail || problem.title || `request failed (HTTP ${problem.status})`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }
  get code(): string | undefined {
    return this.problem.code;
  }
}

/** The problem in a response body, or a made-up one when the body is not problem JSON. */
export function toProblem(status: number, body: unknown, statusText = ''): Problem {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const p: Problem = { status: typeof b.status === 'number' ? b.status : status };
    if (typeof b.type === 'string') p.type = b.type;
    if (typeof b.title === 'string') p.title = b.title;
    if (typeof b.detail === 'string') p.detail = b.detail;
    if (typeof b.code === 'string') p.code = b.code;
    if (Array.isArray(b.errors)) {
      p.errors = b.errors
        .filter((e): e is { field: string; message: string } => !!e && typeof e === 'object')
        .map((e) => ({ field: String(e.field), message: String(e.message) }));
    }
    if (p.detail || p.title) return p;
  }
  return { status, title: statusText || `HTTP ${status}`, detail: defaultDetail(status) };
}

function defaultDetail(status: number): string {
  if (status === 0) return 'the server could not be reached; check your connection';
  if (status === 401) return 'you are not signed in';
  if (status === 403) return 'your role does not allow this';
  if (status === 404) return 'not found';
  if (status === 413) return 'the upload is too large';
  if (status === 429) return 'too many requests; wait a moment and try again';
  if (status >= 500) return 'the server failed to answer; try again shortly';
  return `the request failed (HTTP ${status})`;
}

/** A one-line message for people: the detail, with field errors when there are any. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = err.problem.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
    return fields && !err.message.includes(fields) ? `${err.message} (${fields})` : err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
