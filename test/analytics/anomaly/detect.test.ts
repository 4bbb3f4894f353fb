// Training and detection on generated DMARC reports stored through the real pipeline (PGlite): the injected
// sources (sudden volume from new addresses failing SPF and DKIM) rank at the top and are anomalous, explained in
// words; normal days of normal senders are not. The first model is activated; an empty organisation cannot train
// (409); one organisation's model and predictions never see another's sources.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAnomalies } from '../../../src/analytics/anomaly/detect.js';
import { NoActiveModelError, NoTrainingDataError } from '../../../src/analytics/anomaly/errors.js';
import { trainOrgModel } from '../../../src/analytics/anomaly/train.js';
import { listAnomalies, predictionsOfIp } from '../../../src/store/ml-predictions.js';
import { activeModel, getModel, listModels } from '../../../src/store/ml-models.js';
import { deleteOrg } from '../../../src/store/organizations.js';
import { storeReports } from '../../alerts/support.js';
import { openPglite, type TestDatabase } from '../../support/db.js';
import { DEFAULT_ORG_ID, createOrg } from '../../support/org.js';
import { INJECTED_IPS, NORMAL_IPS, generatedReports } from './generated.js';

describe('anomaly detection on generated reports', () => {
  let t: TestDatabase;
  let orgB: number;
  let empty: number;

  beforeAll(async () => {
    t = await openPglite();
    orgB = (await createOrg(t.db, 'org-b')).id;
    empty = (await createOrg(t.db, 'empty')).id;
    await storeReports(
      t.db,
      DEFAULT_ORG_ID,
      generatedReports({ domain: 'example.com', from: '2026-02-01', to: '2026-03-02', injectOn: '2026-03-02' }),
    );
    await storeReports(
      t.db,
      orgB,
      generatedReports({ domain: 'b.example', from: '2026-02-20', to: '2026-03-02', seed: 9 }).map((r) => ({
        ...r,
        records: r.records.map((x) => ({ ...x, ip: x.ip.replace('198.51.100.', '192.0.2.') })),
      })),
    );
  }, 120_000);
  afterAll(() => t?.drop());

  it('an organisation without mail cannot train: a clear 409, and cannot detect without a model', async () => {
    const err = await trainOrgModel(t.db, empty, { createdBy: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoTrainingDataError);
    expect(err).toMatchObject({ status: 409, code: 'no_training_data' });
    expect((err as Error).message).toMatch(/no mail from any source/);
    await expect(detectAnomalies(t.db, empty)).rejects.toBeInstanceOf(NoActiveModelError);
    // a window without mail says what the data spans
    await expect(
      trainOrgModel(t.db, DEFAULT_ORG_ID, { createdBy: null, from: '2025-01-01', to: '2025-01-31' }),
    ).rejects.toThrow(/spans 2026-02-01 to 2026-03-02/);
  });

  it('trains the first model (activated), on every source and day of the window', async () => {
    const { model, activated } = await trainOrgModel(t.db, DEFAULT_ORG_ID, { createdBy: null });
    expect(activated).toBe(true);
    expect(model).toMatchObject({ version: 1, active: true, windowFrom: '2025-12-03', windowTo: '2026-03-02' });
    expect(model.samples).toBe(30 * NORMAL_IPS.length + INJECTED_IPS.length);
    const names = model.features.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['log_volume', 'dmarc_fail_share', 'days_since_first_seen']));
    // not enriched: no enrichment features
    expect(names).not.toContain('country_rarity');
    expect(model.threshold).toBeGreaterThanOrEqual(0.7);
    expect((await activeModel(t.db, DEFAULT_ORG_ID))!.id).toBe(model.id);
  });

  it('the injected sources rank at the top, anomalous and explained; normal days of normal senders do not', async () => {
    const out = await detectAnomalies(t.db, DEFAULT_ORG_ID, { from: '2026-02-01', to: '2026-03-02' });
    expect(out.predictions).toBe(30 * NORMAL_IPS.length + INJECTED_IPS.length);
    const page = await listAnomalies(t.db, DEFAULT_ORG_ID, { anomalousOnly: false, limit: 10, offset: 0 });
    expect(
      page.items
        .slice(0, 3)
        .map((p) => p.ip)
        .sort(),
    ).toEqual([...INJECTED_IPS].sort());
    const anomalous = await listAnomalies(t.db, DEFAULT_ORG_ID, { anomalousOnly: true, limit: 100, offset: 0 });
    expect(anomalous.items.map((p) => p.ip).sort()).toEqual([...INJECTED_IPS].sort());
    const top = anomalous.items[0]!;
    expect(top.day).toBe('2026-03-02');
    const words = top.explanation.map((r) => r.text).join('; ');
    expect(words).toMatch(/DMARC fails 100% \(usual \d+(\.\d)?%\)/);
    expect(words).toMatch(/volume [\d,]+ messages, \d+× a typical source's day/);
    expect(words).toMatch(/first seen that day/);
    // normal senders on normal days: well below the threshold
    for (const ip of NORMAL_IPS) {
      const normal = await predictionsOfIp(t.db, DEFAULT_ORG_ID, ip, 100);
      expect(normal).toHaveLength(30);
      expect(normal.every((p) => !p.anomalous)).toBe(true);
      expect(Math.max(...normal.map((p) => p.score))).toBeLessThan(top.score - 0.1);
    }
  });

  it('the same data and seed train the same model', async () => {
    const again = await trainOrgModel(t.db, DEFAULT_ORG_ID, { createdBy: null });
    expect(again.activated).toBe(false); // not the first, and auto-activation is off
    const [a, b] = await Promise.all([
      getModel(t.db, DEFAULT_ORG_ID, again.model.id, { forest: true }),
      activeModel(t.db, DEFAULT_ORG_ID),
    ]);
    expect(a!.forest).toEqual(b!.forest);
    expect(a!.scoreDistribution).toEqual(b!.scoreDistribution);
    expect(a!.version).toBe(2);
  });

  it('keeps the newest N inactive versions', async () => {
    for (let i = 0; i < 3; i++)
      await trainOrgModel(t.db, DEFAULT_ORG_ID, { createdBy: null }, { autoActivate: false, keepVersions: 2 });
    const versions = (await listModels(t.db, DEFAULT_ORG_ID)).map((m) => [m.version, m.active]);
    expect(versions).toEqual([
      [5, false],
      [4, false],
      [1, true],
    ]);
    // auto-activation: the new one is active, the only one
    const { activated, model } = await trainOrgModel(
      t.db,
      DEFAULT_ORG_ID,
      { createdBy: null },
      { autoActivate: true, keepVersions: 5 },
    );
    expect(activated).toBe(true);
    expect((await listModels(t.db, DEFAULT_ORG_ID)).filter((m) => m.active).map((m) => m.id)).toEqual([model.id]);
  });

  it("one organisation's model and predictions never see another's sources", async () => {
    await trainOrgModel(t.db, orgB, { createdBy: null });
    await detectAnomalies(t.db, orgB, { from: '2026-02-20', to: '2026-03-02' });
    const b = await listAnomalies(t.db, orgB, { anomalousOnly: false, limit: 1000, offset: 0 });
    expect(b.total).toBe(11 * NORMAL_IPS.length);
    expect(b.items.every((p) => p.ip.startsWith('192.0.2.'))).toBe(true);
    expect(await predictionsOfIp(t.db, orgB, INJECTED_IPS[0]!, 10)).toEqual([]);
    const a = await listAnomalies(t.db, DEFAULT_ORG_ID, { anomalousOnly: false, limit: 1000, offset: 0 });
    expect(a.items.some((p) => p.ip.startsWith('192.0.2.'))).toBe(false);
    expect((await listModels(t.db, orgB)).map((m) => m.version)).toEqual([1]);
  });

  it("deleting an organisation deletes its models and predictions, and no other's", async () => {
    const count = async (table: string, orgId: number) =>
      Number(
        (await t.db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ${table} WHERE org_id = $1`, [orgId]))
          .rows[0]!.n,
      );
    expect(await count('ml_predictions', orgB)).toBeGreaterThan(0);
    expect(await deleteOrg(t.db, orgB)).toBe(true);
    expect(await count('ml_models', orgB)).toBe(0);
    expect(await count('ml_predictions', orgB)).toBe(0);
    expect(await count('ml_models', DEFAULT_ORG_ID)).toBeGreaterThan(0);
    expect(await count('ml_predictions', DEFAULT_ORG_ID)).toBeGreaterThan(0);
  });
});
