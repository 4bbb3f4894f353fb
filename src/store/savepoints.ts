// Units of work inside one open transaction: each `transaction()` is a SAVEPOINT, released when fn resolves and
// rolled back to when it throws, so that one unit's failure leaves the others (and the transaction) intact.
import type { Queryable, Transactor } from './database.js';

export function savepointsIn(tx: Queryable): Transactor {
  let next = 0;
  return {
    query: (sql, params) => tx.query(sql, params),
    copyFrom: (table, columns, payload) => tx.copyFrom(table, columns, payload),
    async transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      const name = `unit_${++next}`;
      await tx.query(`SAVEPOINT ${name}`);
      let result: T;
      try {
        result = await fn(tx);
      } catch (err) {
        await tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
        await tx.query(`RELEASE SAVEPOINT ${name}`);
        throw err;
      }
      await tx.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    },
  };
}
