// The Domain page's chart: the domain's messages per class (why they pass or fail DMARC), one bar each. Pure
// (no DOM), like options.ts: tooltips are data, turned into nodes by the caller's `render`.
import type { EChartsCoreOption } from 'echarts/core';
import { formatCompact, formatNumber, formatPercent } from '../lib/format';
import type { AdviceClassItem } from '../lib/types';
import { COLORS, aria, type Render } from './options';

export const CLASS_LABELS: Record<AdviceClassItem['class'], string> = {
  aligned: 'Aligned (passes)',
  legitimate_unaligned: 'Legitimate, not aligned',
  forwarded: 'Forwarded / lists',
  spoofing: 'Spoofing or unknown',
  own_infrastructure: 'Own servers failing',
};

/** Blue for passing, orange family for the failures, red for spoofing: distinguishable without hue alone too. */
export const CLASS_COLORS: Record<AdviceClassItem['class'], string> = {
  aligned: COLORS.pass,
  legitimate_unaligned: COLORS.fail,
  forwarded: COLORS.partial,
  spoofing: COLORS.reject,
  own_infrastructure: COLORS.quarantine,
};

export function classesOption(items: AdviceClassItem[], render: Render): EChartsCoreOption {
  const FONT = { color: COLORS.text, fontSize: 12 };
  return {
    animation: false,
    textStyle: { fontFamily: 'inherit' },
    ...aria(
      'Messages per class: ' +
        items
          .map((c) => `${CLASS_LABELS[c.class]}: ${formatNumber(c.messages)} (${formatPercent(c.share)})`)
          .join('; '),
    ),
    grid: { left: 170, right: 60, top: 12, bottom: 40 },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (params: unknown) => {
        const c = items[(params as { dataIndex?: number }).dataIndex ?? -1];
        if (!c) return '';
        return render({
          title: CLASS_LABELS[c.class],
          rows: [
            { label: 'Messages', value: formatNumber(c.messages), color: CLASS_COLORS[c.class] },
            { label: 'Share', value: formatPercent(c.share) },
            { label: 'Sources', value: formatNumber(c.sources) },
            { label: 'Senders', value: formatNumber(c.senders) },
          ],
          hint: 'Click for its senders',
        });
      },
    },
    xAxis: {
      type: 'value',
      name: 'Messages',
      nameLocation: 'middle',
      nameGap: 26,
      nameTextStyle: FONT,
      axisLabel: { ...FONT, formatter: (v: number) => formatCompact(v) },
      splitLine: { lineStyle: { color: COLORS.grid } },
      minInterval: 1,
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: items.map((c) => CLASS_LABELS[c.class]),
      axisLabel: { ...FONT, width: 160, overflow: 'truncate' },
    },
    series: [
      {
        name: 'Messages',
        type: 'bar',
        data: items.map((c) => ({ value: c.messages, itemStyle: { color: CLASS_COLORS[c.class] } })),
        label: { show: true, position: 'right', ...FONT, formatter: (p: { value: number }) => formatCompact(p.value) },
        cursor: 'pointer',
      },
    ],
  };
}
