// The task routes on the app as `dmarc serve` builds it: GET /api/tasks (history of runs, filters, pagination),
// GET /api/tasks/:id, POST /api/tasks/ingest, POST /api/ingest/trigger with IMAP configured, and the task list
// page at /admin/queues in embedded mode. The runs an organisation's member triggers are the organisation's:
// they can follow them, other organisations' members cannot see them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticReportXml } from '../../bench/generator.js';
import { intakeFile } from '../../src/ingest/intake.js';
import { getFile } from '../../src/store/files.js';
import type { Organization } from '../../src/store/organizations.js';
import { expectProblem, getJson, upload, startApi, type Page, type TestApi } from '../api/helpers.js';
import { createOrg } from '../support/org.js';
import { waitFor } from './support.js';

interface Run {
  id: string;
  name: string;
  state: string;
  attempts: number;
  worker: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

describe('task routes (embedded mode)', () => {
  let api: TestApi;
  let imapApi: TestApi;
  beforeAll(async () => {
    api = await startApi('pglite');
    imapApi = await startApi('pglite', {
      DMARC_IMAP_HOST: '127.0.0.1',
      DMARC_IMAP_PORT: '1',
      DMARC_IMAP_TLS: 'none',
      DMARC_IMAP_USER: 'u',
      DMARC_IMAP_PASSWORD: 'p',
      DMARC_IMAP_NAME: 'reports',
    });
  });
  afterAll(async () => {
    await api?.close();
    await imapApi?.close();
  });

  it('lists each processed upload as a run, newest first, with its worker; filters and pages', async () => {
    const files = [1, 2, 3].map((i) => ({
      name: `r${i}.xml`,
      bytes: syntheticReportXml({ seed: 900 + i, records: 5, reportId: `tasks-${i}` }),
    }));
    const results = await upload(api, files);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    await api.queue.drain();

    const page = await getJson<Page<Run>>(api, '/api/tasks?name=process-file');
    expect(page.total).toBe(3);
    for (const r of page.items) {
      expect(r).toMatchObject({ name: 'process-file', state: 'completed', attempts: 1, error: null });
      expect(r.worker).toMatch(/^.+:\d+$/);
      expect(Date.parse(r.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(r.startedAt!));
    }
    const detail = await getJson<Run & { payload: { fileId: number }; result: { reports: number } }>(
      api,
      `/api/tasks/${page.items[0]!.id}`,
    );
    expect(detail.payload.fileId).toBe(results[2]!.fileId); // newest first
    expect(detail.result).toMatchObject({ status: 'processed', reports: 1 });

    const first = await getJson<Page<Run>>(api, '/api/tasks?name=process-file&limit=2');
    expect(first.items).toHaveLength(2);
    const second = await getJson<Page<Run>>(
      api,
      `/api/tasks?name=process-file&limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`,
    );
    expect(second.items.map((r) => r.id)).toEqual([page.items[2]!.id]);
    expect(second.nextCursor).toBeNull();
    expect((await getJson<Page<Run>>(api, '/api/tasks?state=failed,retrying')).total).toBe(0);
    expect((await getJson<Page<Run>>(api, '/api/tasks?state=completed')).total).toBeGreaterThanOrEqual(3);
  });

  it('refuses unknown filters and ids with problem details', async () => {
    const bad = expectProblem(await api.inject('/api/tasks?state=exploded'), 400, 'validation_failed');
    expect(bad.errors).toEqual([{ field: 'state', message: expect.stringContaining('completed') }]);
    expectProblem(await api.inject('/api/tasks?name=mine-bitcoin'), 400, 'validation_failed');
    expectProblem(await api.inject('/api/tasks?cursor=garbage'), 400, 'invalid_cursor');
    expectProblem(await api.inject('/api/tasks/no-such-run'), 404, 'task_not_found');
    expectProblem(await api.inject('/api/tasks/bad%20id'), 400);
  });

  it('POST /api/tasks/ingest: 409 without a mailbox; queues a fetch per mailbox otherwise', async () => {
    expectProblem(await api.inject({ method: 'POST', url: '/api/tasks/ingest' }), 409, 'imap_not_configured');
    expectProblem(
      await imapApi.inject({ method: 'POST', url: '/api/tasks/ingest', payload: { mailbox: 'other' } }),
      404,
      'mailbox_not_found',
    );
    const r = await imapApi.inject({ method: 'POST', url: '/api/tasks/ingest', payload: { mailbox: 'reports' } });
    expect(r.statusCode).toBe(202);
    const { queued } = r.json<{ queued: string[] }>();
    expect(queued).toHaveLength(1);
    const run = await getJson<Run & { payload: unknown }>(imapApi, `/api/tasks/${queued[0]}`);
    expect(run).toMatchObject({ name: 'fetch-imap', payload: { mailbox: 'reports' } });
    expect(['queued', 'running', 'retrying', 'failed']).toContain(run.state);

    // the seed's trigger: the pending sweep and the IMAP fetch
    const t = await imapApi.inject({ method: 'POST', url: '/api/ingest/trigger' });
    expect(t.statusCode).toBe(202);
    const ids = t.json<{ queued: string[] }>().queued;
    expect(ids).toHaveLength(2);
    expect((await getJson<Run>(imapApi, `/api/tasks/${ids[1]}`)).name).toBe('fetch-imap');
    const sweep = await waitFor('the sweep', async () => {
      const s = await getJson<Run>(imapApi, `/api/tasks/${ids[0]}`);
      return s.state === 'completed' ? s : undefined;
    });
    expect(sweep.name).toBe('sweep-pending');
  });

  it('/admin/queues shows the task list in embedded mode', async () => {
    const r = await api.inject('/admin/queues?state=completed');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.body).toContain('<h1>Background tasks</h1>');
    expect(r.body).toMatch(/<td>process-file<\/td><td>completed<\/td>/);
    // a way back, times on one line, and the filter in use shown
    expect(r.body).toContain('<a href="/tasks">← Back to the dashboard</a>');
    expect(r.body).toMatch(/<td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d<\/td>/);
    expect(r.body).not.toMatch(/<td>\d{4}-\d\d-\d\dT/);
    expect(r.body).toContain('<strong>completed</strong>');
  });
});

describe("an organisation's runs (embedded mode)", () => {
  let api: TestApi;
  let alpha: Organization;
  let beta: Organization;
  /** An analyst of alpha, not a platform administrator. */
  let analyst: Record<string, string>;
  /** An admin of beta, not a platform administrator. */
  let other: Record<string, string>;

  const as = (headers: Record<string, string>, method: 'GET' | 'POST', url: string) =>
    api.app.inject({ method, url, headers });
  const runOf = async (headers: Record<string, string>, url: string) => {
    const r = await as(headers, 'GET', url);
    expect(r.statusCode, r.body).toBe(200);
    return r.json<Run & { payload: Record<string, unknown>; result: unknown }>();
  };

  beforeAll(async () => {
    api = await startApi('pglite', {
      DMARC_IMAP_HOST: '127.0.0.1',
      DMARC_IMAP_PORT: '1',
      DMARC_IMAP_TLS: 'none',
      DMARC_IMAP_USER: 'u',
      DMARC_IMAP_PASSWORD: 'p',
      DMARC_IMAP_NAME: 'alpha-reports',
      DMARC_IMAP_ORG: 'alpha',
    });
    alpha = await createOrg(api.db, 'alpha');
    beta = await createOrg(api.db, 'beta');
    const user = async (email: string, orgId: number, role: 'analyst' | 'admin') => {
      const { user } = await api.auth.createUser({
        email,
        name: email,
        password: 'correct horse battery staple',
        member: { orgId, role },
      });
      return { authorization: `Bearer ${await api.auth.access.sign(user.id)}` };
    };
    analyst = await user('analyst@alpha.example', alpha.id, 'analyst');
    other = await user('admin@beta.example', beta.id, 'admin');
  });
  afterAll(async () => {
    await api?.close();
  });

  it("POST /api/tasks/ingest: the fetch runs are the organisation's; its analyst reads them, another organisation gets 404", async () => {
    const r = await as(analyst, 'POST', '/api/tasks/ingest');
    expect(r.statusCode, r.body).toBe(202);
    const { queued } = r.json<{ queued: string[] }>();
    expect(queued).toHaveLength(1);
    const run = await runOf(analyst, `/api/tasks/${queued[0]}`);
    expect(run).toMatchObject({ name: 'fetch-imap', payload: { mailbox: 'alpha-reports', orgId: alpha.id } });
    expect((await runOf(analyst, `/api/orgs/alpha/tasks/${queued[0]}`)).id).toBe(queued[0]);
    const list = await as(analyst, 'GET', '/api/tasks?name=fetch-imap');
    expect(list.json<Page<Run>>().items.map((x) => x.id)).toContain(queued[0]);

    // another organisation's member: not found, whichever way it asks
    expectProblem(await as(other, 'GET', `/api/tasks/${queued[0]}`), 404, 'task_not_found');
    expectProblem(await as(other, 'GET', `/api/orgs/beta/tasks/${queued[0]}`), 404, 'task_not_found');
    expect((await as(other, 'GET', `/api/orgs/alpha/tasks/${queued[0]}`)).statusCode).toBe(404);
    expect((await as(other, 'GET', '/api/tasks?name=fetch-imap')).json<Page<Run>>().total).toBe(0);
    // and beta has no mailbox to fetch
    expectProblem(await as(other, 'POST', '/api/tasks/ingest'), 409, 'imap_not_configured');
  });

  it("POST /api/ingest/trigger: a sweep of the organisation's files only, and its fetch; both followed by its analyst", async () => {
    await api.queue.drain();
    const [mine, theirs] = await Promise.all(
      [alpha, beta].map(async (org, i) => {
        const bytes = Buffer.from(syntheticReportXml({ seed: 950 + i, records: 3, reportId: `sweep-${org.slug}` }));
        return (await intakeFile(api.db, { orgId: org.id, bytes, name: `${org.slug}.xml`, source: 'api' })).fileId;
      }),
    );
    // both left pending by a crash, long ago
    await api.db.query(`UPDATE ingested_files SET status_changed_at = now() - interval '1 hour'`);

    const r = await as(analyst, 'POST', '/api/ingest/trigger');
    expect(r.statusCode, r.body).toBe(202);
    const ids = r.json<{ queued: string[] }>().queued;
    expect(ids).toHaveLength(2);
    const sweep = await waitFor('the sweep', async () => {
      const s = await runOf(analyst, `/api/tasks/${ids[0]}`);
      return s.state === 'completed' ? s : undefined;
    });
    expect(sweep).toMatchObject({ name: 'sweep-pending', payload: { orgId: alpha.id }, result: { queued: 1 } });
    expect(await runOf(analyst, `/api/tasks/${ids[1]}`)).toMatchObject({
      name: 'fetch-imap',
      payload: { orgId: alpha.id },
    });
    await api.queue.drain();
    expect((await getFile(api.db, alpha.id, mine!))?.status).toBe('processed');
    expect((await getFile(api.db, beta.id, theirs!))?.status).toBe('pending'); // not alpha's to sweep
    // the file's processing is alpha's run too
    const processed = await as(analyst, 'GET', '/api/tasks?name=process-file');
    expect(processed.json<Page<Run>>().total).toBe(1);

    for (const id of ids) {
      expectProblem(await as(other, 'GET', `/api/tasks/${id}`), 404, 'task_not_found');
      expectProblem(await as(other, 'GET', `/api/orgs/beta/tasks/${id}`), 404, 'task_not_found');
    }
    // beta's own trigger sweeps beta's file, under a dedupe key of its own
    const b = await as(other, 'POST', '/api/ingest/trigger');
    expect(b.statusCode).toBe(202);
    const [betaSweep] = b.json<{ queued: string[] }>().queued;
    expect(betaSweep).not.toBe(ids[0]);
    await api.queue.drain();
    expect(await runOf(other, `/api/tasks/${betaSweep}`)).toMatchObject({ state: 'completed', result: { queued: 1 } });
    expect((await getFile(api.db, beta.id, theirs!))?.status).toBe('processed');
    expectProblem(await as(analyst, 'GET', `/api/tasks/${betaSweep}`), 404, 'task_not_found');
  });

  it("a fetch naming another organisation than its mailbox's fails for good, without reading the mailbox", async () => {
    const id = await api.queue.enqueue('fetch-imap', { mailbox: 'alpha-reports', orgId: beta.id });
    await api.queue.drain();
    expect(await runOf(other, `/api/tasks/${id}`)).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: `the IMAP mailbox 'alpha-reports' is not organisation ${beta.id}'s`,
    });
  });
});
