// The SMTP TLS page's chart: failed sessions per day, stacked by result type (RFC 8460 §4.3), and the same
// figures as a table. Pure, like options.ts.
import type { EChartsCoreOption } from 'echarts/core';
import { addDays, daysBetween } from '../lib/filters';
import { formatCompact, formatDate, formatNumber } from '../lib/format';
import type { TlsSeriesPoint } from '../lib/types';
import type { ChartTable } from './Chart';
import { COLORS, TIME_GRID, aria, axisDate, type Render } from './options';

const FONT = { color: COLORS.text, fontSize: 12 };

/** Distinguishable colours, in the order of the result types with the most failed sessions. */
const PALETTE = ['#d9480f', '#1f5fa8', '#e0a020', '#6a3d9a', '#2b8a3e', '#b42318', '#0b7285', '#7c8799'];

/** Up to this many days between the first and the last failure, every day is on the axis (gaps stay gaps). */
const DENSE_DAYS = 120;

export interface TlsFailureSeries {
  /** The days of the axis (YYYY-MM-DD). */
  days: string[];
  /** Result types, most failed sessions first. */
  types: { resultType: string; total: number; color: string; perDay: number[] }[];
}

/** The series of /api/tls/summary laid out by day and result type. */
export function tlsFailureSeries(points: TlsSeriesPoint[]): TlsFailureSeries {
  const dates = [...new Set(points.map((p) => p.date))].sort();
  const first = dates[0];
  const last = dates[dates.length - 1];
  let days = dates;
  if (first && last && daysBetween(first, last) <= DENSE_DAYS) {
    days = [];
    for (let d = first; d <= last; d = addDays(d, 1)) days.push(d);
  }
  const index = new Map(days.map((d, i) => [d, i]));
  const byType = new Map<string, number[]>();
  for (const p of points) {
    let row = byType.get(p.resultType);
    if (!row) byType.set(p.resultType, (row = days.map(() => 0)));
    row[index.get(p.date)!]! += p.failedSessions;
  }
  const types = [...byType]
    .map(([resultType, perDay]) => ({ resultType, perDay, total: perDay.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total || a.resultType.localeCompare(b.resultType))
    .map((t, i) => ({ ...t, color: PALETTE[i % PALETTE.length]! }));
  return { days, types };
}

/** Whether the axis holds every day (else only the days with failures). */
export function isDense(s: TlsFailureSeries): boolean {
  const first = s.days[0];
  const last = s.days[s.days.length - 1];
  return !first || !last || daysBetween(first, last) === s.days.length;
}

export function tlsFailuresOption(s: TlsFailureSeries, render: Render): EChartsCoreOption {
  const total = s.types.reduce((n, t) => n + t.total, 0);
  const words =
    s.days.length === 0
      ? 'No failed sessions.'
      : `${formatNumber(total)} failed sessions from ${formatDate(s.days[0])} to ${formatDate(s.days[s.days.length - 1])}: ` +
        s.types.map((t) => `${t.resultType} ${formatNumber(t.total)}`).join('; ') +
        '.';
  return {
    animation: false,
    textStyle: { fontFamily: 'inherit' },
    ...aria(`Failed SMTP TLS sessions by result type. ${words}`),
    grid: { ...TIME_GRID, top: 36 + 20 * Math.floor(s.types.length / 4) },
    legend: { top: 0, textStyle: FONT, type: 'scroll' },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      confine: true,
      formatter: (params: unknown) => {
        const first = (Array.isArray(params) ? params[0] : params) as { dataIndex?: number } | undefined;
        const i = first?.dataIndex;
        const day = i === undefined ? undefined : s.days[i];
        if (i === undefined || !day) return '';
        const rows = s.types
          .filter((t) => (t.perDay[i] ?? 0) > 0)
          .map((t) => ({ label: t.resultType, value: formatNumber(t.perDay[i]), color: t.color }));
        const sum = s.types.reduce((n, t) => n + (t.perDay[i] ?? 0), 0);
        return render({
          title: formatDate(day),
          rows: [...rows, { label: 'Failed sessions', value: formatNumber(sum) }],
        });
      },
    },
    xAxis: {
      type: 'category',
      name: isDense(s) ? 'Day (UTC, report period start)' : 'Days with failures (UTC, report period start)',
      nameLocation: 'middle',
      nameGap: 30,
      nameTextStyle: FONT,
      data: s.days.map((d) => (isDense(s) ? axisDate(d, 'day') : d)),
      axisLabel: { ...FONT, hideOverlap: true },
      axisTick: { alignWithLabel: true },
    },
    yAxis: {
      type: 'value',
      name: 'Failed sessions',
      nameLocation: 'middle',
      nameGap: 44,
      nameTextStyle: FONT,
      axisLabel: { ...FONT, formatter: (v: number) => formatCompact(v) },
      splitLine: { lineStyle: { color: COLORS.grid } },
      minInterval: 1,
    },
    series: s.types.map((t) => ({
      name: t.resultType,
      type: 'bar',
      stack: 'failures',
      color: t.color,
      barMinHeight: 2,
      barMinWidth: 2,
      barMaxWidth: 48,
      // a zero is no bar at all, so that gaps stay gaps
      data: t.perDay.map((n) => (n > 0 ? n : null)),
    })),
  };
}

/** The chart's figures: one row per day with failures, one column per result type, and the day's total. */
export function tlsFailuresTable(s: TlsFailureSeries): ChartTable {
  const rows = s.days
    .map((day, i) => ({ day, cells: s.types.map((t) => t.perDay[i] ?? 0) }))
    .filter((r) => r.cells.some((n) => n > 0))
    .map((r) => ({
      cells: [
        formatDate(r.day),
        ...r.cells.map((n) => formatNumber(n)),
        formatNumber(r.cells.reduce((a, b) => a + b, 0)),
      ],
    }));
  return { columns: ['Day', ...s.types.map((t) => t.resultType), 'Failed sessions'], rows };
}
