// The forecasts drawn after the overview's volume and compliance charts: one domain's daily messages and DMARC
// failure share, the last four weeks as reported and the next 7 days forecast (dashed, with 80 % and 95 % bands),
// each with its figures as a table and the method in words (GET /api/analytics/forecast, docs/forecasts.md).
// Both read the overview's other filters (reporter, DMARC result, country, AS, sender): the forecast is of what
// the charts above it show, not of the whole domain.
import type { JSX } from 'preact';
import { useMemo } from 'preact/hooks';
import { Chart, renderTooltip, type ChartTable } from '../charts/Chart';
import { forecastOption, formatMetric, type ForecastMetric } from '../charts/forecast';
import { useApp, useLoad } from '../context';
import { formatDate } from '../lib/format';
import type { Forecast, Timeline } from '../lib/types';
import { ErrorBox } from './ui';

/** Reported days shown before the forecast. */
const HISTORY_SHOWN = 28;

function minusDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
}

function backtestText(f: Forecast, metric: ForecastMetric): string {
  if (f.backtestMae === null || f.naiveMae === null) return '';
  return (
    ` Last week held out: mean error ${formatMetric(f.backtestMae, metric)} per day ` +
    `(seasonal naive: ${formatMetric(f.naiveMae, metric)}).`
  );
}

function table(f: Forecast, metric: ForecastMetric): ChartTable {
  return {
    columns: ['Day', 'Forecast', '80 % low', '80 % high', '95 % low', '95 % high'],
    rows: f.points.map((p) => ({
      cells: [
        formatDate(p.day),
        formatMetric(p.value, metric),
        formatMetric(p.lower80, metric),
        formatMetric(p.upper80, metric),
        formatMetric(p.lower95, metric),
        formatMetric(p.upper95, metric),
      ],
    })),
  };
}

interface ForecastProps {
  domain: string;
  /** The overview's API query without its dates (the forecast reads its own history). */
  filters: Record<string, string>;
  /** Why the failure share says nothing under these filters (all failing, or all passing); null when it does. */
  fixedRate: string | null;
}

function ForecastChart({ domain, filters, metric }: ForecastProps & { metric: ForecastMetric }): JSX.Element {
  const { api } = useApp();
  const key = `${domain}:${metric}:${JSON.stringify(filters)}`;
  const forecast = useLoad(key, (signal) =>
    api.get<Forecast>('/api/analytics/forecast', { ...filters, domain, metric, days: 7 }, signal),
  );
  const to = forecast.data?.history?.to;
  const history = useLoad(to ? `${key}:${to}` : null, (signal) =>
    api.get<Timeline>(
      '/api/rollup/timeline',
      { ...filters, domain, interval: 'day', from: minusDays(to!, HISTORY_SHOWN - 1), to: to! },
      signal,
    ),
  );
  const f = forecast.data;
  const items = history.data?.items;
  const option = useMemo(
    () => (f && items && f.points.length > 0 ? forecastOption(items, f, metric, renderTooltip) : null),
    [f, items, metric],
  );
  if (forecast.state === 'error') return <ErrorBox error={forecast.error} retry={forecast.reload} />;
  const what = metric === 'messages' ? 'Messages' : 'DMARC failure share';
  const note = f ? `${f.note}${backtestText(f, metric)}` : '';
  return (
    <Chart
      id={`forecast-${metric}`}
      wide
      title={`${what} forecast · ${domain}`}
      description={
        `The last ${HISTORY_SHOWN} days as reported, then the next 7 days forecast (dashed) with 80 % and 95 % ` +
        `intervals: the day's figure falls inside the darker band 4 times in 5, inside the lighter one 19 times in 20.`
      }
      option={option}
      empty={f && f.points.length === 0 ? f.note : null}
      table={f ? table(f, metric) : null}
    >
      {f && f.points.length > 0 ? (
        <p class="chart-foot" data-method={f.method}>
          {note}
          {f.history ? ` Reported data to ${formatDate(f.history.to)}.` : ''}
        </p>
      ) : null}
    </Chart>
  );
}

/** Both forecasts of one domain; the failure share only where the filters leave it something to say. */
export function ForecastCharts(props: ForecastProps): JSX.Element {
  return (
    <>
      <ForecastChart {...props} metric="messages" />
      {props.fixedRate === null ? <ForecastChart {...props} metric="failure_rate" /> : null}
    </>
  );
}
