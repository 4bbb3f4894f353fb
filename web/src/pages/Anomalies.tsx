// Anomalies: the source IPs the organisation's active anomaly model marked anomalous, highest score first — the
// day, the score, the explanation in words, and a link to the source's page. A table (the figure is the score).
import type { JSX } from 'preact';
import { useApp, useLoad } from '../context';
import { Badge, Empty, ErrorBox, Loading, PageHeader, Pager } from '../components/ui';
import { formatDate, formatNumber } from '../lib/format';
import { hasRole } from '../lib/session';
import type { AnomalyItem, Page } from '../lib/types';
import { Link, useLocation } from '../router';

const LIMIT = 50;

export function Anomalies(): JSX.Element {
  const { api, user } = useApp();
  const loc = useLocation();
  const q = new URLSearchParams(loc.search);
  const all = q.get('all') === 'true';
  const query = new URLSearchParams({ limit: String(LIMIT) });
  if (all) query.set('all', 'true');
  const cursor = q.get('cursor');
  if (cursor) query.set('cursor', cursor);
  const list = useLoad(`anomalies ${query.toString()}`, (signal) =>
    api.get<Page<AnomalyItem>>(`/api/analytics/anomalies?${query.toString()}`, undefined, signal),
  );
  return (
    <>
      <PageHeader title="Anomalies">
        <Link href={all ? '/anomalies' : '/anomalies?all=true'}>
          {all ? 'Only the anomalous sources' : 'Every scored source'}
        </Link>
        {hasRole(user, 'admin') ? <Link href="/settings/models">Models</Link> : null}
      </PageHeader>
      <p class="state">
        Sources whose day the active Isolation Forest model isolates in few splits (score near 1), with why in words.
      </p>
      {list.state === 'loading' ? <Loading what="Loading anomalies" /> : null}
      {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
      {list.state === 'done' && list.data.items.length === 0 ? (
        <Empty title={all ? 'Nothing scored yet' : 'No anomalous source'}>
          Models are trained weekly and sources scored daily; an admin can train one on the Models page.
        </Empty>
      ) : null}
      {list.state === 'done' && list.data.items.length > 0 ? (
        <>
          <div class="table-wrap">
            <table class="data compact">
              <caption class="sr-only">Scored sources, highest score first</caption>
              <thead>
                <tr>
                  <th scope="col">Source</th>
                  <th scope="col">Day</th>
                  <th scope="col" class="num">
                    Score
                  </th>
                  <th scope="col" class="num">
                    Messages
                  </th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((p) => (
                  <tr key={`${p.ip} ${p.day}`}>
                    <td>
                      <Link href={`/sources/${encodeURIComponent(p.ip)}`}>{p.ip}</Link>
                    </td>
                    <td>{formatDate(p.day)}</td>
                    <td class="num">
                      <Badge tone={p.anomalous ? 'fail' : 'neutral'}>{p.score.toFixed(2)}</Badge>
                    </td>
                    <td class="num">
                      {typeof p.features.messages === 'number' ? formatNumber(p.features.messages) : '—'}
                    </td>
                    <td>{p.explanation.map((e) => e.text).join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            total={list.data.total}
            shown={list.data.items.length}
            nextCursor={list.data.nextCursor}
            limit={LIMIT}
          />
        </>
      ) : null}
    </>
  );
}
