// GET /export/report.pdf: the PDF report of the organisation for the analytics filters (a domain or all, a
// period): cover, headline figures with their change, charts, tables of what fails and why, the published policy.
// A tenant route like the analytics routes (a viewer may read it); the answer is an attachment whose file name
// says the domain and the period. The export rate limit (src/api/export-rate-limit.ts) attaches to this route.
import { exportRateLimit } from '../export-rate-limit.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { renderReport } from '../../exports/pdf/report.js';
import { listOrgDomains } from '../../store/organizations.js';
import type { AppDeps } from '../deps.js';
import { attachmentDisposition } from '../download.js';
import { scopedFilter } from '../filters.js';
import { orgOf } from '../plugins/auth.js';
import { validationProblem } from '../problem.js';
import { FilterQuery, problemResponses } from '../schemas/common.js';

export const exportPdfRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  // one per-user budget with the CSV exports (DMARC_EXPORT_RATE_PER_MINUTE)
  const limited = exportRateLimit(app, deps.config.security.exportRatePerMinute);
  app.get(
    '/export/report.pdf',
    {
      config: { role: 'viewer' },
      preHandler: limited,
      schema: {
        tags: ['exports'],
        summary: 'The PDF report for the filters: figures, charts, what fails and why, the published policy',
        description:
          'The same filters as the analytics routes (domain optional: all domains). The period is the one of ' +
          '/api/rollup/trends: from..to, without them the 30 days ending with the last day that has data; its ' +
          'headline figures are compared with the previous period of the same length. A domain the organisation ' +
          'has no reports for is a 400; a filter that matches no report gives a short PDF saying so.',
        querystring: FilterQuery,
        produces: ['application/pdf'],
        response: {
          200: Type.Unsafe<Buffer>({
            description: 'The report (an attachment)',
            content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
          }),
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const org = orgOf(req);
      const filter = scopedFilter(org, req.query);
      const pdf = await deps.db.readOnly(deps.config.analytics.statementTimeoutMs, async (q) => {
        if (filter.domain !== undefined) {
          const known = await listOrgDomains(q, org.id);
          if (!known.some((d) => d.name === filter.domain)) {
            throw validationProblem([
              { field: 'domain', message: `no reports for '${filter.domain}' in this organisation` },
            ]);
          }
        }
        return renderReport(q, { orgName: org.name, filter });
      });
      return reply
        .type('application/pdf')
        .header('content-disposition', attachmentDisposition(pdf.fileName))
        .header('cache-control', 'private, no-store')
        .send(pdf.pdf);
    },
  );
};
