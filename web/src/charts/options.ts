// ECharts options for the overview's charts, built from API answers. Pure (no DOM): tooltips are described as
// data (TooltipContent) and turned into DOM nodes by the `render` function the caller passes.
import type { EChartsCoreOption } from 'echarts/core';
import { bucketEnd } from '../lib/filters';
import { formatCompact, formatDate, formatNumber, formatPercent } from '../lib/format';
import type {
  Alignment,
  Dispositions,
  DomainItem,
  Overrides,
  ReporterItem,
  SourceItem,
  TimelinePoint,
} from '../lib/types';
import type { TooltipContent } from './tooltip';

export type Render = (c: TooltipContent) => unknown;
export type Interval = 'day' | 'week' | 'month';

/** Blue for pass and orange for fail: distinguishable with the common colour-vision deficiencies. */
export const COLORS = {
  pass: '#1f5fa8',
  fail: '#d9480f',
  none: '#7c8799',
  quarantine: '#e0a020',
  reject: '#b42318',
  dispPass: '#1f5fa8',
  partial: '#8fb4de',
  grid: '#e3e7ee',
  text: '#3b4455',
};

const FONT = { color: COLORS.text, fontSize: 12 };

const base = {
  animation: false,
  textStyle: { fontFamily: 'inherit' },
} satisfies EChartsCoreOption;

/** What screen readers get instead of the canvas: the chart's figures in words (ECharts' aria component). */
export function aria(description: string) {
  return { aria: { enabled: true, label: { enabled: true, description } } };
}

const list = (parts: string[], max = 10): string =>
  parts.slice(0, max).join('; ') + (parts.length > max ? `; and ${parts.length - max} more` : '');

function timelineSummary(items: TimelinePoint[], interval: Interval): string {
  const total = items.reduce((n, p) => n + p.messages, 0);
  const pass = items.reduce((n, p) => n + p.dmarcPass, 0);
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return 'No data.';
  const busiest = items.reduce((a, b) => (b.messages > a.messages ? b : a), first);
  return (
    `${items.length} ${interval}s from ${formatDate(first.date)} to ${formatDate(last.date)}: ` +
    `${formatNumber(total)} messages, ${formatNumber(pass)} passing DMARC and ${formatNumber(total - pass)} failing ` +
    `(${formatPercent(total > 0 ? pass / total : null)} compliance). ` +
    `Busiest ${interval}: ${bucketLabel(busiest.date, interval)} with ${formatNumber(busiest.messages)} messages.`
  );
}

function axisTooltip(render: Render, content: (index: number) => TooltipContent | null) {
  return {
    trigger: 'axis',
    axisPointer: { type: 'shadow' },
    confine: true,
    formatter: (params: unknown) => {
      const list = Array.isArray(params) ? params : [params];
      const first = list[0] as { dataIndex?: number } | undefined;
      const c = first?.dataIndex === undefined ? null : content(first.dataIndex);
      return c ? render(c) : '';
    },
  };
}

function itemTooltip(render: Render, content: (index: number) => TooltipContent | null) {
  return {
    trigger: 'item',
    confine: true,
    formatter: (params: unknown) => {
      const p = params as { dataIndex?: number };
      const c = p.dataIndex === undefined ? null : content(p.dataIndex);
      return c ? render(c) : '';
    },
  };
}

export function bucketLabel(date: string, interval: Interval): string {
  if (interval === 'day') return formatDate(date);
  const end = bucketEnd(date, interval);
  return `${formatDate(date)} – ${formatDate(end)}`;
}

/** Short category labels for time axes: "Jun 13" (days, weeks) or "Jun 2024" (months). */
export function axisDate(date: string, interval: Interval): string {
  const d = new Date(`${date}T00:00:00Z`);
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return interval === 'month' ? `${month} ${d.getUTCFullYear()}` : `${month} ${d.getUTCDate()}`;
}

function valueAxis(name: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'value',
    name,
    nameLocation: 'middle',
    nameGap: 44,
    nameTextStyle: FONT,
    axisLabel: { ...FONT, formatter: (v: number) => formatCompact(v) },
    splitLine: { lineStyle: { color: COLORS.grid } },
    minInterval: 1,
    ...extra,
  };
}

function timeAxis(items: TimelinePoint[], interval: Interval) {
  return {
    type: 'category',
    name: interval === 'day' ? 'Day (UTC, report period start)' : interval === 'week' ? 'Week (UTC)' : 'Month (UTC)',
    nameLocation: 'middle',
    nameGap: 30,
    nameTextStyle: FONT,
    data: items.map((p) => axisDate(p.date, interval)),
    axisLabel: { ...FONT, hideOverlap: true },
    axisTick: { alignWithLabel: true },
  };
}

/** The plot area of the time charts (volume, compliance), in CSS pixels from the canvas's edges. */
export const TIME_GRID = { left: 64, right: 16, bottom: 52 } as const;

export function volumeOption(items: TimelinePoint[], interval: Interval, render: Render): EChartsCoreOption {
  return {
    ...base,
    ...aria(`Message volume. ${timelineSummary(items, interval)}`),
    grid: { ...TIME_GRID, top: 36 },
    legend: { top: 0, textStyle: FONT },
    tooltip: axisTooltip(render, (i) => {
      const p = items[i];
      if (!p) return null;
      return {
        title: bucketLabel(p.date, interval),
        rows: [
          { label: 'DMARC pass', value: formatNumber(p.dmarcPass), color: COLORS.pass },
          { label: 'DMARC fail', value: formatNumber(p.dmarcFail), color: COLORS.fail },
          { label: 'Messages', value: formatNumber(p.messages) },
          { label: 'Compliance', value: formatPercent(p.complianceRate) },
        ],
        hint: p.messages > 0 ? 'Click for the reports of this period' : undefined,
      };
    }),
    xAxis: timeAxis(items, interval),
    yAxis: valueAxis('Messages'),
    series: [
      { name: 'DMARC pass', color: COLORS.pass, data: items.map((p) => p.dmarcPass) },
      { name: 'DMARC fail', color: COLORS.fail, data: items.map((p) => p.dmarcFail) },
    ].map((s) => ({
      ...s,
      type: 'bar',
      stack: 'v',
      // A bucket of 3 messages next to one of 10,000 is still seen (a bar at least 2 px high and wide); a zero
      // is no bar at all (null), so that gaps stay gaps.
      barMinHeight: 2,
      barMinWidth: 2,
      data: s.data.map((n) => (n > 0 ? n : null)),
    })),
  };
}

/** Whether bucket i has a rate while neither neighbour has one: a line cannot draw it, only its symbol can. */
export function isolatedBucket(rates: (number | null)[], i: number): boolean {
  return (
    rates[i] !== null && rates[i] !== undefined && (rates[i - 1] ?? null) === null && (rates[i + 1] ?? null) === null
  );
}

export function complianceOption(items: TimelinePoint[], interval: Interval, render: Render): EChartsCoreOption {
  const rates = items.map((p) => (p.complianceRate === null ? null : Math.round(p.complianceRate * 10000) / 100));
  const low = items.reduce<TimelinePoint | null>(
    (a, b) => (b.complianceRate !== null && (!a || b.complianceRate < (a.complianceRate ?? 1)) ? b : a),
    null,
  );
  return {
    ...base,
    ...aria(
      `Compliance rate over time. ${timelineSummary(items, interval)}` +
        (low ? ` Lowest: ${formatPercent(low.complianceRate)} in ${bucketLabel(low.date, interval)}.` : ''),
    ),
    grid: { ...TIME_GRID, top: 24 },
    tooltip: {
      ...axisTooltip(render, (i) => {
        const p = items[i];
        if (!p) return null;
        return {
          title: bucketLabel(p.date, interval),
          rows: [
            { label: 'Compliance', value: formatPercent(p.complianceRate), color: COLORS.pass },
            { label: 'DMARC pass', value: formatNumber(p.dmarcPass) },
            { label: 'Messages', value: formatNumber(p.messages) },
          ],
          hint: p.messages > 0 ? 'Click for the reports of this period' : undefined,
        };
      }),
      axisPointer: { type: 'line' },
    },
    xAxis: { ...timeAxis(items, interval), boundaryGap: false },
    yAxis: valueAxis('Compliance (% of messages passing DMARC)', {
      min: 0,
      max: 100,
      minInterval: undefined,
      axisLabel: { ...FONT, formatter: (v: number) => `${v}%` },
    }),
    series: [
      {
        name: 'Compliance',
        type: 'line',
        color: COLORS.pass,
        connectNulls: false,
        // Every bucket with messages has its symbol, however many buckets there are ('auto' would thin them out,
        // and a bucket without neighbours would vanish); an isolated one is drawn larger, having no line.
        showSymbol: true,
        showAllSymbol: true,
        symbol: 'circle',
        symbolSize: (_v: unknown, p: { dataIndex: number }) =>
          isolatedBucket(rates, p.dataIndex) ? 7 : items.length <= 60 ? 6 : 4,
        areaStyle: { opacity: 0.08 },
        // A day without messages has no rate: a gap, not 0%.
        data: rates,
      },
    ],
  };
}

export const DISPOSITIONS: { key: keyof Dispositions; label: string; color: string }[] = [
  { key: 'none', label: 'None (delivered)', color: COLORS.none },
  { key: 'quarantine', label: 'Quarantine', color: COLORS.quarantine },
  { key: 'reject', label: 'Reject', color: COLORS.reject },
  { key: 'pass', label: 'Pass (DMARCbis)', color: COLORS.dispPass },
];

export function dispositionOption(d: Dispositions, render: Render): EChartsCoreOption {
  const total = d.none + d.quarantine + d.reject + d.pass;
  const rows = DISPOSITIONS.filter((x) => d[x.key] > 0 || x.key !== 'pass');
  return {
    ...base,
    ...aria(
      `Disposition of ${formatNumber(total)} messages: ` +
        list(
          rows.map(
            (x) => `${x.label} ${formatNumber(d[x.key])} (${formatPercent(total > 0 ? d[x.key] / total : null)})`,
          ),
        ),
    ),
    grid: { left: 110, right: 24, top: 8, bottom: 44 },
    tooltip: itemTooltip(render, (i) => {
      const x = rows[i];
      if (!x) return null;
      return {
        title: `Disposition: ${x.label}`,
        rows: [
          { label: 'Messages', value: formatNumber(d[x.key]), color: x.color },
          { label: 'Share', value: formatPercent(total > 0 ? d[x.key] / total : null) },
        ],
        hint: d[x.key] > 0 ? 'Click for the reports with this disposition' : undefined,
      };
    }),
    xAxis: valueAxis('Messages'),
    yAxis: {
      type: 'category',
      name: 'Disposition applied by the receiver',
      nameLocation: 'middle',
      nameGap: 96,
      nameTextStyle: FONT,
      inverse: true,
      data: rows.map((x) => x.label),
      axisLabel: FONT,
    },
    series: [
      {
        name: 'Messages',
        type: 'bar',
        data: rows.map((x) => ({ value: d[x.key], itemStyle: { color: x.color } })),
        label: {
          show: true,
          position: 'right',
          formatter: (p: { value: number }) => (total > 0 ? formatPercent(p.value / total) : ''),
          ...FONT,
        },
      },
    ],
  };
}

export const ALIGNMENT_SEGMENTS = [
  { key: 'aligned', label: 'Aligned pass', color: COLORS.pass },
  { key: 'authenticatedNotAligned', label: 'Authenticated, not aligned', color: COLORS.partial },
  { key: 'notAuthenticated', label: 'Not authenticated', color: COLORS.fail },
] as const;

export function alignmentOption(a: Alignment, render: Render): EChartsCoreOption {
  const mechs = [
    { name: 'DKIM', m: a.dkim },
    { name: 'SPF', m: a.spf },
  ];
  return {
    ...base,
    ...aria(
      `DKIM and SPF alignment of ${formatNumber(a.messages)} messages. ` +
        mechs
          .map(
            (x) =>
              `${x.name}: ${ALIGNMENT_SEGMENTS.map((g) => `${g.label.toLowerCase()} ${formatNumber(x.m[g.key])}`).join(', ')}`,
          )
          .join('. ') +
        `. Both aligned ${formatNumber(a.both)}, neither ${formatNumber(a.neither)}.`,
    ),
    grid: { left: 56, right: 24, top: 36, bottom: 44 },
    legend: { top: 0, textStyle: FONT },
    tooltip: axisTooltip(render, (i) => {
      const x = mechs[i];
      if (!x) return null;
      const share = (n: number) => formatPercent(a.messages > 0 ? n / a.messages : null);
      return {
        title: `${x.name} (of ${formatNumber(a.messages)} messages)`,
        rows: [
          ...ALIGNMENT_SEGMENTS.map((s) => ({
            label: s.label,
            value: `${formatNumber(x.m[s.key])} (${share(x.m[s.key])})`,
            color: s.color,
          })),
          { label: 'DKIM and SPF aligned', value: formatNumber(a.both) },
          { label: 'Neither aligned', value: formatNumber(a.neither) },
        ],
        hint: 'Click for the sources behind it',
      };
    }),
    xAxis: valueAxis('Messages'),
    yAxis: {
      type: 'category',
      name: 'Mechanism',
      nameLocation: 'middle',
      nameGap: 40,
      nameTextStyle: FONT,
      inverse: true,
      data: mechs.map((x) => x.name),
      axisLabel: FONT,
    },
    series: ALIGNMENT_SEGMENTS.map((s) => ({
      name: s.label,
      type: 'bar',
      stack: 'a',
      color: s.color,
      barMaxWidth: 48,
      data: mechs.map((x) => x.m[s.key]),
    })),
  };
}

/** Horizontal pass/fail bars for a top-N list (sources, reporters). */
function passFailBars<T extends { dmarcPass: number; dmarcFail: number }>(
  items: T[],
  name: (t: T) => string,
  axisName: string,
  content: (t: T) => TooltipContent,
  render: Render,
): EChartsCoreOption {
  return {
    ...base,
    ...aria(
      `${axisName}s by messages: ` +
        list(
          items.map(
            (t) =>
              `${name(t)}: ${formatNumber(t.dmarcPass + t.dmarcFail)} messages, ${formatNumber(t.dmarcFail)} failing DMARC`,
          ),
        ),
    ),
    grid: { left: 150, right: 24, top: 44, bottom: 44 },
    legend: { top: 0, textStyle: FONT },
    tooltip: axisTooltip(render, (i) => (items[i] ? content(items[i]) : null)),
    xAxis: valueAxis('Messages'),
    yAxis: {
      type: 'category',
      name: axisName,
      nameLocation: 'start',
      nameTextStyle: { ...FONT, align: 'right', padding: [0, 8, 0, 0] },
      inverse: true,
      data: items.map(name),
      axisLabel: { ...FONT, width: 136, overflow: 'truncate' },
    },
    series: [
      { name: 'DMARC pass', type: 'bar', stack: 's', color: COLORS.pass, data: items.map((t) => t.dmarcPass) },
      { name: 'DMARC fail', type: 'bar', stack: 's', color: COLORS.fail, data: items.map((t) => t.dmarcFail) },
    ],
  };
}

/** A reporter as it names itself; a few send an empty name. */
export function reporterLabel(org: string): string {
  return org.trim() === '' ? '(unnamed reporter)' : org;
}

export function sourceLabel(ip: string | null): string {
  return ip ?? '(no source IP)';
}

export function topSourcesOption(items: SourceItem[], render: Render): EChartsCoreOption {
  return passFailBars(
    items,
    (s) => sourceLabel(s.sourceIp),
    'Source IP',
    (s) => ({
      title: sourceLabel(s.sourceIp),
      rows: [
        { label: 'DMARC pass', value: formatNumber(s.dmarcPass), color: COLORS.pass },
        { label: 'DMARC fail', value: formatNumber(s.dmarcFail), color: COLORS.fail },
        { label: 'Messages', value: formatNumber(s.messages) },
        { label: 'Compliance', value: formatPercent(s.complianceRate) },
        { label: 'Reported by', value: s.reporters.slice(0, 3).join(', ') + (s.reporters.length > 3 ? ', …' : '') },
      ],
      hint: s.sourceIp ? 'Click for this source’s records' : undefined,
    }),
    render,
  );
}

export function reportersOption(items: ReporterItem[], render: Render): EChartsCoreOption {
  return passFailBars(
    items,
    (r) => reporterLabel(r.orgName),
    'Reporter',
    (r) => ({
      title: reporterLabel(r.orgName),
      rows: [
        { label: 'DMARC pass', value: formatNumber(r.dmarcPass), color: COLORS.pass },
        { label: 'DMARC fail', value: formatNumber(r.dmarcFail), color: COLORS.fail },
        { label: 'Messages', value: formatNumber(r.messages) },
        { label: 'Reports', value: formatNumber(r.reports) },
        { label: 'Compliance', value: formatPercent(r.complianceRate) },
      ],
      hint: 'Click for this reporter’s reports',
    }),
    render,
  );
}

export const REASON_LABELS: Record<string, string> = {
  forwarded: 'Forwarded',
  sampled_out: 'Sampled out (pct)',
  trusted_forwarder: 'Trusted forwarder',
  mailing_list: 'Mailing list',
  local_policy: 'Local policy',
  other: 'Other',
  policy_test_mode: 'Policy test mode',
};

export function reasonLabel(type: string): string {
  return REASON_LABELS[type] ?? type;
}

export function overridesOption(o: Overrides, render: Render): EChartsCoreOption {
  const items = o.items;
  return {
    ...base,
    ...aria(
      'Policy-override reasons: ' +
        (items.length === 0
          ? 'none.'
          : list(
              items.map(
                (x) =>
                  `${reasonLabel(x.type)}: ${formatNumber(x.messages)} messages in ${formatNumber(x.reports)} reports`,
              ),
            )),
    ),
    grid: { left: 150, right: 24, top: 28, bottom: 44 },
    tooltip: itemTooltip(render, (i) => {
      const x = items[i];
      if (!x) return null;
      return {
        title: `Override: ${reasonLabel(x.type)}`,
        rows: [
          { label: 'Messages', value: formatNumber(x.messages), color: COLORS.quarantine },
          { label: 'Records', value: formatNumber(x.records) },
          { label: 'Reports', value: formatNumber(x.reports) },
        ],
        hint: 'Click for example reports',
      };
    }),
    xAxis: valueAxis('Messages'),
    yAxis: {
      type: 'category',
      name: 'Reason',
      nameLocation: 'start',
      nameTextStyle: { ...FONT, align: 'right', padding: [0, 8, 0, 0] },
      inverse: true,
      data: items.map((x) => reasonLabel(x.type)),
      axisLabel: { ...FONT, width: 136, overflow: 'truncate' },
    },
    series: [{ name: 'Messages', type: 'bar', color: COLORS.quarantine, data: items.map((x) => x.messages) }],
  };
}

/**
 * A domain with this share of the largest domain's mail, or fewer than FEW_MESSAGES, is drawn faint: its rate says
 * little (1 message at 0 % must not read like 15,000 at 0 %).
 */
const SMALL_SHARE = 0.01;
const FEW_MESSAGES = 20;

export function domainComplianceOption(items: DomainItem[], render: Render): EChartsCoreOption {
  const most = Math.max(1, ...items.map((d) => d.messages));
  const small = (d: DomainItem): boolean => d.messages < FEW_MESSAGES || d.messages < most * SMALL_SHARE;
  const volume = (d: DomainItem): string => `${formatNumber(d.messages)} message${d.messages === 1 ? '' : 's'}`;
  return {
    ...base,
    ...aria(
      'Compliance per domain: ' +
        list(
          items.map((d) => `${d.domain}: ${formatPercent(d.complianceRate)} of ${formatNumber(d.messages)} messages`),
          15,
        ),
    ),
    grid: { left: 150, right: 150, top: 28, bottom: 44 },
    tooltip: itemTooltip(render, (i) => {
      const d = items[i];
      if (!d) return null;
      return {
        title: d.domain,
        rows: [
          { label: 'Compliance', value: formatPercent(d.complianceRate), color: COLORS.pass },
          { label: 'DMARC pass', value: formatNumber(d.dmarcPass) },
          { label: 'DMARC fail', value: formatNumber(d.dmarcFail) },
          { label: 'Messages', value: formatNumber(d.messages) },
          { label: 'Published policy', value: d.policy.p ? `p=${d.policy.p}` : '—' },
        ],
        hint: 'Click to filter the dashboard to this domain',
      };
    }),
    xAxis: valueAxis('Compliance (% of messages passing DMARC)', {
      min: 0,
      max: 100,
      minInterval: undefined,
      axisLabel: { ...FONT, formatter: (v: number) => `${v}%` },
    }),
    yAxis: {
      type: 'category',
      name: 'Domain',
      nameLocation: 'start',
      nameTextStyle: { ...FONT, align: 'right', padding: [0, 8, 0, 0] },
      inverse: true,
      data: items.map((d) => d.domain),
      // the volume under each name: order and size cannot be mistaken
      axisLabel: {
        ...FONT,
        width: 136,
        overflow: 'truncate',
        lineHeight: 14,
        formatter: (name: string, i: number) => {
          const d = items[i];
          return d ? `${name}\n{volume|${volume(d)}}` : name;
        },
        rich: { volume: { ...FONT, fontSize: 11, color: '#57606a' } },
      },
    },
    series: [
      {
        name: 'Compliance',
        type: 'bar',
        data: items.map((d) => ({
          value: d.complianceRate === null ? 0 : Math.round(d.complianceRate * 10000) / 100,
          itemStyle: {
            color:
              (d.complianceRate ?? 0) >= 0.95
                ? COLORS.pass
                : (d.complianceRate ?? 0) >= 0.8
                  ? COLORS.quarantine
                  : COLORS.fail,
            opacity: small(d) ? 0.35 : 1,
          },
          // the words stay readable on a faint bar
          label: { opacity: 1, color: '#57606a' },
        })),
        label: {
          show: true,
          position: 'right',
          ...FONT,
          formatter: (p: { dataIndex: number }) => {
            const d = items[p.dataIndex];
            if (!d) return '';
            return `${formatPercent(d.complianceRate)}${small(d) ? ` (only ${volume(d)})` : ''}`;
          },
        },
      },
    ],
  };
}
