// ECharts option of a forecast chart: the last weeks as reported (solid line), then the forecast (dashed line)
// with its 95 % and 80 % bands (stacked areas: the lower bound invisible, the band's width on top of it). Pure,
// like options.ts; the failure share is drawn in percent.
import type { EChartsCoreOption } from 'echarts/core';
import { formatCompact, formatDate, formatNumber, formatPercent } from '../lib/format';
import type { Forecast, TimelinePoint } from '../lib/types';
import { COLORS, TIME_GRID, aria, axisDate, type Render } from './options';

export type ForecastMetric = 'messages' | 'failure_rate';

const FONT = { color: COLORS.text, fontSize: 12 };

/** The reported value of a day in the metric's unit (a day without messages has no failure share). */
export function actualOf(p: TimelinePoint, metric: ForecastMetric): number | null {
  if (metric === 'messages') return p.messages;
  return p.messages > 0 ? p.dmarcFail / p.messages : null;
}

/** A figure of the metric in words: "1,234" messages or "4.2%". */
export function formatMetric(v: number | null, metric: ForecastMetric): string {
  if (v === null) return '—';
  return metric === 'messages' ? formatNumber(Math.round(v)) : formatPercent(v);
}

export function forecastOption(
  history: TimelinePoint[],
  f: Forecast,
  metric: ForecastMetric,
  render: Render,
): EChartsCoreOption {
  const scale = metric === 'messages' ? 1 : 100;
  const round = (v: number | null) => (v === null ? null : Math.round(v * scale * 100) / 100);
  const days = [...history.map((p) => p.date), ...f.points.map((p) => p.day)];
  const pad = history.map(() => null);
  const actual = [...history.map((p) => round(actualOf(p, metric))), ...f.points.map(() => null)];
  // the dashed line starts at the last reported day, so that it continues the solid one
  const last = history[history.length - 1];
  const forecast = [
    ...pad.slice(1),
    last ? round(actualOf(last, metric)) : null,
    ...f.points.map((p) => round(p.value)),
  ].slice(-days.length);
  const band = (lo: 'lower80' | 'lower95', hi: 'upper80' | 'upper95', name: string, opacity: number) => [
    {
      name: `${name} low`,
      type: 'line',
      stack: name,
      data: [...pad, ...f.points.map((p) => round(p[lo]))],
      lineStyle: { opacity: 0 },
      symbol: 'none',
      silent: true,
    },
    {
      name,
      type: 'line',
      stack: name,
      color: COLORS.pass,
      itemStyle: { opacity },
      data: [...pad, ...f.points.map((p) => round(p[hi] - p[lo]))],
      lineStyle: { opacity: 0 },
      areaStyle: { color: COLORS.pass, opacity },
      symbol: 'none',
      silent: true,
    },
  ];
  const label = metric === 'messages' ? 'messages' : 'DMARC failure share';
  const first = f.points[0];
  const end = f.points[f.points.length - 1];
  return {
    animation: false,
    textStyle: { fontFamily: 'inherit' },
    ...aria(
      first && end
        ? `Forecast of the daily ${label} from ${formatDate(first.day)} to ${formatDate(end.day)}: ` +
            f.points.map((p) => `${formatDate(p.day)} ${formatMetric(p.value, metric)}`).join('; ') +
            '.'
        : `No forecast of the daily ${label}.`,
    ),
    grid: { ...TIME_GRID, top: 36 },
    legend: {
      top: 0,
      textStyle: FONT,
      data: ['Reported', 'Forecast', { name: '80 % interval', icon: 'rect' }, { name: '95 % interval', icon: 'rect' }],
    },
    tooltip: {
      trigger: 'axis',
      confine: true,
      formatter: (params: unknown) => {
        const i = (Array.isArray(params) ? (params[0] as { dataIndex?: number }) : undefined)?.dataIndex;
        if (i === undefined) return '';
        const h = history[i];
        if (h) {
          return render({
            title: formatDate(h.date),
            rows: [{ label: 'Reported', value: formatMetric(actualOf(h, metric), metric), color: COLORS.pass }],
          });
        }
        const p = f.points[i - history.length];
        if (!p) return '';
        return render({
          title: `${formatDate(p.day)} (forecast)`,
          rows: [
            { label: 'Forecast', value: formatMetric(p.value, metric), color: COLORS.pass },
            { label: '80 %', value: `${formatMetric(p.lower80, metric)} – ${formatMetric(p.upper80, metric)}` },
            { label: '95 %', value: `${formatMetric(p.lower95, metric)} – ${formatMetric(p.upper95, metric)}` },
          ],
        });
      },
    },
    xAxis: {
      type: 'category',
      name: 'Day (UTC)',
      nameLocation: 'middle',
      nameGap: 30,
      nameTextStyle: FONT,
      boundaryGap: false,
      data: days.map((d) => axisDate(d, 'day')),
      axisLabel: { ...FONT, hideOverlap: true },
    },
    yAxis: {
      type: 'value',
      name: metric === 'messages' ? 'Messages' : 'DMARC failure (% of messages)',
      nameLocation: 'middle',
      nameGap: 44,
      nameTextStyle: FONT,
      min: 0,
      max: metric === 'messages' ? undefined : (v: { max: number }) => Math.min(100, Math.ceil(v.max * 1.1)),
      axisLabel: {
        ...FONT,
        formatter: (v: number) => (metric === 'messages' ? formatCompact(v) : `${v}%`),
      },
      splitLine: { lineStyle: { color: COLORS.grid } },
    },
    series: [
      ...band('lower95', 'upper95', '95 % interval', 0.12),
      ...band('lower80', 'upper80', '80 % interval', 0.22),
      {
        name: 'Reported',
        type: 'line',
        color: COLORS.pass,
        data: actual,
        symbol: 'circle',
        symbolSize: 4,
        connectNulls: false,
      },
      {
        name: 'Forecast',
        type: 'line',
        color: COLORS.pass,
        data: forecast,
        lineStyle: { type: 'dashed', width: 2 },
        symbol: 'emptyCircle',
        symbolSize: 5,
      },
    ],
  };
}
