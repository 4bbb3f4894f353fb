// Deleting what was imported by mistake (admins): a file with the reports stored from it, or one report. The
// rollups are rebuilt in the same transaction (store/delete-reports.ts), the organisation's cached answers are
// dropped, and the deletion is audited with what it removed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { audit } from '../../auth/audit.js';
import { deleteFile, deleteReport, type DeletedTotals } from '../../store/delete-reports.js';
import type { AppDeps } from '../deps.js';
import { orgOf, principalOf } from '../plugins/auth.js';
import { HttpProblem } from '../problem.js';
import { Problem, problemResponses } from '../schemas/common.js';
import type { FastifyRequest } from 'fastify';

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
const Deleted = Type.Object(
  {
    reports: Type.Integer({ description: 'Reports deleted' }),
    records: Type.Integer({ description: 'Their records' }),
    messages: Type.Integer({ description: 'The messages they counted (no longer in any figure)' }),
  },
  { description: 'What the deletion removed' },
);

export const deletionRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const record = async (req: FastifyRequest, action: string, target: string, t: DeletedTotals): Promise<void> => {
    const { user } = principalOf(req);
    const org = orgOf(req);
    await deps.cache.invalidate(org.id);
    await audit(
      deps.db,
      {
        orgId: org.id,
        actorId: user.id,
        actor: user.email,
        action,
        target,
        ip: req.ip,
        outcome: 'success',
        details: { ...t },
      },
      new Date(),
    );
  };

  app.delete(
    '/files/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['ingest'],
        summary: 'Delete a file, its kept bytes and the reports stored from it (figures follow at once)',
        params: IdParams,
        response: { 200: Deleted, ...problemResponses, 409: Problem },
      },
    },
    async (req) => {
      const { id } = req.params;
      const r = await deleteFile(deps.db, orgOf(req).id, id);
      if (!r.deleted && r.reason === 'not_found') {
        throw new HttpProblem(404, 'file_not_found', `file ${id} does not exist`);
      }
      if (!r.deleted) {
        throw new HttpProblem(409, 'file_processing', `file ${id} is being processed: delete it once it is done`);
      }
      await record(req, 'file.delete', `file:${id}`, r.totals);
      return r.totals;
    },
  );

  app.delete(
    '/reports/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['reports'],
        summary: 'Delete one report and its records (figures follow at once; its file stays)',
        params: IdParams,
        response: { 200: Deleted, ...problemResponses },
      },
    },
    async (req) => {
      const { id } = req.params;
      const t = await deleteReport(deps.db, orgOf(req).id, id);
      if (!t) throw new HttpProblem(404, 'report_not_found', `report ${id} does not exist`);
      await record(req, 'report.delete', `report:${id}`, t);
      return t;
    },
  );
};
