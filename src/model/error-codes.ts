// Every error code the product answers with, in one place: its HTTP status, a default human title (the problem
// body's `title`), and the exit status of the `dmarc` command when the error ends it. The API error handler and
// the CLI read this catalogue; nothing else maps an error to a status or an exit code.
// Plain data: importable by every layer (model imports nothing).

export interface ErrorCodeInfo {
  /** HTTP status of the problem+json answer. */
  readonly status: number;
  /** Short human summary of the kind of problem; the same for every occurrence (RFC 9457 `title`). */
  readonly title: string;
  /** Exit status of `dmarc` when this error ends the command: 1 = it failed, 2 = bad usage or settings. */
  readonly exit: number;
  /** Words put before the message on the CLI's one line (`dmarc: <prefix>: <message>`). */
  readonly cliPrefix?: string;
}

/** 1: the command ran and failed; 2: it was asked wrongly (options, settings); 130: interrupted. */
export const EXIT_CODES = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

const usage = EXIT_CODES.usage;
const failure = EXIT_CODES.failure;

export const ErrorCodes = {
  // ---- requests (400) ----
  bad_request: { status: 400, title: 'Bad Request', exit: usage },
  validation_failed: { status: 400, title: 'Validation failed', exit: usage },
  invalid_cursor: { status: 400, title: 'Invalid cursor', exit: usage },
  unexpected_field: { status: 400, title: 'Unexpected field', exit: usage },
  no_files: { status: 400, title: 'No files', exit: usage },
  invalid_multipart: { status: 400, title: 'Unreadable multipart body', exit: usage },
  invalid_password: { status: 400, title: 'Password not acceptable', exit: failure },
  /** A sender rule (approved / not ours / our own server) with a bad CIDR, domain, service or name. */
  invalid_sender_rule: { status: 400, title: 'Invalid sender rule', exit: usage },

  // ---- authentication and access (401, 403) ----
  unauthenticated: { status: 401, title: 'Unauthorized', exit: failure },
  /** A token or API key that is expired, revoked or unknown. */
  invalid_credential: { status: 401, title: 'Invalid credential', exit: failure },
  /** Wrong e-mail or password at login. */
  invalid_credentials: { status: 401, title: 'Invalid credentials', exit: failure },
  invalid_token: { status: 401, title: 'Invalid token', exit: failure },
  forbidden: { status: 403, title: 'Forbidden', exit: failure },

  // ---- missing things (404) ----
  not_found: { status: 404, title: 'Not Found', exit: failure },
  user_not_found: { status: 404, title: 'User not found', exit: failure },
  api_key_not_found: { status: 404, title: 'API key not found', exit: failure },
  file_not_found: { status: 404, title: 'File not found', exit: failure },
  report_not_found: { status: 404, title: 'Report not found', exit: failure },
  failure_report_not_found: { status: 404, title: 'Failure report not found', exit: failure },
  source_not_found: { status: 404, title: 'Source not found', exit: failure },
  domain_not_found: { status: 404, title: 'Domain not found', exit: failure },
  sender_rule_not_found: { status: 404, title: 'Sender rule not found', exit: failure },
  task_not_found: { status: 404, title: 'Task run not found', exit: failure },
  mailbox_not_found: { status: 404, title: 'Mailbox not found', exit: failure },
  alert_not_found: { status: 404, title: 'Alert not found', exit: failure },
  alert_rule_not_found: { status: 404, title: 'Alert rule not found', exit: failure },
  alert_channel_not_found: { status: 404, title: 'Alert channel not found', exit: failure },
  output_not_found: { status: 404, title: 'Output not found', exit: failure },
  alert_suppression_not_found: { status: 404, title: 'Suppression not found', exit: failure },
  digest_not_found: { status: 404, title: 'Digest not found', exit: failure },
  /** An anomaly model the organisation does not have. */
  model_not_found: { status: 404, title: 'Model not found', exit: failure },
  /** An organisation the caller cannot enter, whether it exists or not (slugs cannot be probed). */
  organization_not_found: { status: 404, title: 'Organisation not found', exit: failure },

  // ---- conflicts (409) ----
  conflict: { status: 409, title: 'Conflict', exit: failure },
  email_taken: { status: 409, title: 'E-mail address taken', exit: failure },
  /** The organisation's last active admin. */
  last_admin: { status: 409, title: 'Last admin', exit: failure },
  last_platform_admin: { status: 409, title: 'Last platform administrator', exit: failure },
  /** A user who also belongs to other organisations: only a platform administrator changes them. */
  shared_user: { status: 409, title: 'User shared with other organisations', exit: failure },
  slug_taken: { status: 409, title: 'Organisation slug taken', exit: failure },
  too_many_keys: { status: 409, title: 'Too many API keys', exit: failure },
  imap_not_configured: { status: 409, title: 'No IMAP mailbox configured', exit: usage },
  /** Another rule or channel of the organisation has the name. */
  name_taken: { status: 409, title: 'Name taken', exit: failure },
  /** Acknowledging or resolving an alert that is resolved already. */
  alert_resolved: { status: 409, title: 'Alert resolved', exit: failure },
  /** Deleting a file a worker is processing right now (its reports would be stored after the delete). */
  file_processing: { status: 409, title: 'File being processed', exit: failure },
  /** An e-mail channel or a digest without an SMTP server (DMARC_SMTP_URL or DMARC_SMTP_HOST). */
  smtp_not_configured: { status: 409, title: 'No SMTP server configured', exit: usage },
  /** Training an anomaly model on an organisation (or a window) without mail from any source. */
  no_training_data: { status: 409, title: 'Nothing to train on', exit: failure },
  /** Detecting anomalies before any model is active. */
  no_active_model: { status: 409, title: 'No active model', exit: failure },
  /** Deleting the organisation's active anomaly model. */
  model_active: { status: 409, title: 'Model is active', exit: failure },

  // ---- sizes and media types (413, 415) ----
  payload_too_large: { status: 413, title: 'Payload Too Large', exit: failure },
  upload_too_large: { status: 413, title: 'Upload too large', exit: failure },
  file_too_large: { status: 413, title: 'File too large', exit: failure },
  not_multipart: { status: 415, title: 'Unsupported Media Type', exit: usage },

  // ---- report contents that cannot be read (ParseFailureCode, 422; too large: 413) ----
  empty: { status: 422, title: 'Empty file', exit: failure },
  unrecognised: { status: 422, title: 'Unrecognised file', exit: failure },
  too_large: { status: 413, title: 'File too large', exit: failure },
  decompressed_too_large: { status: 422, title: 'Decompressed size over the limit', exit: failure },
  compression_ratio: { status: 422, title: 'Compression ratio over the limit', exit: failure },
  too_many_entries: { status: 422, title: 'Too many archive entries', exit: failure },
  too_deep: { status: 422, title: 'Containers nested too deep', exit: failure },
  corrupt_gzip: { status: 422, title: 'Corrupt gzip data', exit: failure },
  corrupt_zip: { status: 422, title: 'Corrupt zip archive', exit: failure },
  no_report: { status: 422, title: 'No report found', exit: failure },
  not_well_formed: { status: 422, title: 'XML not well-formed', exit: failure },
  doctype: { status: 422, title: 'DOCTYPE not allowed', exit: failure },
  not_aggregate: { status: 422, title: 'Not an aggregate report', exit: failure },
  missing_report_id: { status: 422, title: 'Report id missing', exit: failure },
  missing_domain: { status: 422, title: 'Policy domain missing', exit: failure },
  invalid_domain: { status: 422, title: 'Policy domain is not a domain name', exit: failure },
  field_too_long: { status: 422, title: 'Report field too long', exit: failure },
  too_many_records: { status: 422, title: 'Too many records in one report', exit: failure },
  not_tlsrpt: { status: 422, title: 'Not an SMTP TLS report', exit: failure },
  invalid_tlsrpt: { status: 422, title: 'Invalid SMTP TLS report', exit: failure },
  /** A failure report (RFC 6591) whose data cannot be found: no feedback part, no fields in its text. */
  arf_no_feedback: { status: 422, title: 'Failure report without feedback fields', exit: failure },
  /** A message/feedback-report part that is empty or not in header syntax. */
  arf_unreadable: { status: 422, title: 'Unreadable feedback report', exit: failure },
  /** A feedback report without a required field (Feedback-Type). */
  arf_missing_field: { status: 422, title: 'Feedback report field missing', exit: failure },

  // ---- too many (429) ----
  too_many_failures: { status: 429, title: 'Too many failed logins', exit: failure },
  rate_limited: { status: 429, title: 'Too Many Requests', exit: failure },
  /** A user's exports (CSV, NDJSON, PDF) past DMARC_EXPORT_RATE_PER_MINUTE. */
  export_rate_limited: { status: 429, title: 'Too many exports', exit: failure },

  // ---- the server's side (500, 503) ----
  internal_error: { status: 500, title: 'Internal Server Error', exit: failure },
  config_invalid: { status: 500, title: 'Configuration error', exit: usage, cliPrefix: 'configuration error' },
  distributed_mode_required: { status: 500, title: 'Distributed mode required', exit: usage },
  route_without_role: { status: 500, title: 'Route without a role', exit: failure },
  task_failed_permanently: { status: 500, title: 'Task failed permanently', exit: failure },
  imap_credential_unavailable: { status: 500, title: 'IMAP credential unavailable', exit: failure },
  /** A Graph, Gmail or Maildir mailbox's secret (file, environment variable, key) cannot be read. */
  mailbox_credential_unavailable: { status: 500, title: 'Mailbox credential unavailable', exit: failure },
  /** A Graph or Gmail request failed for good (after its retries), or a Maildir could not be read. */
  mailbox_unavailable: { status: 502, title: 'Mailbox unavailable', exit: failure },
  /** The shipped sender catalogue (src/enrich/senders/catalogue.json) breaks one of its rules. */
  sender_catalogue_invalid: { status: 500, title: 'Sender catalogue invalid', exit: failure },
  service_unavailable: { status: 503, title: 'Service Unavailable', exit: failure },
  database_unavailable: { status: 503, title: 'Database unavailable', exit: failure },
  /** Redis (job queue, shared cache, rate limits) does not answer. */
  redis_unavailable: { status: 503, title: 'Redis unavailable', exit: failure },
  /** An analytics query ran out of time. */
  query_timeout: { status: 503, title: 'Answer took too long', exit: failure },
  /** A user's analytics requests waiting for their turn are too many. */
  too_many_waiting: { status: 429, title: 'Too many requests waiting', exit: failure },
  migrations_pending: { status: 503, title: 'Migrations pending', exit: failure },
  /** The HTTP server's address cannot be listened on (the process is not started; never sent). */
  port_in_use: { status: 500, title: 'Port in use', exit: usage },
  port_not_permitted: { status: 500, title: 'Port not permitted', exit: usage },
  host_not_available: { status: 500, title: 'Address not available', exit: usage },
  /** The city database (DMARC_GEOIP_CITY_DB) or a shipped IP database cannot be used: start-up stops. */
  ip_database_invalid: { status: 500, title: 'IP database unusable', exit: usage, cliPrefix: 'IP database' },

  // ---- backups of the embedded database ----
  /** A file given to `dmarc restore` that is not a dmarc backup, is damaged or truncated, or is too new. */
  invalid_backup: { status: 422, title: 'Not a usable backup', exit: failure, cliPrefix: 'backup' },
  /** Restoring into a data directory that holds a database already (without --force). */
  data_dir_not_empty: { status: 409, title: 'Data directory not empty', exit: failure },
  /** A backup asked of a server whose database is PostgreSQL (pg_dump is the tool there). */
  backup_not_embedded: { status: 409, title: 'Not the embedded database', exit: usage },

  // ---- the command line ----
  usage_error: { status: 400, title: 'Bad usage', exit: usage },
  command_failed: { status: 500, title: 'Command failed', exit: failure },
  /** The user interrupted the command, or an API client went away before its answer (the status is never sent). */
  cancelled: { status: 400, title: 'Cancelled', exit: EXIT_CODES.interrupted },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ErrorCodes;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ErrorCodes, code);
}

/** The catalogue entry of a code; a code missing from it (legacy call sites) gets one built from its status. */
export function errorCodeInfo(code: string, status?: number): ErrorCodeInfo {
  if (isErrorCode(code)) {
    const info: ErrorCodeInfo = ErrorCodes[code];
    return status === undefined || status === info.status ? info : { ...info, status };
  }
  const s = status ?? 500;
  return { status: s, title: STATUS_TITLES[s] ?? 'Error', exit: s >= 500 ? failure : usage };
}

/** Reason phrases, for codes that are not in the catalogue (a framework's own errors). */
export const STATUS_TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
