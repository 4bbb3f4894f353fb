// Node.js 20 is what the machines have (DESIGN.md): every installed package must run on the oldest Node that
// package.json's engines admits, so that `npm ci` warns of nothing (EBADENGINE) and nothing fails to load there.
// cookie 2 and content-disposition 3 (ESM-only, engines >=22) are overridden in package.json by the CommonJS
// releases with the same functions (cookie 1.1.1, content-disposition 2.0.1).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';

interface LockPackage {
  version?: string;
  engines?: { node?: string } | string[];
  optional?: boolean;
  os?: string[];
  cpu?: string[];
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  overrides: Record<string, string | Record<string, string>>;
};
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockPackage>;
};

describe('Node.js versions', () => {
  const oldest = semver.minVersion(pkg.engines.node)?.version;

  it('package.json admits Node 20 and this process satisfies it', () => {
    expect(oldest).toMatch(/^20\./);
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
  });

  it('every locked package runs on the oldest Node admitted', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([p]) => p !== '')
      .flatMap(([p, info]) => {
        const range = Array.isArray(info.engines) ? undefined : info.engines?.node;
        return range && oldest && !semver.satisfies(oldest, range) ? [`${p}@${info.version} wants node ${range}`] : [];
      });
    expect(refusing).toEqual([]);
  });

  it('the overridden packages are the CommonJS releases their dependants can require', () => {
    for (const [name, version] of Object.entries(pkg.overrides)) {
      // (an object is a nested override, checked below)
      if (typeof version !== 'string') continue;
      const installed = Object.keys(lock.packages).filter((p) => p.endsWith(`node_modules/${name}`));
      expect(installed.length).toBeGreaterThan(0);
      for (const p of installed) {
        expect(lock.packages[p]?.version).toBe(version);
        const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, p, 'package.json'), 'utf8')) as {
          version: string;
          type?: string;
        };
        expect(manifest.version).toBe(version);
        expect(manifest.type ?? 'commonjs').toBe('commonjs');
        // required from where its dependant sits, as the dependant does (no require(esm) needed)
        const from = createRequire(path.join(ROOT, p, '..', '..', 'index.js'));
        expect(from.resolve(name)).toContain(path.join(ROOT, p));
      }
    }
    // pglite-tools (backups) runs on the one PGlite the project uses, not a copy of the release it pins
    expect(pkg.overrides['@electric-sql/pglite-tools']).toEqual({ '@electric-sql/pglite': '$@electric-sql/pglite' });
    expect(Object.keys(lock.packages).filter((p) => p.endsWith('node_modules/@electric-sql/pglite'))).toEqual([
      'node_modules/@electric-sql/pglite',
    ]);
    // the functions the dependants call (@fastify/static: create; @fastify/cookie, light-my-request: the rest)
    const staticRequire = createRequire(path.join(ROOT, 'node_modules/@fastify/static/index.js'));
    expect(typeof (staticRequire('content-disposition') as { create: unknown }).create).toBe('function');
    const cookieRequire = createRequire(path.join(ROOT, 'node_modules/@fastify/cookie/index.js'));
    const cookie = cookieRequire('cookie') as { parseCookie: unknown; stringifySetCookie: (c: object) => string };
    expect(typeof cookie.parseCookie).toBe('function');
    expect(cookie.stringifySetCookie({ name: 'a', value: 'b c', httpOnly: true })).toBe('a=b%20c; HttpOnly');
  });
});
