// The identity of a situation: SHA-256 of (organisation, rule, domain, subject). At most one unresolved alert has
// a fingerprint; the same breach seen again updates that alert instead of opening another.
import { createHash } from 'node:crypto';

export function fingerprint(orgId: number, ruleId: number, domain: string | null, subject: string | null): string {
  // a JSON array: no separator inside a value can make two different tuples hash alike
  return createHash('sha256')
    .update(JSON.stringify([orgId, ruleId, domain, subject]))
    .digest('hex');
}
