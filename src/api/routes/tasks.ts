// Background tasks: the history of an organisation's runs (both queue adapters record it; platform administrators
// also see the platform-wide ones), triggering an IMAP fetch of its mailboxes (a tenant plugin), and the queue
// monitor for platform administrators at /admin/queues — the maintained BullMQ board (bull-board) in distributed
// mode, the same task list as a page in embedded mode.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type HTTPMethods } from 'fastify';
import { Type } from 'typebox';
import { BullMqQueue } from '../../jobs/bullmq-queue.js';
import { TASK_NAMES } from '../../jobs/tasks/index.js';
import { queueImapFetches } from '../../jobs/tasks/fetch-imap.js';
import { TASK_STATES, getTaskRun, listTaskRuns, type TaskRun, type TaskState } from '../../store/task-runs.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { AppDeps } from '../deps.js';
import { orgOf, principalOf } from '../plugins/auth.js';
import { HttpProblem } from '../problem.js';
import { DateTimeString, Nullable, Page, Problem, paginationProperties, problemResponses } from '../schemas/common.js';

const TaskStateSchema = Type.Union(
  [
    Type.Literal('queued'),
    Type.Literal('running'),
    Type.Literal('retrying'),
    Type.Literal('completed'),
    Type.Literal('failed'),
  ],
  { description: 'queued → running → (retrying → running)* → completed | failed' },
);

const TaskRunItem = Type.Object({
  id: Type.String({ description: 'Job id' }),
  name: Type.String({ description: `Task: ${TASK_NAMES.join(', ')}` }),
  state: TaskStateSchema,
  attempts: Type.Integer({ description: 'Runs started so far (retries and runs after a worker died count)' }),
  maxAttempts: Nullable(Type.Integer()),
  worker: Nullable(Type.String({ description: '"host:pid" of the worker of the latest attempt' })),
  queuedAt: DateTimeString,
  startedAt: Nullable(DateTimeString),
  finishedAt: Nullable(DateTimeString),
  retryAt: Nullable(DateTimeString),
  error: Nullable(Type.String({ description: 'Error of the latest failed attempt' })),
});

const TaskRunDetail = Type.Object({
  ...TaskRunItem.properties,
  payload: Type.Unknown({ description: 'What the task was asked to do, e.g. {"fileId": 42}' }),
  result: Type.Unknown({ description: 'Summary of a completed run' }),
});

const TasksQuery = Type.Object(
  {
    ...paginationProperties,
    state: Type.Optional(Type.String({ description: `Comma-separated states: ${TASK_STATES.join(', ')}` })),
    name: Type.Optional(Type.String({ description: `Comma-separated task names: ${TASK_NAMES.join(', ')}` })),
  },
  { additionalProperties: false },
);

const IngestBody = Type.Object(
  { mailbox: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Only this mailbox' })) },
  { additionalProperties: false },
);

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

function runJson(r: TaskRun) {
  return {
    id: r.id,
    name: r.name,
    state: r.state,
    attempts: r.attempts,
    maxAttempts: r.maxAttempts,
    worker: r.worker,
    queuedAt: r.queuedAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    retryAt: iso(r.retryAt),
    error: r.error,
  };
}

function listParam<T extends string>(field: string, text: string | undefined, allowed: readonly T[]): T[] | undefined {
  if (text === undefined) return undefined;
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((s) => !allowed.includes(s as T));
  if (bad.length > 0 || list.length === 0) {
    throw new HttpProblem(400, 'validation_failed', `${field}: unknown value ${bad.join(', ') || '(empty)'}`, [
      { field, message: `must be a comma-separated list of ${allowed.join(', ')}` },
    ]);
  }
  return list as T[];
}

/** Whose runs a request sees: its organisation's, and the platform-wide ones for platform administrators. */
function runScope(req: FastifyRequest): { orgId: number; includePlatform: boolean } {
  return { orgId: orgOf(req).id, includePlatform: principalOf(req).user.platformAdmin };
}

export const taskRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const base = { tags: ['tasks'] };
  app.get(
    '/tasks',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'Recent task runs (background jobs), newest first',
        querystring: TasksQuery,
        response: { 200: Page(TaskRunItem), ...problemResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const states = listParam<TaskState>('state', q.state, TASK_STATES);
      const names = listParam('name', q.name, TASK_NAMES);
      const before = decodeCursor(q.cursor, (v): v is { s: number } =>
        Number.isSafeInteger((v as { s?: number })?.s),
      )?.s;
      const page = await listTaskRuns(deps.db, {
        ...runScope(req),
        limit: q.limit ?? 50,
        beforeSeq: before,
        states,
        names,
      });
      return {
        items: page.items.map(runJson),
        total: page.total,
        nextCursor: page.nextBeforeSeq !== null ? encodeCursor({ s: page.nextBeforeSeq }) : null,
      };
    },
  );

  app.get(
    '/tasks/:id',
    {
      config: { role: 'viewer' },
      schema: {
        ...base,
        summary: 'One task run, with what it was asked to do and its result',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_.:@-]+$' }) }),
        response: { 200: TaskRunDetail, ...problemResponses },
      },
    },
    async (req) => {
      const { id } = req.params;
      const r = await getTaskRun(deps.db, id, runScope(req));
      if (!r) throw new HttpProblem(404, 'task_not_found', `task run ${id} does not exist (or was pruned)`);
      return { ...runJson(r), payload: r.payload, result: r.result };
    },
  );

  app.post(
    '/tasks/ingest',
    {
      config: { role: 'analyst' },
      // the body is optional: none means every mailbox
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
      },
      schema: {
        ...base,
        summary: "Fetch new reports from the organisation's IMAP mailboxes now",
        description:
          'Queues one fetch-imap run per mailbox of the organisation (or only `mailbox`). A fetch already queued is not ' +
          'queued twice; one running gets one more run after it. Poll GET /api/tasks/{id} for the outcome.',
        body: IngestBody,
        response: {
          202: Type.Object({ queued: Type.Array(Type.String({ description: 'Task ids' })) }),
          400: Problem,
          404: Problem,
          409: Problem,
          500: Problem,
        },
      },
    },
    async (req, reply) => {
      const { mailbox } = req.body;
      const all = [...deps.config.imap, ...deps.config.mailboxes].filter((m) => m.org === orgOf(req).slug);
      if (all.length === 0) {
        throw new HttpProblem(
          409,
          'imap_not_configured',
          'no mailbox is configured for this organisation (DMARC_IMAP_HOST, ... or the DMARC_CONFIG file)',
        );
      }
      const mailboxes = mailbox === undefined ? all : all.filter((m) => m.name === mailbox);
      if (mailboxes.length === 0) {
        throw new HttpProblem(404, 'mailbox_not_found', `no mailbox named '${mailbox}' is configured`);
      }
      const org = orgOf(req);
      const queued = await queueImapFetches(deps.queue, mailboxes, () => org.id);
      return reply.code(202).send({ queued });
    },
  );
};

// ---- the queue monitor ----

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A time on one line: "2026-12-03 06:44:21". */
const time = (d: Date | null | undefined): string => (d ? d.toISOString().slice(0, 19).replace('T', ' ') : '');

/** Embedded mode: the task runs as a plain page (the data of GET /api/tasks). */
async function taskListPage(deps: AppDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const q = req.query as { state?: string };
  const states = listParam<TaskState>('state', q.state || undefined, TASK_STATES);
  // the board is a platform administrator's: every organisation's runs
  const page = await listTaskRuns(deps.db, { orgId: 0, everyOrg: true, limit: 200, states });
  const rows = page.items
    .map((r) => {
      const cells = [
        r.id,
        r.name,
        r.state,
        String(r.attempts),
        r.worker ?? '',
        time(r.queuedAt),
        time(r.startedAt),
        time(r.finishedAt),
        r.error ?? '',
      ];
      // the id in short (the whole in its tooltip): a UUID wrapped onto two lines in every row
      const [id, ...rest] = cells;
      const idCell = `<td><code title="${escapeHtml(id!)}">${escapeHtml(id!.slice(0, 8))}</code></td>`;
      return `<tr class="${r.state}">${idCell}${rest.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const current = states?.length === 1 ? states[0] : '';
  const filters = ['', ...TASK_STATES]
    .map((s) => (s === current ? `<strong>${s || 'all'}</strong>` : `<a href="?state=${s}">${s || 'all'}</a>`))
    .join(' · ');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tasks · DMARC</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/svg+xml" href="/favicon.svg">
<style>body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#fff;border-bottom:1px solid #d0d7de;padding:.8rem 1.5rem;display:flex;gap:1rem;align-items:baseline}
header h1{font-size:1.15rem;margin:0}main{padding:1rem 1.5rem}a{color:#0b57d0}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
td,th{border-bottom:1px solid #e5e7eb;padding:.35rem .6rem;text-align:left;vertical-align:top}
th{background:#f0f3f6;font-weight:600}td:nth-child(-n+8){white-space:nowrap}td:last-child{overflow-wrap:anywhere}
td:first-child,td:nth-child(4){font-variant-numeric:tabular-nums}
tr.failed td{color:#b00020}tr.running td{color:#0b57d0}</style></head>
<body><header><h1>Background tasks</h1><a href="/tasks">← Back to the dashboard</a></header><main>
<p>Embedded mode: jobs run in this process. ${page.total} runs recorded; the newest 200 are shown (times in UTC).
Show: ${filters}</p>
<table><thead><tr><th>id</th><th>task</th><th>state</th><th>attempts</th><th>worker</th><th>queued</th>
<th>started</th><th>finished</th><th>error</th></tr></thead><tbody>
${rows}
</tbody></table></main></body></html>`;
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

const BOARD = '/admin/queues';
const METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * /admin/queues for platform administrators. Distributed mode: bull-board, served by a private Fastify instance that only this
 * route reaches, after the admin role was checked; embedded mode: the task list page.
 */
export async function registerQueueBoard(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const common = { config: { role: 'platform_admin' as const }, schema: { hide: true } };
  if (!(deps.queue instanceof BullMqQueue)) {
    app.get(BOARD, common, (req, reply) => taskListPage(deps, req, reply));
    return;
  }
  const board = Fastify({ logger: false });
  const adapter = new FastifyAdapter();
  adapter.setBasePath(BOARD);
  createBullBoard({
    queues: [new BullMQAdapter(deps.queue.queue, { description: 'DMARC background tasks' })],
    // @bull-board/fastify brings its own copy of @bull-board/api (one patch version apart): same shape
    serverAdapter: adapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'DMARC tasks' } },
  });
  await board.register(adapter.registerPlugin(), { prefix: BOARD });
  await board.ready();
  app.addHook('onClose', async () => {
    await board.close();
  });
  const forward = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    // Only the headers the request has: one it lacks, passed on as undefined, made the inner request fail (500
    // to a client sending no Accept header).
    const headers: Record<string, string> = {};
    if (req.headers.accept) headers.accept = req.headers.accept;
    if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
    const res = await board.inject({
      method: req.method,
      url: req.url,
      headers,
      ...(req.body !== undefined ? { payload: req.body as object } : {}),
    });
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined && !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) {
        reply.header(k, v);
      }
    }
    return reply.code(res.statusCode).send(res.rawPayload);
  };
  app.route({ method: METHODS, url: BOARD, ...common, handler: forward });
  app.route({ method: METHODS, url: `${BOARD}/*`, ...common, handler: forward });
}
