// Ingestion status: background tasks (when the server has the task registry) and the ingested files with
// their status, refreshed every few seconds while the page is open.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useApp, useLoad } from '../context';
import { Badge, ErrorBox, Empty, Loading, PageHeader, Pager } from '../components/ui';
import { ApiError, describeError } from '../lib/problem';
import { formatBytes, formatDateTime, formatNumber } from '../lib/format';
import { withParams } from '../lib/filters';
import { hasRole } from '../lib/session';
import type { FileDetail, FileItem, Page, TaskItem } from '../lib/types';
import { Link, navigate, useLocation } from '../router';

const STATUSES = ['pending', 'processing', 'processed', 'duplicate', 'unsupported', 'failed'] as const;
const LIMIT = 50;

function useTicker(ms: number): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') setN((x) => x + 1);
    }, ms);
    return () => clearInterval(t);
  }, [ms]);
  return n;
}

const tone = (s: string): 'pass' | 'fail' | 'warn' | 'neutral' =>
  s === 'processed' || s === 'completed'
    ? 'pass'
    : s === 'failed'
      ? 'fail'
      : s === 'duplicate' || s === 'unsupported' || s === 'delayed'
        ? 'warn'
        : 'neutral';

export function Tasks(): JSX.Element {
  const { api, user } = useApp();
  const loc = useLocation();
  const params = new URLSearchParams(loc.search);
  const status = params.get('status') ?? '';
  const cursor = params.get('cursor') ?? undefined;
  // ?file=ID: that file and the reports stored from it (what a report's page links to)
  const fileParam = /^\d{1,15}$/.test(params.get('file') ?? '') ? params.get('file') : null;
  const tick = useTicker(5000);
  const [notice, setNotice] = useState<string | null>(null);

  const tasks = useLoad(`tasks:${tick}`, async (signal) => {
    try {
      return await api.get<Page<TaskItem>>('/api/tasks', { limit: 20 }, signal);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  });
  const fq = { limit: LIMIT, cursor, status: status || undefined };
  const files = useLoad(`files:${JSON.stringify(fq)}:${cursor ? 0 : tick}`, (signal) =>
    api.get<Page<FileItem>>('/api/files', fq, signal),
  );

  const trigger = async (): Promise<void> => {
    setNotice(null);
    try {
      // Queues the pending files again, and a mailbox fetch when a mailbox is configured.
      const r = await api.post<{ queued: string[] }>('/api/ingest/trigger', {});
      setNotice(
        r.queued.length > 1
          ? 'Ingestion started: mailbox fetch and pending files queued.'
          : 'Ingestion started: pending files queued (no mailbox is configured).',
      );
      tasks.reload();
      files.reload();
    } catch (err) {
      setNotice(`Could not start ingestion: ${describeError(err)}`);
    }
  };

  const isAdmin = hasRole(user, 'admin');
  // A file imported by mistake (a README, a folder of source code): it goes with the reports stored from it.
  const removeFile = async (f: FileItem): Promise<void> => {
    const stored = f.reportCount === 1 ? 'the report stored from it' : `the ${f.reportCount} reports stored from it`;
    const what = f.reportCount > 0 ? ` and ${stored} (their messages leave every figure)` : '';
    if (!window.confirm(`Delete the file “${f.name}”${what}? This cannot be undone.`)) return;
    setNotice(null);
    try {
      const r = await api.delete<{ reports: number; messages: number }>(`/api/files/${f.id}`);
      setNotice(
        `Deleted “${f.name}”` +
          (r.reports > 0 ? ` and ${formatNumber(r.reports)} reports (${formatNumber(r.messages)} messages).` : '.'),
      );
      files.reload();
    } catch (err) {
      setNotice(`Could not delete “${f.name}”: ${describeError(err)}`);
    }
  };

  // The queue board is a page of its own, in a tab of its own (the dashboard stays where it was): the browser
  // gets a short admin cookie for /admin first. The tab is opened during the click, or a popup blocker refuses it.
  const openBoard = async (): Promise<void> => {
    setNotice(null);
    const tab = window.open('about:blank', '_blank');
    try {
      await api.post('/auth/admin-session', {});
      if (tab) {
        tab.opener = null;
        tab.location.href = '/admin/queues';
      } else {
        window.location.assign('/admin/queues');
      }
    } catch (err) {
      tab?.close();
      setNotice(`Could not open the queue monitor: ${describeError(err)}`);
    }
  };

  return (
    <>
      <PageHeader title="Ingestion">
        {hasRole(user, 'admin') ? (
          <button type="button" class="secondary" title="Opens in a new tab" onClick={() => void openBoard()}>
            Queue monitor ↗
          </button>
        ) : null}
        {hasRole(user, 'analyst') ? (
          <button type="button" onClick={() => void trigger()}>
            Start ingestion now
          </button>
        ) : null}
      </PageHeader>
      {notice ? <p role="status">{notice}</p> : null}
      {/* asked for (from a report's page): first, above the lists */}
      {fileParam ? <FileCard id={fileParam} /> : null}

      <section class="card detail" aria-labelledby="tasks-h">
        <h2 id="tasks-h">Background tasks</h2>
        {tasks.state === 'error' ? <ErrorBox error={tasks.error} retry={tasks.reload} /> : null}
        {tasks.data === undefined ? (
          tasks.state === 'loading' ? (
            <Loading what="Loading tasks" />
          ) : null
        ) : tasks.data === null ? (
          <p class="muted">This server does not list its background tasks; the files below show what was ingested.</p>
        ) : tasks.data.items.length === 0 ? (
          <p>No tasks have run yet.</p>
        ) : (
          <div class="table-wrap">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Task</th>
                  <th scope="col">State</th>
                  <th scope="col" class="num">
                    Attempts
                  </th>
                  <th scope="col">Worker</th>
                  <th scope="col">Queued</th>
                  <th scope="col">Finished</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {tasks.data.items.map((t) => (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    <td>
                      <Badge tone={tone(t.state)}>{t.state}</Badge>
                    </td>
                    <td class="num">{t.attempts}</td>
                    <td>{t.worker ?? '—'}</td>
                    <td class="nowrap">{formatDateTime(t.queuedAt)}</td>
                    <td class="nowrap">{formatDateTime(t.finishedAt)}</td>
                    <td>{t.error ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="card detail" aria-labelledby="files-h">
        <h2 id="files-h">Ingested files</h2>
        <div class="filter">
          <label for="file-status">Status</label>
          <select
            id="file-status"
            value={status}
            onChange={(e) =>
              navigate(`/tasks${withParams(loc.search, { status: e.currentTarget.value, cursor: null, page: null })}`)
            }
          >
            <option value="">All</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        {files.state === 'error' ? <ErrorBox error={files.error} retry={files.reload} /> : null}
        {!files.data ? (
          files.state === 'loading' ? (
            <Loading what="Loading files" />
          ) : null
        ) : files.data.total === 0 ? (
          <Empty title={status ? `No ${status} files` : 'No files yet'}>
            <p>
              Files uploaded, imported with <code>dmarc import</code> or fetched from a mailbox appear here.
            </p>
          </Empty>
        ) : (
          <>
            <div class="table-wrap">
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">File</th>
                    <th scope="col">Source</th>
                    <th scope="col" class="num">
                      Size
                    </th>
                    <th scope="col">Received</th>
                    <th scope="col">Status</th>
                    <th scope="col" class="num">
                      Reports
                    </th>
                    <th scope="col" class="num">
                      Records
                    </th>
                    <th scope="col">Error</th>
                    {isAdmin ? (
                      <th scope="col">
                        <span class="sr-only">Actions</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody>
                  {files.data.items.map((f) => (
                    <tr key={f.id}>
                      <td class="file-name">
                        <Link href={`/tasks${withParams(loc.search, { file: String(f.id) })}`}>{f.name}</Link>
                      </td>
                      <td>{f.source}</td>
                      <td class="num nowrap">{formatBytes(f.size)}</td>
                      <td class="nowrap">{formatDateTime(f.receivedAt)}</td>
                      <td>
                        <Badge tone={tone(f.status)}>{f.status}</Badge>
                        {f.recovered ? <Badge tone="warn">recovered</Badge> : null}
                      </td>
                      <td class="num">{formatNumber(f.reportCount)}</td>
                      <td class="num">{formatNumber(f.recordCount)}</td>
                      <td>{f.error ?? ''}</td>
                      {isAdmin ? (
                        <td>
                          <button
                            type="button"
                            class="danger small"
                            disabled={f.status === 'processing'}
                            title={f.status === 'processing' ? 'Being processed: delete it once it is done' : undefined}
                            onClick={() => void removeFile(f)}
                          >
                            Delete
                          </button>
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              total={files.data.total}
              shown={files.data.items.length}
              nextCursor={files.data.nextCursor}
              limit={LIMIT}
            />
          </>
        )}
      </section>
    </>
  );
}

/** One file with the reports stored from it, each linked to its page (reports link back here). */
function FileCard({ id }: { id: string }): JSX.Element {
  const { api } = useApp();
  const loc = useLocation();
  const f = useLoad(`file:${id}`, (signal) => api.get<FileDetail>(`/api/files/${id}`, undefined, signal));
  const close = `/tasks${withParams(loc.search, { file: null })}`;
  return (
    <section class="card detail" aria-labelledby="file-h" data-testid="file-card">
      <h2 id="file-h">{f.data ? `File “${f.data.name}”` : `File ${id}`}</h2>
      {f.state === 'error' ? <ErrorBox error={f.error} retry={f.reload} /> : null}
      {f.data ? (
        <>
          <p>
            <Badge tone={tone(f.data.status)}>{f.data.status}</Badge>
            {f.data.recovered ? <Badge tone="warn">recovered</Badge> : null} {formatBytes(f.data.size)}, received{' '}
            {formatDateTime(f.data.receivedAt)} by {f.data.source}
            {f.data.error ? `: ${f.data.error}` : ''}
          </p>
          {f.data.tlsReports.length > 0 ? (
            <div class="table-wrap">
              <table class="data">
                <caption class="sr-only">SMTP TLS reports stored from this file</caption>
                <thead>
                  <tr>
                    <th scope="col">SMTP TLS report</th>
                    <th scope="col">Reporter</th>
                    <th scope="col">Policy domain</th>
                    <th scope="col" class="num">
                      Successful sessions
                    </th>
                    <th scope="col" class="num">
                      Failed sessions
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {f.data.tlsReports.map((r) => (
                    <tr key={r.id}>
                      <td class="report-id">
                        <Link href={`/reports/tls/${r.id}`}>{r.reportId}</Link>
                      </td>
                      <td>{r.orgName}</td>
                      <td>{r.domain}</td>
                      <td class="num">{formatNumber(r.successfulSessions)}</td>
                      <td class="num">{formatNumber(r.failedSessions)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {f.data.failureReports.length > 0 ? (
            <div class="table-wrap">
              <table class="data">
                <caption class="sr-only">Failure reports stored from this file</caption>
                <thead>
                  <tr>
                    <th scope="col">Failure report</th>
                    <th scope="col">Reported domain</th>
                    <th scope="col">Source IP</th>
                    <th scope="col">Auth failure</th>
                    <th scope="col">Arrival</th>
                  </tr>
                </thead>
                <tbody>
                  {f.data.failureReports.map((r) => (
                    <tr key={r.id}>
                      <td>
                        <Link href={`/reports/failures/${r.id}`}>#{r.id}</Link>
                      </td>
                      <td>{r.reportedDomain ?? '—'}</td>
                      <td class="mono">{r.sourceIp ?? '—'}</td>
                      <td>{r.authFailure ?? '—'}</td>
                      <td>{r.arrivalDate ? formatDateTime(r.arrivalDate) : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {f.data.reports.length === 0 ? (
            f.data.tlsReports.length + f.data.failureReports.length === 0 ? (
              <p class="muted">No report was stored from this file.</p>
            ) : null
          ) : (
            <div class="table-wrap">
              <table class="data">
                <caption class="sr-only">Reports stored from this file</caption>
                <thead>
                  <tr>
                    <th scope="col">Report</th>
                    <th scope="col">Reporter</th>
                    <th scope="col">Domain</th>
                    <th scope="col" class="num">
                      Records
                    </th>
                    <th scope="col" class="num">
                      Messages
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {f.data.reports.map((r) => (
                    <tr key={r.id}>
                      <td class="report-id">
                        <Link href={`/reports/${r.id}`}>{r.reportId}</Link>
                      </td>
                      <td>{r.orgName}</td>
                      <td>{r.domain}</td>
                      <td class="num">{formatNumber(r.records)}</td>
                      <td class="num">{formatNumber(r.messages)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : f.state === 'loading' ? (
        <Loading what="Loading the file" />
      ) : null}
      <p>
        <Link href={close}>Close</Link>
      </p>
    </section>
  );
}
