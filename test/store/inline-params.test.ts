// Parameters written into a statement that cannot bind them (COPY): each $n outside quoted text and comments
// becomes a quoted literal with node-postgres's escaping; on PostgreSQL the statement then means what the bound one
// does, for hostile text too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineParams } from '../../src/store/inline-params.js';
import { availableEngines, openPostgres, type TestDatabase } from '../support/db.js';

describe('inlineParams', () => {
  it('writes values as literals of unknown type, NULL for null', () => {
    expect(inlineParams('SELECT $1, $2, $3, $4, $10', [5, "it's", null, true, ...Array(5).fill(0), 'ten'])).toBe(
      "SELECT '5', 'it''s', NULL, 'true', 'ten'",
    );
    expect(inlineParams('x = $1', ['back\\slash'])).toBe("x =  E'back\\\\slash'");
    expect(inlineParams('x = $1', [12n])).toBe("x = '12'");
  });

  it('leaves $n in quoted text, quoted identifiers and comments alone', () => {
    const sql = `SELECT '$1 and ''$2''', "$1col", $1 -- $2 here\n, /* $2 */ $2`;
    expect(inlineParams(sql, ['a', 'b'])).toBe(`SELECT '$1 and ''$2''', "$1col", 'a' -- $2 here\n, /* $2 */ 'b'`);
  });

  it('refuses what it cannot write safely', () => {
    expect(() => inlineParams('SELECT $1', [])).toThrow(/no value/);
    expect(() => inlineParams('SELECT $1', [[1, 2]])).toThrow(/cannot be written/);
    expect(() => inlineParams('SELECT $1', [Number.NaN])).toThrow(/finite/);
    expect(() => inlineParams('SELECT $$body$$', [])).toThrow(/dollar quoting/);
    expect(() => inlineParams("SELECT 'open", [])).toThrow(/unterminated/);
  });
});

describe.skipIf(!availableEngines().includes('postgres'))('inlineParams on PostgreSQL', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openPostgres();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('gives the values the bound statement sees, hostile text included', async () => {
    const values = ["'; DROP TABLE records; --", "a\\b\\'c", 'Почта "x" 選択子', '', '$1', 'line\nbreak'];
    for (const v of values) {
      const sql = 'SELECT $1::text AS v, $2 + 1 AS n, $3 = ANY(ARRAY[$3, $1]) AS hit';
      const bound = await t.db.query(sql, [v, 41, v]);
      const inlined = await t.db.query(inlineParams(sql, [v, 41, v]));
      expect(inlined.rows, JSON.stringify(v)).toEqual(bound.rows);
      expect(inlined.rows[0]).toEqual({ v, n: 42, hit: true });
    }
  });
});
