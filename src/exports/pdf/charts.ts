// The report's charts, drawn on the server as SVG by ECharts (server-side rendering, no browser, no canvas) and
// placed into the PDF as vectors. Each text element is given the registered font that has its glyphs.
import * as echarts from 'echarts';
import type { Alignment } from '../../analytics/alignment.js';
import type { CountryItem } from '../../analytics/countries.js';
import type { SenderItem } from '../../analytics/senders.js';
import type { DispositionCounts } from '../../analytics/summary.js';
import type { TimelinePoint } from '../../analytics/timeline.js';
import { FONT, needsCjk } from './fonts.js';

export const CHART_COLORS = {
  pass: '#16a34a',
  fail: '#dc2626',
  brand: '#1e40af',
  neutral: '#94a3b8',
  amber: '#d97706',
  violet: '#7c3aed',
} as const;

const TEXT = { color: '#374151', fontSize: 9, fontFamily: FONT.regular };

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Every <text> of the SVG in the registered font that has its glyphs (bold kept). */
export function assignFonts(svg: string): string {
  return svg.replace(/<text([^>]*)>([^<]*)<\/text>/g, (_m, attrs: string, content: string) => {
    const bold = /font-weight:\s*(bold|[6-9]00)|font:\s*bold/.test(attrs);
    const cjk = needsCjk(unescapeXml(content));
    const family = cjk ? (bold ? FONT.cjkBold : FONT.cjk) : bold ? FONT.bold : FONT.regular;
    const a = /font-family:/.test(attrs)
      ? attrs.replace(/font-family:[^;"]*/, `font-family:${family}`)
      : attrs.replace(/style="/, `style="font-family:${family};`);
    return `<text${a}>${content}</text>`;
  });
}

/** Renders an ECharts option to SVG, `width` x `height` (points in the PDF). */
export function renderChart(option: echarts.EChartsOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: TEXT, ...option });
    return assignFonts(chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}

const compact = (n: number): string =>
  n >= 1e9
    ? `${+(n / 1e9).toFixed(1)}B`
    : n >= 1e6
      ? `${+(n / 1e6).toFixed(1)}M`
      : n >= 1e4
        ? `${+(n / 1e3).toFixed(0)}k`
        : String(n);

const grid = { left: 8, right: 12, top: 30, bottom: 8, containLabel: true };
const legend = { top: 0, right: 0, itemWidth: 10, itemHeight: 8, textStyle: { fontSize: 8.5 } };
const axisLabel = { fontSize: 8, color: '#6b7280' };
const splitLine = { lineStyle: { color: '#e5e7eb' } };

function shortDate(d: string): string {
  return d.slice(5);
}

/** Messages per bucket, DMARC pass and fail stacked. */
export function volumeChart(points: TimelinePoint[], width: number, height: number): string {
  return renderChart(
    {
      color: [CHART_COLORS.pass, CHART_COLORS.fail],
      legend: { ...legend, data: ['DMARC pass', 'DMARC fail'] },
      grid,
      xAxis: { type: 'category', data: points.map((p) => shortDate(p.date)), axisLabel },
      yAxis: { type: 'value', axisLabel: { ...axisLabel, formatter: (v: number) => compact(v) }, splitLine },
      series: [
        { name: 'DMARC pass', type: 'bar', stack: 'm', data: points.map((p) => p.dmarcPass), barMaxWidth: 18 },
        { name: 'DMARC fail', type: 'bar', stack: 'm', data: points.map((p) => p.dmarcFail), barMaxWidth: 18 },
      ],
    },
    width,
    height,
  );
}

/** Compliance rate per bucket (percent; gaps where there were no messages). */
export function complianceChart(points: TimelinePoint[], width: number, height: number): string {
  return renderChart(
    {
      color: [CHART_COLORS.brand],
      legend: { ...legend, data: ['Compliance rate (%)'] },
      grid,
      xAxis: { type: 'category', data: points.map((p) => shortDate(p.date)), axisLabel, boundaryGap: false },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { ...axisLabel, formatter: '{value}%' }, splitLine },
      series: [
        {
          name: 'Compliance rate (%)',
          type: 'line',
          data: points.map((p) => (p.complianceRate === null ? null : +(p.complianceRate * 100).toFixed(2))),
          symbol: points.length > 40 ? 'none' : 'circle',
          symbolSize: 4,
          lineStyle: { width: 1.8 },
          areaStyle: { opacity: 0.12 },
          connectNulls: false,
        },
      ],
    },
    width,
    height,
  );
}

/** What the receivers did with the messages. */
export function dispositionChart(d: DispositionCounts, width: number, height: number): string {
  const data = [
    { name: 'Delivered (none)', value: d.none, itemStyle: { color: CHART_COLORS.pass } },
    { name: 'Quarantined', value: d.quarantine, itemStyle: { color: CHART_COLORS.amber } },
    { name: 'Rejected', value: d.reject, itemStyle: { color: CHART_COLORS.fail } },
    { name: 'Pass', value: d.pass, itemStyle: { color: CHART_COLORS.brand } },
  ].filter((x) => x.value > 0);
  return renderChart(
    {
      legend: { ...legend, orient: 'vertical', top: 'middle', right: 0 },
      series: [
        {
          type: 'pie',
          radius: ['45%', '75%'],
          center: ['35%', '52%'],
          label: { show: false },
          data,
        },
      ],
    },
    width,
    height,
  );
}

/** DKIM and SPF: aligned, authenticated but not aligned, not authenticated. */
export function alignmentChart(a: Alignment, width: number, height: number): string {
  const cats = ['SPF', 'DKIM'];
  return renderChart(
    {
      color: [CHART_COLORS.pass, CHART_COLORS.amber, CHART_COLORS.fail],
      legend: {
        ...legend,
        left: 0,
        right: undefined,
        data: ['Aligned', 'Authenticated, not aligned', 'Not authenticated'],
      },
      grid: { ...grid, top: 46 },
      xAxis: { type: 'value', axisLabel: { ...axisLabel, formatter: (v: number) => compact(v) }, splitLine },
      yAxis: { type: 'category', data: cats, axisLabel: { ...axisLabel, fontSize: 9, color: '#374151' } },
      series: [
        { name: 'Aligned', type: 'bar', stack: 'a', data: [a.spf.aligned, a.dkim.aligned], barWidth: '55%' },
        {
          name: 'Authenticated, not aligned',
          type: 'bar',
          stack: 'a',
          data: [a.spf.authenticatedNotAligned, a.dkim.authenticatedNotAligned],
        },
        {
          name: 'Not authenticated',
          type: 'bar',
          stack: 'a',
          data: [a.spf.notAuthenticated, a.dkim.notAuthenticated],
        },
      ],
    },
    width,
    height,
  );
}

const cut = (s: string, n: number): string => ([...s].length > n ? `${[...s].slice(0, n - 1).join('')}…` : s);

/** The top senders, DMARC pass and fail stacked, largest at the top. */
export function sendersChart(items: SenderItem[], width: number, height: number): string {
  const rows = [...items].reverse();
  return renderChart(
    {
      color: [CHART_COLORS.pass, CHART_COLORS.fail],
      legend: { ...legend, data: ['DMARC pass', 'DMARC fail'] },
      grid,
      xAxis: { type: 'value', axisLabel: { ...axisLabel, formatter: (v: number) => compact(v) }, splitLine },
      yAxis: {
        type: 'category',
        data: rows.map((s) => cut(s.sender, 24)),
        axisLabel: { ...axisLabel, color: '#374151', width: 96, overflow: 'truncate' },
      },
      series: [
        { name: 'DMARC pass', type: 'bar', stack: 's', data: rows.map((s) => s.dmarcPass), barMaxWidth: 14 },
        { name: 'DMARC fail', type: 'bar', stack: 's', data: rows.map((s) => s.dmarcFail), barMaxWidth: 14 },
      ],
    },
    width,
    height,
  );
}

/** Messages per country of the sources (not located: one bar). */
export function countriesChart(items: CountryItem[], width: number, height: number): string {
  const rows = [...items].reverse();
  return renderChart(
    {
      color: [CHART_COLORS.pass, CHART_COLORS.fail],
      legend: { ...legend, data: ['DMARC pass', 'DMARC fail'] },
      grid,
      xAxis: { type: 'value', axisLabel: { ...axisLabel, formatter: (v: number) => compact(v) }, splitLine },
      yAxis: {
        type: 'category',
        data: rows.map((c) => cut(c.name ?? c.country ?? 'Not located', 22)),
        axisLabel: { ...axisLabel, color: '#374151', width: 96, overflow: 'truncate' },
      },
      series: [
        { name: 'DMARC pass', type: 'bar', stack: 'c', data: rows.map((c) => c.dmarcPass), barMaxWidth: 14 },
        { name: 'DMARC fail', type: 'bar', stack: 'c', data: rows.map((c) => c.dmarcFail), barMaxWidth: 14 },
      ],
    },
    width,
    height,
  );
}
