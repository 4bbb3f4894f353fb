// Input that no route can use, refused before anything else reads it: a NUL byte in a query parameter, a path
// parameter or any string (or key) of a JSON body (PostgreSQL text cannot hold one, so it would otherwise reach
// the database and fail there as a 500 — a login with a NUL in its e-mail did).
import type { FastifyInstance } from 'fastify';
import { validationProblem, type FieldError } from '../problem.js';

const NUL = '\u0000';
/** How deep a JSON body is searched (the routes' bodies are a few levels; deeper is refused by their schemas). */
const MAX_DEPTH = 32;

function shown(key: string): string {
  return key.replaceAll(NUL, '\\0');
}

function nulFields(values: unknown, where: string): FieldError[] {
  if (!values || typeof values !== 'object') return [];
  const out: FieldError[] = [];
  for (const [k, v] of Object.entries(values as Record<string, unknown>)) {
    const texts = Array.isArray(v) ? v : [v];
    if (k.includes(NUL) || texts.some((t) => typeof t === 'string' && t.includes(NUL))) {
      out.push({ field: `${where}${shown(k)}`, message: 'must not contain NUL characters' });
    }
  }
  return out;
}

/** Every string or key of a parsed JSON body holding a NUL, named by its path (`rules[0].name`). */
function nulInBody(value: unknown, field: string, depth: number, out: FieldError[]): void {
  if (typeof value === 'string') {
    if (value.includes(NUL)) out.push({ field: field || 'body', message: 'must not contain NUL characters' });
    return;
  }
  if (!value || typeof value !== 'object' || depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => nulInBody(v, `${field}[${i}]`, depth + 1, out));
    return;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const name = field ? `${field}.${shown(k)}` : shown(k);
    if (k.includes(NUL)) out.push({ field: name, message: 'must not contain NUL characters' });
    else nulInBody(v, name, depth + 1, out);
  }
}

export function registerInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    const errors = [...nulFields(req.query, ''), ...nulFields(req.params, '')];
    // only parsed bodies (JSON): a multipart upload is a stream here, read by its route
    if (!Buffer.isBuffer(req.body)) nulInBody(req.body, '', 0, errors);
    if (errors.length > 0) throw validationProblem(errors);
  });
}
