// .env.example is generated from the schema (npm run gen:env-example): it lists every variable, and stays equal
// to what the generator writes, so that a variable added to the schema cannot be missing from it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { envExample, envSchema, secretVariables } from '../../src/config/index.js';
import { ROOT } from '../support/cli.js';

const file = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');

describe('.env.example', () => {
  it('lists every variable of the schema', () => {
    const listed = new Set([...file.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    for (const name of Object.keys(envSchema.shape)) expect(listed, name).toContain(name);
  });

  it('says which secrets may come from files', () => {
    for (const name of secretVariables())
      expect(file).toMatch(new RegExp(`\\[secret(; or ${name}_FILE)?\\]\\n(# )?${name}=`));
  });

  it('is what `npm run gen:env-example` writes', () => {
    expect(file).toBe(envExample());
  });

  it('names every variable docker-compose.yml reads from it', () => {
    const compose = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    const used = new Set([...compose.matchAll(/\$\{([A-Z_]+)[:}-]/g)].map((m) => m[1]));
    for (const name of used) expect(file, name).toMatch(new RegExp(`^(# )?${name}=`, 'm'));
  });
});
