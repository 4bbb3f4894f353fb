// Query plans of the statements a function runs, for tests that prove a hot query uses its index: a database
// that EXPLAINs every statement reading a given table before running it.
import type { Queryable } from '../../src/store/database.js';

export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** A plan's nodes, the root first. */
export function planNodes(n: PlanNode): PlanNode[] {
  return [n, ...(n.Plans ?? []).flatMap(planNodes)];
}

/** The database, with the plan (as its nodes) of every statement that reads `table` recorded before it runs. */
export function explaining(db: Queryable, plans: PlanNode[][], table = 'rollup_source_daily'): Queryable {
  return {
    copyFrom: (t, columns, payload) => db.copyFrom(t, columns, payload),
    async query<T>(sql: string, params?: unknown[]) {
      if (sql.includes(table)) {
        const r = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
        const raw = r.rows[0]!['QUERY PLAN'];
        const json = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
        plans.push(planNodes(json[0]!.Plan));
      }
      return db.query<T>(sql, params);
    },
  };
}
