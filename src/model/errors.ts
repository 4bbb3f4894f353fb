// The base of every deliberate error of the product: a stable code from the catalogue (error-codes.ts), the HTTP
// status and CLI exit status that go with it, and whether its message may be shown to an API client. The API's
// error handler and the CLI's entry point map an AppError once, from these fields; a throw site only says what
// went wrong. Plain: importable by every layer, including parse/.
import { errorCodeInfo, type ErrorCode, type ErrorCodeInfo } from './error-codes.js';

export {
  ErrorCodes,
  EXIT_CODES,
  errorCodeInfo,
  isErrorCode,
  type ErrorCode,
  type ErrorCodeInfo,
} from './error-codes.js';

/** One invalid input field (problem body `errors`, config variables). */
export interface FieldError {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  /** Overrides the catalogue's status (legacy call sites that give their own). */
  status?: number;
  /**
   * May the message be shown to an API client? Default: yes below 500, no from 500 on (a server-side problem's
   * message may name hosts or files; the client gets a generic message and the error is logged).
   */
  expose?: boolean;
  /** Field by field, for validation problems. */
  errors?: FieldError[];
  /** Seconds after which trying again may succeed (Retry-After). */
  retryAfterSeconds?: number;
  /** Overrides the catalogue's exit status of the CLI. */
  exitCode?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly errors?: FieldError[];
  readonly retryAfterSeconds?: number;
  readonly exitCode: number;
  /** Default human title of the code (problem body `title`). */
  readonly title: string;
  /** Words before the message on the CLI's line, if the catalogue gives any. */
  readonly cliPrefix?: string;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    const info: ErrorCodeInfo = errorCodeInfo(code, options.status);
    this.code = code;
    this.status = info.status;
    this.title = info.title;
    this.expose = options.expose ?? info.status < 500;
    this.exitCode = options.exitCode ?? info.exit;
    if (info.cliPrefix !== undefined) this.cliPrefix = info.cliPrefix;
    if (options.errors !== undefined) this.errors = options.errors;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
