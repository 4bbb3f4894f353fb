// Anomaly models (a tenant plugin, see tenant.ts): the organisation's versions with their figures (viewers),
// training a new version now (admins; inline: ~1 s for 100,000 source days, see docs/anomalies.md), deploying a
// version (it becomes the one active model) and deleting an inactive one (admins; the active one is a 409).
// Training, deploying and deleting are audited.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { trainOrgModel, windowProblem } from '../../analytics/anomaly/train.js';
import { audit } from '../../auth/audit.js';
import { AppError } from '../../model/errors.js';
import { activateModel, deleteModel, getModel, listModels, type ModelSummary } from '../../store/ml-models.js';
import type { AppDeps } from '../deps.js';
import { orgOf, principalOf } from '../plugins/auth.js';
import { validationProblem } from '../problem.js';
import { ModelT, TrainAnswer, TrainBody, emptyBodyIsDefaults } from '../schemas/anomalies.js';
import { Problem, problemResponses } from '../schemas/common.js';

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

export function modelJson(m: ModelSummary): Static<typeof ModelT> {
  return {
    id: m.id,
    version: m.version,
    kind: m.kind,
    active: m.active,
    parameters: m.parameters as Static<typeof ModelT>['parameters'],
    features: m.features as Static<typeof ModelT>['features'],
    windowFrom: m.windowFrom,
    windowTo: m.windowTo,
    samples: m.samples,
    scoreDistribution: m.scoreDistribution as Static<typeof ModelT>['scoreDistribution'],
    threshold: m.threshold,
    createdBy: m.createdBy === null ? null : (m.createdByEmail ?? null),
    createdAt: m.createdAt,
    predictions: m.predictions,
    anomalous: m.anomalous,
  };
}

const notFound = (id: number) => new AppError('model_not_found', `this organisation has no model ${id}`);

export const modelRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const base = { tags: ['anomalies'] };

  const record = (req: FastifyRequest, action: string, target: string, details: Record<string, unknown>) => {
    const { user } = principalOf(req);
    return audit(
      deps.db,
      {
        orgId: orgOf(req).id,
        actorId: user.id,
        actor: user.email,
        action,
        target,
        ip: req.ip,
        outcome: 'success',
        details,
      },
      new Date(),
    );
  };

  app.get(
    '/analytics/models',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: "The organisation's anomaly models, newest version first, with their figures",
        response: { 200: Type.Object({ items: Type.Array(ModelT) }), ...problemResponses },
      },
    },
    async (req) => ({ items: (await listModels(deps.db, orgOf(req).id)).map(modelJson) }),
  );

  app.get(
    '/analytics/models/:id',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'One model: parameters, features with their training statistics, score distribution, threshold',
        params: IdParams,
        response: { 200: ModelT, ...problemResponses },
      },
    },
    async (req) => {
      const m = await getModel(deps.db, orgOf(req).id, req.params.id, { forest: false });
      if (!m) throw notFound(req.params.id);
      return modelJson(m);
    },
  );

  app.post(
    '/analytics/models/train',
    {
      // a POST without a body means the defaults (clients and the dashboard send none)
      preValidation: emptyBodyIsDefaults,
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: 'Train a new model version now (Isolation Forest on the source IPs × days of a window)',
        description:
          "Default window: the 90 days ending with the organisation's last day of data. The organisation's first " +
          'model is activated; later ones only with DMARC_ANOMALY_AUTO_ACTIVATE, else deploy them. Runs inline ' +
          '(about a second for 100,000 source days). 409 when there is no mail to train on.',
        body: Type.Optional(TrainBody),
        response: { 201: TrainAnswer, 409: Problem, ...problemResponses },
      },
    },
    async (req, reply) => {
      const body = req.body ?? {};
      const why = windowProblem(body.from, body.to);
      if (why) throw validationProblem([{ field: 'to', message: why }]);
      const org = orgOf(req);
      const out = await trainOrgModel(
        deps.db,
        org.id,
        { ...body, createdBy: principalOf(req).user.id },
        deps.config.anomaly,
      );
      await record(req, 'model.train', `model:${out.model.id}`, {
        version: out.model.version,
        samples: out.model.samples,
        activated: out.activated,
        pruned: out.pruned,
      });
      return reply.code(201).send({ model: modelJson(out.model), activated: out.activated, pruned: out.pruned });
    },
  );

  app.post(
    '/analytics/models/:id/deploy',
    {
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: "Make this version the organisation's active model (the one detection and alerts use)",
        params: IdParams,
        response: { 200: ModelT, ...problemResponses },
      },
    },
    async (req) => {
      const orgId = orgOf(req).id;
      if (!(await activateModel(deps.db, orgId, req.params.id))) throw notFound(req.params.id);
      const m = (await getModel(deps.db, orgId, req.params.id, { forest: false }))!;
      await record(req, 'model.deploy', `model:${m.id}`, { version: m.version });
      return modelJson(m);
    },
  );

  app.delete(
    '/analytics/models/:id',
    {
      config: { role: 'admin' },
      schema: {
        ...base,
        summary: 'Delete an inactive model version with its predictions (the active one: 409)',
        params: IdParams,
        response: { 204: Type.Null(), 409: Problem, ...problemResponses },
      },
    },
    async (req, reply) => {
      const orgId = orgOf(req).id;
      const m = await getModel(deps.db, orgId, req.params.id, { forest: false });
      if (!m) throw notFound(req.params.id);
      const outcome = await deleteModel(deps.db, orgId, req.params.id);
      if (outcome === 'missing') throw notFound(req.params.id);
      if (outcome === 'active') {
        throw new AppError('model_active', `model ${m.id} (version ${m.version}) is active: deploy another first`);
      }
      await record(req, 'model.delete', `model:${m.id}`, { version: m.version });
      return reply.code(204).send(null);
    },
  );
};
