// Writes .env.example from the configuration schema (src/config/schema.ts): `npm run gen:env-example`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { envExample } from '../src/config/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
fs.writeFileSync(path.join(root, '.env.example'), envExample());
console.log('wrote .env.example');
