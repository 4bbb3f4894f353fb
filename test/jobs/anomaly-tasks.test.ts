// train-model and detect-anomalies as the worker runs them, and the anomaly alert rule on their predictions: the
// platform-wide runs queue one run per organisation; an organisation without mail (or without a model) is a
// skipped run, not a failure; the first model is activated and queues a detection; detection queues an alert
// check when something is anomalous; the rule fires for the injected sources only, of its own organisation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRule } from '../../src/alerts/evaluate.js';
import { ruleTypeNamed } from '../../src/alerts/rules/index.js';
import { MemoryCache } from '../../src/analytics/cache.js';
import { loadConfig } from '../../src/config/index.js';
import type { RunContext, TaskQueue } from '../../src/jobs/tasks/define.js';
import { detectAnomaliesTask } from '../../src/jobs/tasks/detect-anomalies.js';
import { trainModelTask } from '../../src/jobs/tasks/train-model.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import { listModels } from '../../src/store/ml-models.js';
import { storeReports } from '../alerts/support.js';
import { INJECTED_IPS, generatedReports } from '../analytics/anomaly/generated.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID, NO_SINK, createOrg } from '../support/org.js';

describe('the train-model and detect-anomalies tasks and the anomaly rule', () => {
  let t: TestDatabase;
  let orgB: number;
  const queued: { name: string; payload: object }[] = [];
  const queue: TaskQueue = {
    enqueue: (name, payload) => {
      queued.push({ name, payload });
      return Promise.resolve(String(queued.length));
    },
  };
  const now = new Date('2026-03-03T05:00:00Z');
  const ctx = (env: Record<string, string> = {}): RunContext => {
    const c = loadConfig(env);
    return {
      db: t.db,
      queue,
      cache: new MemoryCache(60),
      limits: DEFAULT_UNPACK_LIMITS,
      sink: NO_SINK,
      jobs: c.jobs,
      imap: [],
      alerts: c.alerts,
      anomaly: c.anomaly,
      now: () => now,
    };
  };

  beforeAll(async () => {
    t = await openPglite();
    orgB = (await createOrg(t.db, 'anomaly-b')).id;
    await storeReports(
      t.db,
      DEFAULT_ORG_ID,
      generatedReports({ domain: 'example.com', from: '2026-02-10', to: '2026-03-02', injectOn: '2026-03-02' }),
    );
  }, 120_000);
  afterAll(() => t?.drop());

  it('the scheduled runs queue one run per organisation', async () => {
    queued.length = 0;
    expect(await trainModelTask.handler(ctx(), {})).toEqual({ organisations: 2 });
    expect(await detectAnomaliesTask.handler(ctx(), {})).toEqual({ organisations: 2 });
    const runs = queued.map((q) => `${q.name} ${(q.payload as { orgId: number }).orgId}`).sort();
    expect(runs).toEqual([
      `detect-anomalies ${DEFAULT_ORG_ID}`,
      `detect-anomalies ${orgB}`,
      `train-model ${DEFAULT_ORG_ID}`,
      `train-model ${orgB}`,
    ]);
    expect(trainModelTask.defaultSchedule).toBe('30 3 * * 0');
    expect(detectAnomaliesTask.defaultSchedule).toBe('50 4 * * *');
  });

  it('an organisation without mail or model is a skipped run; a bad payload fails for good', async () => {
    expect(await trainModelTask.handler(ctx(), { orgId: orgB })).toMatchObject({
      orgId: orgB,
      skipped: expect.stringMatching(/no mail from any source/) as string,
    });
    expect(await detectAnomaliesTask.handler(ctx(), { orgId: orgB })).toMatchObject({
      skipped: expect.stringMatching(/no anomaly model is active/) as string,
    });
    await expect(detectAnomaliesTask.handler(ctx(), { orgId: 1, from: 'yesterday' })).rejects.toThrow(
      /invalid payload/,
    );
    await expect(trainModelTask.handler(ctx(), { orgId: 1.5 })).rejects.toThrow(/invalid payload/);
  });

  it('trains the first model (activated, detection queued), detects, and queues an alert check', async () => {
    queued.length = 0;
    const trained = await trainModelTask.handler(ctx(), { orgId: DEFAULT_ORG_ID });
    expect(trained).toMatchObject({ orgId: DEFAULT_ORG_ID, version: 1, activated: true, pruned: 0 });
    expect(queued).toEqual([{ name: 'detect-anomalies', payload: { orgId: DEFAULT_ORG_ID } }]);
    queued.length = 0;
    const detected = await detectAnomaliesTask.handler(ctx(), { orgId: DEFAULT_ORG_ID });
    expect(detected).toMatchObject({ from: '2026-02-24', to: '2026-03-02', anomalous: INJECTED_IPS.length });
    expect(queued.map((q) => q.name)).toEqual(['check-alerts']);
    // a second training is not activated without DMARC_ANOMALY_AUTO_ACTIVATE, and is with it
    expect(await trainModelTask.handler(ctx(), { orgId: DEFAULT_ORG_ID })).toMatchObject({ activated: false });
    const auto = ctx({ DMARC_ANOMALY_AUTO_ACTIVATE: 'true', DMARC_ANOMALY_KEEP_VERSIONS: '1' });
    expect(await trainModelTask.handler(auto, { orgId: DEFAULT_ORG_ID })).toMatchObject({
      version: 3,
      activated: true,
      pruned: 1,
    });
    expect((await listModels(t.db, DEFAULT_ORG_ID)).map((m) => [m.version, m.active])).toEqual([
      [3, true],
      [2, false],
    ]);
    await detectAnomaliesTask.handler(ctx(), { orgId: DEFAULT_ORG_ID });
  });

  it('the anomaly rule fires for each anomalous source of its organisation, with the words', async () => {
    const rule = (params: Record<string, unknown>) => ({ type: 'anomaly', domain: null, params });
    expect(ruleTypeNamed('anomaly')!.params.parse({})).toEqual({ windowDays: 3, criticalScore: 0.8 });
    const b = await evaluateRule({ db: t.db, now }, DEFAULT_ORG_ID, rule({}));
    expect(b.map((x) => x.subject).sort()).toEqual([...INJECTED_IPS].sort());
    expect(b[0]).toMatchObject({ domain: null, severity: 'critical', figures: { day: '2026-03-02' } });
    expect(b[0]!.summary).toMatch(
      /^source 203\.0\.113\.\d+ anomalous on 2026-03-02 \(score 0\.\d\d, [\d,]+ messages\): /,
    );
    expect(b[0]!.summary).toContain('DMARC fails 100%');
    // a window that ends before the day, or a score above theirs: nothing
    expect(await evaluateRule({ db: t.db, now: new Date('2026-03-20T00:00:00Z') }, DEFAULT_ORG_ID, rule({}))).toEqual(
      [],
    );
    expect(await evaluateRule({ db: t.db, now }, DEFAULT_ORG_ID, rule({ minScore: 0.99 }))).toEqual([]);
    // another organisation's rule sees nothing of these
    expect(await evaluateRule({ db: t.db, now }, orgB, rule({}))).toEqual([]);
    expect(ruleTypeNamed('anomaly')!.params.safeParse({ minScore: 2 }).success).toBe(false);
    expect(ruleTypeNamed('anomaly')!.params.safeParse({ windowDays: 0 }).success).toBe(false);
  });
});
