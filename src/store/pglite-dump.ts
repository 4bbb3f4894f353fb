// A logical dump of the embedded database: pg_dump (compiled to WebAssembly, @electric-sql/pglite-tools) talking
// to the PGlite instance of this process. SQL text that a fresh PGlite or PostgreSQL (psql) can run.
//
// PGlite has one connection. pg_dump opens its own REPEATABLE READ transaction on it, so nothing else may run on
// that connection meanwhile: another caller's open transaction would swallow pg_dump's BEGIN (and its COMMIT would
// end that transaction half-way). So the whole dump holds PGlite's transaction and query locks; pgDump's own few
// queries go straight to the wire protocol, which takes no lock (they would wait for ours forever otherwise).
import { parse, protocol, type PGlite, type Results } from '@electric-sql/pglite';
import { pgDump } from '@electric-sql/pglite-tools/pg_dump';

/**
 * Owners and grants are left out (a PostgreSQL restore runs as whichever role restores it); many rows per INSERT
 * make the restore tens of times faster than one INSERT a row.
 */
const DUMP_ARGS = ['--no-owner', '--no-privileges', '--rows-per-insert=500'];

/** The parts of PGlite that pgDump uses, on the connection we hold the locks of. */
function unlocked(db: PGlite): PGlite {
  const simple = async (sql: string): Promise<Results[]> => {
    const { messages } = await db.execProtocol(protocol.serialize.query(sql));
    return parse.parseResults(messages, {});
  };
  const proxy = {
    query: async (sql: string) => (await simple(sql))[0] ?? { rows: [], fields: [], affectedRows: 0 },
    exec: simple,
    execProtocolRawStream: db.execProtocolRawStream.bind(db),
  };
  return proxy as unknown as PGlite;
}

/** Whether the session is inside a transaction block (ReadyForQuery's status after a harmless statement). */
async function inTransaction(db: PGlite): Promise<boolean> {
  const { messages } = await db.execProtocol(protocol.serialize.query('SELECT 1'));
  const ready = messages.find((m) => m.name === 'readyForQuery') as { status?: string } | undefined;
  return ready?.status !== 'I';
}

/**
 * The whole database as SQL, from one snapshot; nothing else runs on the database until it is done.
 * pg_dump ends without COMMIT (a real one just disconnects): its read-only transaction is rolled back here, or
 * the next caller's BEGIN would land in it; and the session gets back the search_path pg_dump emptied.
 */
export async function dumpPglite(db: PGlite): Promise<string> {
  return db._runExclusiveTransaction(() =>
    db._runExclusiveQuery(async () => {
      const before = (await unlocked(db).query<{ search_path: string }>('SHOW search_path')).rows[0]?.search_path;
      try {
        const file = await pgDump({ pg: unlocked(db), args: DUMP_ARGS });
        return await file.text();
      } finally {
        if (await inTransaction(db)) await db.execProtocol(protocol.serialize.query('ROLLBACK'));
        await db.execProtocol(protocol.serialize.query(`SET search_path = ${before ?? 'public'}`));
      }
    }),
  );
}
