// The tenant API: every route that reads or changes one organisation's data, registered twice — under
// /api/orgs/:org (the organisation named) and under /api (the caller's default organisation, so that clients of a
// single-organisation installation never see the concept). Every route registered here is marked as a tenant
// route: the auth hook resolves its organisation and the caller's role there before anything else runs.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AnalyticsAnswers } from '../analytics/answers.js';
import type { AuthService } from '../auth/service.js';
import type { ReportStoredSink } from '../events/report-stored.js';
import { alertsArea } from './alerts-area.js';
import type { ConcurrencyLimiter } from './concurrency.js';
import type { AppDeps } from './deps.js';
import { limitAnalytics } from './plugins/analytics-limits.js';
import { SLUG_PATTERN } from './plugins/auth.js';
import { adviceRoutes } from './routes/advice.js';
import { alertChannelRoutes } from './routes/alert-channels.js';
import { outputRoutes } from './routes/outputs.js';
import { anomalyRoutes } from './routes/anomalies.js';
import { analyticsRoutes } from './routes/analytics.js';
import { auditRoutes } from './routes/audit.js';
import { breakdownRoutes } from './routes/breakdowns.js';
import { deletionRoutes } from './routes/deletions.js';
import { digestRoutes } from './routes/digests.js';
import { dnsRoutes } from './routes/dns.js';
import { exportPdfRoutes } from './routes/export-pdf.js';
import { exportCsvRoutes } from './routes/exports-csv.js';
import { failureRoutes } from './routes/failures.js';
import { fileRoutes } from './routes/files.js';
import { forecastRoutes } from './routes/forecast.js';
import { geolocationRoutes } from './routes/geolocation.js';
import { keyRoutes } from './routes/keys.js';
import { modelRoutes } from './routes/models.js';
import { organizationRoutes } from './routes/organizations.js';
import { reportRoutes } from './routes/reports.js';
import { senderRuleRoutes } from './routes/sender-rules.js';
import { statsRoutes } from './routes/stats.js';
import { taskRoutes } from './routes/tasks.js';
import { tlsRoutes } from './routes/tls.js';
import { userRoutes } from './routes/users.js';

export interface TenantOptions {
  deps: AppDeps;
  /** Turns of the analytics routes (one per process, shared by both mounts). */
  limiter: ConcurrencyLimiter;
  auth: AuthService;
  answers: AnalyticsAnswers;
  sink: ReportStoredSink;
  /** Registered under /api/orgs/:org: the organisation is named in the path. */
  named: boolean;
}

const OrgParam = Type.String({ pattern: SLUG_PATTERN.source, maxLength: 63, description: 'Organisation slug' });

/** Marks the routes of this context as tenant routes (and documents the :org path parameter). */
export function markTenantRoutes(app: Parameters<FastifyPluginAsyncTypebox>[0], named: boolean): void {
  app.addHook('onRoute', (route) => {
    // mutated in place: the role catalogue reads this very object (roles.ts)
    route.config ??= {};
    (route.config as { tenant?: boolean }).tenant = true;
    if (named && route.schema) {
      const params = route.schema.params as { properties?: Record<string, unknown>; required?: string[] } | undefined;
      route.schema.params = Type.Object({
        ...(params?.properties as Record<string, never> | undefined),
        org: OrgParam,
      });
    }
  });
}

export const tenantApi: FastifyPluginAsyncTypebox<TenantOptions> = async (app, o) => {
  markTenantRoutes(app, o.named);
  // the answers computed from the rollups wait for their turn; lists of reports, files and tasks do not
  await app.register(async (limited) => {
    limitAnalytics(limited, o.limiter);
    await limited.register(analyticsRoutes, { deps: o.deps, answers: o.answers });
    await limited.register(breakdownRoutes, { answers: o.answers });
    await limited.register(statsRoutes, { deps: o.deps, answers: o.answers });
    await limited.register(geolocationRoutes, { deps: o.deps, answers: o.answers });
    await limited.register(adviceRoutes, { deps: o.deps });
    await limited.register(forecastRoutes, { deps: o.deps });
    await limited.register(exportPdfRoutes, { deps: o.deps });
    await limited.register(modelRoutes, { deps: o.deps });
    await limited.register(anomalyRoutes, { deps: o.deps });
  });
  await app.register(reportRoutes, { deps: o.deps, answers: o.answers });
  await app.register(tlsRoutes, { deps: o.deps, answers: o.answers });
  await app.register(fileRoutes, { deps: o.deps, sink: o.sink });
  await app.register(deletionRoutes, { deps: o.deps });
  await app.register(exportCsvRoutes, { deps: o.deps });
  await app.register(taskRoutes, { deps: o.deps });
  await app.register(senderRuleRoutes, { deps: o.deps, auth: o.auth });
  await app.register(dnsRoutes, { deps: o.deps });
  await app.register(failureRoutes, { deps: o.deps });
  await app.register(userRoutes, { prefix: '/users', auth: o.auth });
  await app.register(keyRoutes, { prefix: '/keys', auth: o.auth });
  await app.register(auditRoutes, { prefix: '/audit', db: o.deps.db });
  await app.register(alertsArea, { prefix: '/alerts', deps: o.deps, clock: o.auth.clock });
  await app.register(alertChannelRoutes, { prefix: '/alerts/channels', deps: o.deps, clock: o.auth.clock });
  await app.register(digestRoutes, { prefix: '/digests', deps: o.deps, clock: o.auth.clock });
  await app.register(outputRoutes, { prefix: '/outputs', deps: o.deps, clock: o.auth.clock });
  if (o.named) await app.register(organizationRoutes, { auth: o.auth, db: o.deps.db });
};
