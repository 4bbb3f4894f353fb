// Models (admins): the organisation's anomaly model versions with their figures — window, training rows,
// threshold, score distribution, predictions — training a new version now, deploying one (it becomes the active
// model detection and alerts use) and deleting an inactive one.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { useApp, useLoad } from '../context';
import { ActionError, Badge, Empty, ErrorBox, Loading, PageHeader } from '../components/ui';
import { Link } from '../router';
import { formatDate, formatDateTime, formatNumber } from '../lib/format';
import { describeError } from '../lib/problem';
import { hasRole } from '../lib/session';
import type { ModelItem } from '../lib/types';

export function Models(): JSX.Element {
  const { api, user } = useApp();
  const admin = hasRole(user, 'admin');
  const list = useLoad(admin ? 'models' : null, (signal) =>
    api.get<{ items: ModelItem[] }>('/api/analytics/models', undefined, signal),
  );
  const [message, setMessage] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (!admin) {
    return (
      <>
        <PageHeader title="Anomaly models" />
        <p class="state">Managing anomaly models needs the admin role.</p>
      </>
    );
  }

  const act = async (what: () => Promise<unknown>, done: string): Promise<void> => {
    setMessage(null);
    setNotice(null);
    setBusy(true);
    try {
      await what();
      setNotice(done);
      list.reload();
    } catch (err) {
      setMessage(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  const train = () => act(() => api.post('/api/analytics/models/train', {}), 'A new version was trained.');
  const deploy = (m: ModelItem) =>
    act(() => api.post(`/api/analytics/models/${m.id}/deploy`, {}), `Version ${m.version} is now active.`);
  const remove = (m: ModelItem) => {
    if (!window.confirm(`Delete version ${m.version} and its predictions?`)) return Promise.resolve();
    return act(() => api.delete(`/api/analytics/models/${m.id}`), `Version ${m.version} was deleted.`);
  };

  return (
    <>
      <PageHeader title="Anomaly models">
        <Link href="/anomalies">Anomalies</Link>
        <button type="button" disabled={busy} onClick={() => void train()}>
          {busy ? 'Working…' : 'Train a new version'}
        </button>
      </PageHeader>
      <p class="state">
        Isolation Forest models of this organisation's source IPs × days. The first is activated when trained; later
        versions when you deploy them. Trained weekly, scored daily.
      </p>
      <ActionError message={message} />
      {notice ? (
        <p class="state" role="status">
          {notice}
        </p>
      ) : null}
      {list.state === 'loading' ? <Loading what="Loading models" /> : null}
      {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
      {list.state === 'done' && list.data.items.length === 0 ? (
        <Empty title="No model yet">Train one: it needs reports with mail from at least one source.</Empty>
      ) : null}
      {list.state === 'done' && list.data.items.length > 0 ? (
        <div class="table-wrap">
          <table class="data compact">
            <caption class="sr-only">Model versions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Training window</th>
                <th scope="col" class="num">
                  Rows
                </th>
                <th scope="col" class="num">
                  Features
                </th>
                <th scope="col" class="num">
                  Threshold
                </th>
                <th scope="col" class="num">
                  Score p50 / p99 / max
                </th>
                <th scope="col" class="num">
                  Anomalous / scored
                </th>
                <th scope="col">Trained</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((m) => (
                <tr key={m.id}>
                  <td>
                    {m.version} {m.active ? <Badge tone="pass">active</Badge> : null}
                  </td>
                  <td>
                    {formatDate(m.windowFrom)} – {formatDate(m.windowTo)}
                  </td>
                  <td class="num">{formatNumber(m.samples)}</td>
                  <td class="num" title={m.features.map((f) => f.name).join(', ')}>
                    {m.features.length}
                  </td>
                  <td class="num">{m.threshold.toFixed(2)}</td>
                  <td class="num">
                    {m.scoreDistribution.p50.toFixed(2)} / {m.scoreDistribution.p99.toFixed(2)} /{' '}
                    {m.scoreDistribution.max.toFixed(2)}
                  </td>
                  <td class="num">
                    {formatNumber(m.anomalous)} / {formatNumber(m.predictions)}
                  </td>
                  <td>
                    {formatDateTime(m.createdAt)}
                    <br />
                    {m.createdBy ?? 'weekly task'}
                  </td>
                  <td>
                    {!m.active ? (
                      <>
                        <button type="button" disabled={busy} onClick={() => void deploy(m)}>
                          Deploy
                        </button>{' '}
                        <button type="button" class="danger" disabled={busy} onClick={() => void remove(m)}>
                          Delete
                        </button>
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
