// Input that no route can use, refused before anything else reads it: a NUL byte in a query parameter or a path
// parameter (PostgreSQL text cannot hold one, so it would otherwise reach the database and fail there as a 500).
import type { FastifyInstance } from 'fastify';
import { validationProblem, type FieldError } from '../problem.js';

function nulFields(values: unknown, where: string): FieldError[] {
  if (!values || typeof values !== 'object') return [];
  const out: FieldError[] = [];
  for (const [k, v] of Object.entries(values as Record<string, unknown>)) {
    const texts = Array.isArray(v) ? v : [v];
    if (k.includes('\u0000') || texts.some((t) => typeof t === 'string' && t.includes('\u0000'))) {
      out.push({ field: `${where}${k.replaceAll('\u0000', '\\0')}`, message: 'must not contain NUL characters' });
    }
  }
  return out;
}

export function registerInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    const errors = [...nulFields(req.query, ''), ...nulFields(req.params, '')];
    if (errors.length > 0) throw validationProblem(errors);
  });
}
