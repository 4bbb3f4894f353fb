// The task routes on the app as `dmarc serve` builds it: GET /api/tasks (history of runs, filters, pagination),
// GET /api/tasks/:id, POST /api/tasks/ingest, POST /api/ingest/trigger with IMAP configured, and the task list
// page at /admin/queues in embedded mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticReportXml } from '../../bench/generator.js';
import { expectProblem, getJson, upload, startApi, type Page, type TestApi } from '../api/helpers.js';
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
  });
});
