// The policy domain named in a route's path (/domains/:domain/...): the one check of the advice, DNS and sender
// rule routes, so that each answers a bad or foreign name the same way — 400 when it is no domain name, 404 when
// the organisation has no reports for it (another organisation's domain included: its existence is not told).
import { isDomainName } from '../parse/aggregate/field-limits.js';
import type { Queryable } from '../store/database.js';
import { orgHasDomain } from '../store/sender-rules.js';
import { HttpProblem } from './problem.js';

export const POLICY_DOMAIN_PARAM = {
  minLength: 1,
  maxLength: 253,
  description: 'A policy domain of the organisation',
} as const;

export async function policyDomainOf(db: Queryable, orgId: number, raw: string): Promise<string> {
  // the parser's own test of a policy domain (field-limits.ts): IDNs in either form pass, markup does not; and
  // at least two labels (a top-level domain publishes no DMARC policy of its own)
  const d = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!isDomainName(d) || !d.includes('.')) {
    throw new HttpProblem(400, 'validation_failed', `domain: '${raw.slice(0, 60)}' is not a domain name`, [
      { field: 'domain', message: 'must be a domain name such as example.com' },
    ]);
  }
  if (!(await orgHasDomain(db, orgId, d))) {
    throw new HttpProblem(404, 'domain_not_found', `no reports for ${d} in this organisation`);
  }
  return d;
}
