// Failure reports (RFC 6591) as the API lists them: the store's filters, and the source's sender (as the senders
// page names it: a key such as google or ptr:example.net, or its name), which only the analytics know in SQL.
import type { Queryable } from '../store/database.js';
import {
  listFailureReports as listStored,
  type FailureFilter,
  type FailureKeyset,
  type StoredFailureReport,
} from '../store/failure-reports.js';
import { senderMatches } from './sender-sql.js';

export interface FailureListFilter extends Omit<FailureFilter, 'source'> {
  /** The source's sender after the organisation's rules for the reported domain, by key or name (any case). */
  sender?: string;
}

export function listFailureReports(
  db: Queryable,
  orgId: number,
  filter: FailureListFilter,
  page: { limit: number; after?: FailureKeyset },
): Promise<{ items: (StoredFailureReport & { when: string })[]; total: number; next: FailureKeyset | null }> {
  const { sender, ...rest } = filter;
  const f: FailureFilter = rest;
  if (sender !== undefined) f.source = (p, ip, domain) => senderMatches(p, orgId, sender, ip, domain);
  return listStored(db, orgId, f, page);
}
