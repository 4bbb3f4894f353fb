// PostgreSQL through a node-postgres pool (distributed mode, DATABASE_URL).
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFromStdin, to as copyToStdout } from 'pg-copy-streams';
import type { Database, QueryResult, Queryable } from './database.js';
import { DatabaseUnavailableError } from './errors.js';
import { inlineParams } from './inline-params.js';
import { TEXT_PARSERS } from './type-parsers.js';

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    const custom = TEXT_PARSERS[oid];
    if (custom && format !== 'binary') return custom;
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

async function copyInto(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  payload: string,
): Promise<void> {
  if (payload === '') return;
  const sink = client.query(copyFromStdin(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from([payload]), sink);
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const r = await client.query(sql, params);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
    },
    async copyFrom(table: string, columns: readonly string[], payload: string): Promise<void> {
      if (client instanceof pg.Pool) {
        const c = await client.connect();
        try {
          await copyInto(c, table, columns, payload);
        } finally {
          c.release();
        }
      } else await copyInto(client, table, columns, payload);
    },
  };
}

/** "postgres://user:***@host:5432/db" — for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  private readonly q: Queryable;

  private constructor(private readonly pool: pg.Pool) {
    this.q = wrap(pool);
  }

  static async open(url: string, options: { max?: number } = {}): Promise<PostgresDatabase> {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 10,
      types,
      // Analytics aggregate hundreds of thousands of rollup rows: let hash aggregates stay in memory.
      options: '-c work_mem=32MB',
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    try {
      const c = await pool.connect();
      c.release();
    } catch (err) {
      await pool.end().catch(() => undefined);
      const reason = err instanceof Error ? err.message : String(err);
      throw new DatabaseUnavailableError(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${reason}`);
    }
    return new PostgresDatabase(pool);
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    return this.q.query<T>(sql, params);
  }

  copyFrom(table: string, columns: readonly string[], payload: string): Promise<void> {
    return this.q.copyFrom(table, columns, payload);
  }

  /**
   * See Queryable.copyCsv. On its own pooled connection, read only as fast as the consumer takes the chunks
   * (pg-copy-streams reads the socket when its buffer has room; the server waits on a full socket). A consumer that
   * stops early closes that connection instead of returning it with a COPY still running: the server ends the COPY
   * when it next writes.
   */
  async *copyCsv(select: string, params: readonly unknown[] = []): AsyncGenerator<Buffer> {
    const client = await this.pool.connect();
    let finished = false;
    try {
      const copy = client.query(copyToStdout(`COPY (${inlineParams(select, params)}) TO STDOUT WITH (FORMAT csv)`));
      for await (const chunk of copy) yield chunk as Buffer;
      finished = true;
    } finally {
      client.release(finished ? undefined : true);
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(wrap(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async readOnly<T>(timeoutMs: number, fn: (q: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      // SET cannot take a parameter; the value is an integer we computed
      await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
      const result = await fn(wrap(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  /** A dedicated connection, for session-level state such as advisory locks. */
  async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
