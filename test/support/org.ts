// Organisations in tests: the default one every database starts with (migration 005), and the "report stored"
// sink the real processes build (it invalidates the organisation's cached answers).
import type { AnalyticsCache } from '../../src/analytics/cache.js';
import { NO_SINK, type ReportStoredSink } from '../../src/events/report-stored.js';
import type { Database } from '../../src/store/database.js';
import { insertOrg, type Organization } from '../../src/store/organizations.js';

/** The organisation 'default', created by the migration with this id. */
export const DEFAULT_ORG_ID = 1;

export { NO_SINK };

export function cacheSink(cache: AnalyticsCache): ReportStoredSink {
  return { reportStored: (e) => cache.invalidate(e.orgId) };
}

/** A sink that remembers what it was told. */
export function recordingSink(): ReportStoredSink & { events: Parameters<ReportStoredSink['reportStored']>[0][] } {
  const events: Parameters<ReportStoredSink['reportStored']>[0][] = [];
  return {
    events,
    reportStored: (e) => {
      events.push(e);
      return Promise.resolve();
    },
  };
}

export function createOrg(db: Database, slug: string, name = slug): Promise<Organization> {
  return insertOrg(db, { slug, name });
}
