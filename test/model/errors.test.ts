// One error catalogue, mapped once: every error class is an AppError with a catalogued code; the API's error
// handler turns any AppError into problem+json with the catalogue's status, and the CLI into one line and the
// catalogue's exit status. Neither shows a stack trace, an unexposed message or a secret.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { HttpProblem, registerProblemHandlers } from '../../src/api/problem.js';
import { RouteWithoutRoleError } from '../../src/api/roles.js';
import { AuthError } from '../../src/auth/service.js';
import { UserConflictError } from '../../src/auth/users.js';
import { CliError } from '../../src/cli/errors.js';
import { ConfigError } from '../../src/config/index.js';
import { ImapCredentialError } from '../../src/ingest/imap/connect.js';
import { FileNotFoundError } from '../../src/ingest/process-file.js';
import { PermanentTaskError } from '../../src/jobs/queue.js';
import { AppError, ErrorCodes, isErrorCode } from '../../src/model/errors.js';
import { XmlSyntaxError } from '../../src/parse/aggregate/errors.js';
import { ParseFailure, type ParseFailureCode } from '../../src/parse/types.js';
import { DistributedModeRequired } from '../../src/runtime/jobs.js';
import { InvalidBackupError } from '../../src/store/backup-file.js';
import { BackupNotEmbeddedError } from '../../src/store/backup.js';
import { DatabaseUnavailableError } from '../../src/store/errors.js';
import { DataDirLockedError } from '../../src/store/pglite-data-dir.js';
import { DataDirNotEmptyError } from '../../src/store/restore.js';
import { runCli, ROOT } from '../support/cli.js';
import { expectNoLeak } from '../api/helpers.js';

describe('AppError', () => {
  it('takes status, title, exposure and exit status from the catalogue', () => {
    const e = new AppError('rate_limited', 'slow down', { retryAfterSeconds: 30 });
    expect(e).toMatchObject({ code: 'rate_limited', status: 429, expose: true, exitCode: 1, retryAfterSeconds: 30 });
    expect(e.title).toBe('Too Many Requests');
    const internal = new AppError('internal_error', 'disk full on /var/lib/x');
    expect(internal).toMatchObject({ status: 500, expose: false });
    expect(new AppError('validation_failed', 'x', { errors: [{ field: 'a', message: 'b' }] }).errors).toEqual([
      { field: 'a', message: 'b' },
    ]);
  });

  it('every error class is an AppError with a catalogued code', () => {
    const cases: [AppError, string, number, number][] = [
      [new AuthError('invalid_credentials', 'wrong'), 'invalid_credentials', 401, 1],
      [new AuthError('invalid_token', 'expired'), 'invalid_token', 401, 1],
      [new AuthError('too_many_failures', 'later', 60), 'too_many_failures', 429, 1],
      [new AuthError('invalid_password', 'password too short'), 'invalid_password', 400, 1],
      [new UserConflictError('email_taken', 'taken'), 'email_taken', 409, 1],
      [new UserConflictError('last_admin', 'last'), 'last_admin', 409, 1],
      [new ParseFailure('corrupt_zip', 'bad zip'), 'corrupt_zip', 422, 1],
      [new ParseFailure('too_large', 'big'), 'too_large', 413, 1],
      [new XmlSyntaxError('unclosed tag'), 'not_well_formed', 422, 1],
      [new FileNotFoundError(7), 'file_not_found', 404, 1],
      [new DistributedModeRequired('worker', ['REDIS_URL']), 'distributed_mode_required', 500, 2],
      [new RouteWithoutRoleError('GET', '/x'), 'route_without_role', 500, 1],
      [new ConfigError('PORT', 'bad'), 'config_invalid', 500, 2],
      [new DatabaseUnavailableError('cannot connect'), 'database_unavailable', 503, 1],
      [new DataDirLockedError('in use'), 'database_unavailable', 503, 1],
      [new InvalidBackupError('not a backup'), 'invalid_backup', 422, 1],
      [new DataDirNotEmptyError('/data/pgdata'), 'data_dir_not_empty', 409, 1],
      [new BackupNotEmbeddedError(), 'backup_not_embedded', 409, 2],
      [new PermanentTaskError('gone'), 'task_failed_permanently', 500, 1],
      [new ImapCredentialError('no token'), 'imap_credential_unavailable', 500, 1],
      [new CliError('bad option'), 'usage_error', 400, 2],
      [new CliError('no such user', 1), 'command_failed', 500, 1],
      [new CliError('cancelled', 130), 'cancelled', 400, 130],
      [new HttpProblem(404, 'user_not_found', 'user 3 does not exist'), 'user_not_found', 404, 1],
    ];
    for (const [err, code, status, exit] of cases) {
      expect(err, code).toBeInstanceOf(AppError);
      expect(isErrorCode(err.code), code).toBe(true);
      expect({ code: err.code, status: err.status, exit: err.exitCode }).toEqual({ code, status, exit });
    }
    expect(new AuthError('invalid_password', 'password too short').errors).toEqual([
      { field: 'password', message: 'password too short' },
    ]);
    expect(new DatabaseUnavailableError('at db.internal').expose).toBe(false);
  });

  it('the catalogue holds every ParseFailure code', () => {
    const all: Record<ParseFailureCode, true> = {
      empty: true,
      unrecognised: true,
      too_large: true,
      decompressed_too_large: true,
      compression_ratio: true,
      too_many_entries: true,
      too_deep: true,
      corrupt_gzip: true,
      corrupt_zip: true,
      no_report: true,
      not_well_formed: true,
      doctype: true,
      not_aggregate: true,
      missing_report_id: true,
      missing_domain: true,
      invalid_domain: true,
      field_too_long: true,
      arf_no_feedback: true,
      arf_unreadable: true,
      arf_missing_field: true,
      too_many_records: true,
      not_tlsrpt: true,
      invalid_tlsrpt: true,
    };
    for (const code of Object.keys(all)) expect(isErrorCode(code), code).toBe(true);
  });

  it('the catalogue holds every code the sources answer with, at the status they use', async () => {
    const files = (await fs.readdir(path.join(ROOT, 'src'), { recursive: true })).filter((f) => f.endsWith('.ts'));
    const used: [string, number, string][] = [];
    for (const f of files) {
      const text = await fs.readFile(path.join(ROOT, 'src', f), 'utf8');
      for (const m of text.matchAll(/(?:new HttpProblem|problemBody)\(\s*(\d{3}),\s*'([a-z0-9_]+)'/g)) {
        used.push([f, Number(m[1]), m[2]!]);
      }
    }
    expect(used.length).toBeGreaterThan(20);
    for (const [file, status, code] of used) {
      expect(isErrorCode(code), `${file}: ${code}`).toBe(true);
      expect(ErrorCodes[code as keyof typeof ErrorCodes].status, `${file}: ${code}`).toBe(status);
    }
  });
});

describe('the API maps any AppError once', () => {
  async function app() {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const a = Fastify({ logger: { level: 'error', stream } });
    registerProblemHandlers(a);
    a.get('/throttled', () => {
      throw new AuthError('too_many_failures', 'too many failed logins; try again later', 42);
    });
    a.get('/password', () => {
      throw new AuthError('invalid_password', 'password is too short');
    });
    a.get('/conflict', () => {
      throw new UserConflictError('email_taken', 'a user with the e-mail a@example.com already exists');
    });
    a.get('/db', () => {
      throw new DatabaseUnavailableError('cannot connect to PostgreSQL at db.internal:5432/dmarc: ECONNREFUSED');
    });
    a.get('/legacy', () => {
      throw new HttpProblem(404, 'report_not_found', 'report 9 does not exist');
    });
    a.get('/bug', () => {
      throw new Error('SELECT secret FROM t failed at /srv/app/x.ts:12:3');
    });
    await a.ready();
    return { a, lines };
  }

  it('status, code, title and message from the error and the catalogue', async () => {
    const { a } = await app();
    try {
      const t = await a.inject('/throttled');
      expect(t.statusCode).toBe(429);
      expect(t.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(t.headers['retry-after']).toBe('42');
      expect(t.json()).toMatchObject({
        status: 429,
        code: 'too_many_failures',
        title: 'Too many failed logins',
        detail: 'too many failed logins; try again later',
      });
      const p = await a.inject('/password');
      expect(p.statusCode).toBe(400);
      expect(p.json()).toMatchObject({
        code: 'invalid_password',
        errors: [{ field: 'password', message: 'password is too short' }],
      });
      expect((await a.inject('/conflict')).json()).toMatchObject({ status: 409, code: 'email_taken' });
      expect((await a.inject('/legacy')).json()).toMatchObject({
        status: 404,
        code: 'report_not_found',
        title: 'Report not found',
        detail: 'report 9 does not exist',
      });
    } finally {
      await a.close();
    }
  });

  it('an unexposed message stays in the log; the client gets a generic one, never a stack', async () => {
    const { a, lines } = await app();
    try {
      const db = await a.inject('/db');
      expect(db.statusCode).toBe(503);
      expect(db.json()).toEqual({
        type: expect.stringMatching(/^https:\/\//),
        title: 'Database unavailable',
        status: 503,
        code: 'database_unavailable',
        detail: 'an internal error occurred; it has been logged',
      });
      expect(db.body).not.toContain('db.internal');
      const bug = await a.inject('/bug');
      expect(bug.statusCode).toBe(500);
      expect(bug.json()).toMatchObject({ code: 'internal_error' });
      expect(bug.body).not.toContain('SELECT');
      expectNoLeak(bug.body);
      expect(lines.join('')).toContain('db.internal');
    } finally {
      await a.close();
    }
  });
});

describe('the CLI maps any AppError once', () => {
  it('every invalid setting on one line, exit 2', async () => {
    const r = await runCli(['summary'], { DMARC_MAX_ZIP_ENTRIES: 'many', DMARC_JOB_BACKOFF: 'soon', PORT: 'x' });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dmarc: configuration error: /);
    for (const v of ['DMARC_MAX_ZIP_ENTRIES', 'DMARC_JOB_BACKOFF', 'PORT']) expect(lines[0]).toContain(`${v}: `);
  });

  it('an unreachable database: its message, exit 1, no password', async () => {
    const r = await runCli(['summary'], { DATABASE_URL: 'postgres://dmarc:Sekr1t-pw@127.0.0.1:1/dmarc' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^dmarc: cannot connect to PostgreSQL at /);
    expect(r.stderr).not.toContain('Sekr1t-pw');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
