// The dashboard's API types (web/src/lib/api-types.ts) are generated from the app's OpenAPI document: this
// regenerates them in memory and fails when the committed file no longer matches the routes, so that CI catches a
// server change the dashboard was not checked against (`npm run typecheck` does, once the file is regenerated).
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TYPES_FILE, generateApiTypes, shareProblemResponses } from '../../scripts/api-types.js';
import { openPglite, type TestDatabase } from '../support/db.js';

describe('generated API types of the dashboard', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openPglite();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('web/src/lib/api-types.ts matches the routes', async () => {
    const fresh = await generateApiTypes(t.db);
    const committed = await fs.readFile(API_TYPES_FILE, 'utf8').catch(() => '');
    if (fresh !== committed) {
      const a = fresh.split('\n');
      const b = committed.split('\n');
      let line = 0;
      while (line < a.length && a[line] === b[line]) line++;
      expect.fail(
        `web/src/lib/api-types.ts is stale: run npm run gen:api-types (first difference at line ${line + 1}: ` +
          `${JSON.stringify(b[line] ?? '<end of file>')}, expected ${JSON.stringify(a[line] ?? '<end of file>')})`,
      );
    }
    expect(fresh).toContain("'/api/reports': {");
    expect(fresh).toContain("'/api/orgs/{org}/members': {");
  });

  it('shares only problem answers that are exactly the common one', () => {
    const problem = {
      type: 'object',
      properties: { x: { type: 'string' } },
    };
    const doc = shareProblemResponses({
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: {
        '/a': {
          get: {
            responses: {
              200: { description: 'ok' },
              400: { description: 'Other', content: { 'application/problem+json': { schema: problem } } },
            },
          },
        },
      },
    } as never);
    expect(JSON.stringify(doc)).not.toContain('#/components/responses/Problem');
    expect(doc.components).toBeUndefined();
  });
});
