// One policy domain: is p=reject safe? Its readiness verdict and the staged plan from the policy it publishes,
// what quarantine/reject would have done to the period's mail (legitimate vs the rest, per sender and reporter),
// the legitimate senders that block enforcement with their fix, and why its mail fails, as a chart of classes
// with a table view and a drill-down (a class → its senders → the Sources page filtered to each).
// A tab strip heads the page: "Readiness" here; other views of the domain (DNS) are added beside it.
import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { CLASS_LABELS, classesOption } from '../charts/advice';
import { Chart, renderTooltip, type ChartTable } from '../charts/Chart';
import { useApp, useLoad } from '../context';
import { DomainTabs } from '../components/DomainTabs';
import { Badge, ErrorBox, Loading, PageHeader } from '../components/ui';
import { RANGE_LABELS, RANGE_PRESETS, apiQuery, type DateSpan, type Filters } from '../lib/filters';
import { formatDate, formatNumber, formatPercent } from '../lib/format';
import { ApiError } from '../lib/problem';
import { domainHref } from '../lib/routes';
import type { Advice, AdviceClassItem, AdvicePlanStep } from '../lib/types';
import { Link, navigate } from '../router';

const VERDICT_TEXT: Record<Advice['verdict'], { label: string; tone: 'pass' | 'warn' | 'fail' }> = {
  ready: { label: 'Ready for enforcement', tone: 'pass' },
  ready_with_exceptions: { label: 'Ready, with exceptions', tone: 'warn' },
  not_ready: { label: 'Not ready', tone: 'fail' },
};

const STATUS_TEXT: Record<AdvicePlanStep['status'], { label: string; tone: 'pass' | 'warn' | 'fail' | 'neutral' }> = {
  done: { label: 'done', tone: 'neutral' },
  current: { label: 'you are here', tone: 'pass' },
  safe_now: { label: 'safe now', tone: 'pass' },
  blocked: { label: 'fix first', tone: 'fail' },
  later: { label: 'later', tone: 'neutral' },
};

const plural = (n: number, word: string): string => `${formatNumber(n)} ${word}${n === 1 ? '' : 's'}`;

/** The Sources page for a class's sender (the failing or passing messages, as the class is). */
function sourcesHref(domain: string, cls: AdviceClassItem['class'], senderKey: string, range: string): string {
  const q = new URLSearchParams({ domain, sender: senderKey, dmarc: cls === 'aligned' ? 'pass' : 'fail' });
  if (range !== '30d') q.set('range', range);
  return `/sources?${q.toString()}`;
}

function PeriodPicker({ domain, filters }: { domain: string; filters: Filters }): JSX.Element {
  const value = RANGE_PRESETS.includes(filters.range as (typeof RANGE_PRESETS)[number]) ? filters.range : '30d';
  return (
    <label class="inline-field">
      Period{' '}
      <select
        value={value}
        data-testid="domain-period"
        onChange={(e) => {
          const r = e.currentTarget.value;
          navigate(`${domainHref(domain)}${r === '30d' ? '' : `?range=${r}`}`, { replace: true });
        }}
      >
        {RANGE_PRESETS.map((r) => (
          <option key={r} value={r}>
            {RANGE_LABELS[r]}
          </option>
        ))}
      </select>
    </label>
  );
}

function Verdict({ a }: { a: Advice }): JSX.Element {
  const v = VERDICT_TEXT[a.verdict];
  const pol = a.published;
  return (
    <section class="card detail" aria-labelledby="adv-verdict">
      <h2 id="adv-verdict">Readiness</h2>
      <p class="verdict" data-testid="advice-verdict" data-verdict={a.verdict}>
        <Badge tone={v.tone}>{v.label}</Badge>{' '}
        {a.legitimateFailRate !== null
          ? `${formatPercent(a.legitimateFailRate, 2)} of ${formatNumber(a.messages)} messages are legitimate mail that fails DMARC.`
          : 'No reports for this domain in the period.'}
      </p>
      <ul>
        {a.notes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
      <p class="muted">
        Published policy (latest report):{' '}
        {pol
          ? `p=${pol.p ?? '—'}${pol.sp ? `; sp=${pol.sp}` : ''}${pol.np ? `; np=${pol.np}` : ''}${pol.pct !== null ? `; pct=${pol.pct}` : ''}${pol.testing ? `; t=${pol.testing}` : ''}`
          : 'not known'}
        . Ready: at most {formatPercent(a.thresholds.ready, 1)} legitimate mail failing; with exceptions: at most{' '}
        {formatPercent(a.thresholds.exceptions, 0)}; at least {formatNumber(a.thresholds.minMessages)} messages.
      </p>
    </section>
  );
}

function Plan({ a }: { a: Advice }): JSX.Element {
  return (
    <section class="card detail" aria-labelledby="adv-plan">
      <h2 id="adv-plan">Staged plan</h2>
      <ol class="plan" data-testid="advice-plan">
        {a.plan.map((s) => {
          const st = STATUS_TEXT[s.status];
          return (
            <li
              key={s.id}
              data-status={s.status}
              class={s.status === 'later' || s.status === 'done' ? 'muted' : undefined}
            >
              <p>
                <strong>{s.description}</strong> <Badge tone={st.tone}>{st.label}</Badge>
              </p>
              <p>
                <code>{s.record}</code>
              </p>
              {s.requires.length > 0 &&
              (s.status === 'blocked' || s.status === 'safe_now' || s.status === 'current') ? (
                <ul>
                  {s.requires.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              ) : null}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function Simulation({ a }: { a: Advice }): JSX.Element {
  const s = a.simulation;
  const rows: [string, Advice['simulation']['quarantine']][] = [
    ['p=quarantine: quarantined', s.quarantine],
    ['p=reject: rejected', s.reject],
  ];
  return (
    <section class="card detail" aria-labelledby="adv-sim">
      <h2 id="adv-sim">What enforcement would have done</h2>
      <p class="muted">
        Every message that failed DMARC in the period, at full enforcement (pct=100, no test mode). Legitimate: approved
        or known services and your own servers.
      </p>
      <div class="table-wrap">
        <table class="data compact" data-testid="advice-simulation">
          <caption class="sr-only">Messages enforcement would have hit</caption>
          <thead>
            <tr>
              <th scope="col">Policy</th>
              <th scope="col" class="num">
                Messages
              </th>
              <th scope="col" class="num">
                Legitimate
              </th>
              <th scope="col" class="num">
                Other
              </th>
              <th scope="col" class="num">
                of which forwarded
              </th>
              <th scope="col" class="num">
                From subdomains (sp)
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, p]) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                <td class="num">{formatNumber(p.messages)}</td>
                <td class="num">{formatNumber(p.legitimate)}</td>
                <td class="num">{formatNumber(p.other)}</td>
                <td class="num">{formatNumber(p.forwarded)}</td>
                <td class="num">{formatNumber(p.subdomains.legitimate + p.subdomains.other)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="two-col">
        <div class="table-wrap">
          <table class="data compact">
            <caption>Per sender (the 10 most)</caption>
            <thead>
              <tr>
                <th scope="col">Sender</th>
                <th scope="col">Class</th>
                <th scope="col" class="num">
                  Messages
                </th>
              </tr>
            </thead>
            <tbody>
              {s.bySender.slice(0, 10).map((x) => (
                <tr key={x.key + x.class}>
                  <td>
                    {x.sender} {x.legitimate ? <Badge tone="warn">legitimate</Badge> : null}
                  </td>
                  <td>{CLASS_LABELS[x.class]}</td>
                  <td class="num">{formatNumber(x.messages)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div class="table-wrap">
          <table class="data compact">
            <caption>Per reporter</caption>
            <thead>
              <tr>
                <th scope="col">Reporter</th>
                <th scope="col" class="num">
                  Legitimate
                </th>
                <th scope="col" class="num">
                  Other
                </th>
              </tr>
            </thead>
            <tbody>
              {s.byReporter.slice(0, 10).map((x) => (
                <tr key={x.reporter}>
                  <td>{x.reporter || '(unnamed reporter)'}</td>
                  <td class="num">{formatNumber(x.legitimate)}</td>
                  <td class="num">{formatNumber(x.other)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}

function Blocking({ a }: { a: Advice }): JSX.Element {
  return (
    <section class="card detail" aria-labelledby="adv-blocking">
      <h2 id="adv-blocking">Blocking senders</h2>
      {a.blocking.length === 0 ? (
        <p data-testid="advice-no-blocking">No legitimate sender fails DMARC in this period.</p>
      ) : (
        <div class="table-wrap">
          <table class="data" data-testid="advice-blocking">
            <caption class="sr-only">Legitimate senders whose mail fails DMARC, with the fix</caption>
            <thead>
              <tr>
                <th scope="col">Sender</th>
                <th scope="col" class="num">
                  Failing
                </th>
                <th scope="col">Why</th>
                <th scope="col">Fix</th>
              </tr>
            </thead>
            <tbody>
              {a.blocking.map((b) => (
                <tr key={b.key}>
                  <th scope="row">{b.sender}</th>
                  <td class="num">
                    {formatNumber(b.messages)} ({formatPercent(b.share, 2)})
                  </td>
                  <td>{b.reason}</td>
                  <td>{b.fix}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ClassSenders({
  domain,
  item,
  range,
  close,
}: {
  domain: string;
  item: AdviceClassItem;
  range: string;
  close: () => void;
}): JSX.Element {
  return (
    <div class="drill" role="region" aria-label={`Senders of ${CLASS_LABELS[item.class]}`} data-testid="class-drill">
      <p>
        <strong>{CLASS_LABELS[item.class]}</strong>: {plural(item.messages, 'message')} from{' '}
        {plural(item.sources, 'source')}
        {item.class === 'aligned' ? '' : ` (${plural(item.senders, 'sender')})`}.
      </p>
      {item.evidence.length > 0 ? (
        <ul>
          {item.evidence.map((e) => (
            <li key={e.why}>
              {e.reason}: {formatNumber(e.messages)}
            </li>
          ))}
        </ul>
      ) : null}
      {item.topSenders.length > 0 ? (
        <ul>
          {item.topSenders.map((s) => (
            <li key={s.key}>
              <Link href={sourcesHref(domain, item.class, s.key, range)}>{s.sender}</Link> — {formatNumber(s.messages)}{' '}
              messages, {formatNumber(s.sources)} sources
            </li>
          ))}
        </ul>
      ) : null}
      <button type="button" class="link" onClick={close}>
        Close
      </button>
    </div>
  );
}

export function DomainPage({
  domain,
  filters,
  span,
}: {
  domain: string;
  filters: Filters;
  span: DateSpan | undefined;
}): JSX.Element {
  const { api } = useApp();
  const range = RANGE_PRESETS.includes(filters.range as (typeof RANGE_PRESETS)[number]) ? filters.range : '30d';
  const q = useMemo(() => {
    const all = apiQuery({ range: filters.range, from: filters.from, to: filters.to }, span);
    const out: Record<string, string> = {};
    for (const k of ['from', 'to', 'period']) if (all[k]) out[k] = all[k]!;
    return out;
  }, [filters.range, filters.from, filters.to, span]);
  const key = `${domain}|${JSON.stringify(q)}`;
  const d = useLoad(key, (signal) => api.get<Advice>(`/api/domains/${encodeURIComponent(domain)}/advice`, q, signal));
  const [open, setOpen] = useState<AdviceClassItem['class'] | null>(null);
  const option = useMemo(() => (d.data ? classesOption(d.data.classification, renderTooltip) : null), [d.data]);
  const table: ChartTable | null = d.data
    ? {
        columns: ['Class', 'Messages', 'Share', 'Sources', 'Senders'],
        rows: d.data.classification.map((c) => ({
          cells: [
            CLASS_LABELS[c.class],
            formatNumber(c.messages),
            formatPercent(c.share),
            formatNumber(c.sources),
            formatNumber(c.senders),
          ],
        })),
      }
    : null;

  const header = (
    <>
      <PageHeader title={domain}>
        <Link href={`/?domain=${encodeURIComponent(domain)}`}>Its overview</Link>
        <PeriodPicker domain={domain} filters={filters} />
      </PageHeader>
      <DomainTabs domain={domain} current="readiness" />
    </>
  );
  if (d.state === 'error') {
    const missing = d.error instanceof ApiError && d.error.status === 404;
    return (
      <>
        {header}
        {missing ? (
          <div class="state error" role="alert" data-testid="domain-missing">
            <p>No reports for {domain} in this organisation.</p>
          </div>
        ) : (
          <ErrorBox error={d.error} retry={d.reload} />
        )}
      </>
    );
  }
  if (!d.data)
    return (
      <>
        {header}
        <Loading what="Loading the advice" />
      </>
    );
  const a = d.data;
  const openItem = open ? a.classification.find((c) => c.class === open) : undefined;
  return (
    <>
      {header}
      <p class="muted">
        {a.from && a.to ? `${formatDate(a.from)} – ${formatDate(a.to)}` : 'All time'} · {formatNumber(a.messages)}{' '}
        messages
      </p>
      <Verdict a={a} />
      <Plan a={a} />
      <section class="charts">
        <Chart
          id="advice-classes"
          title="Why mail passes or fails"
          description="The domain's messages by class: aligned, legitimate senders that do not align, forwarded mail, spoofing or unknown sources, and your own servers failing. Click a class for its senders."
          option={option}
          empty={a.messages === 0 ? 'No messages in this period.' : null}
          height={240}
          wide
          onClick={(c) => setOpen(a.classification[c.dataIndex]?.class ?? null)}
          table={table}
        >
          <p class="class-buttons">
            Senders of:{' '}
            {a.classification.map((c) => (
              <button
                key={c.class}
                type="button"
                class="link"
                aria-pressed={open === c.class}
                data-class={c.class}
                onClick={() => setOpen(open === c.class ? null : c.class)}
              >
                {CLASS_LABELS[c.class]}
              </button>
            ))}
          </p>
          {openItem ? <ClassSenders domain={domain} item={openItem} range={range} close={() => setOpen(null)} /> : null}
        </Chart>
      </section>
      <Blocking a={a} />
      <Simulation a={a} />
    </>
  );
}
