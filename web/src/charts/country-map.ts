// The country map's ECharts option, from `/api/rollup/countries` items: each country coloured by messages or
// by DMARC failure share, on the shapes of world.ts (registered as the map 'world', regions named by alpha-2
// code). Pure (no DOM): the tooltip is described as data for the caller's `render`.
import type { EChartsCoreOption } from 'echarts/core';
import { formatCompact, formatNumber, formatPercent } from '../lib/format';
import { COLORS, aria, type Render } from './options';

export interface CountryFigures {
  /** ISO 3166-1 alpha-2; null for addresses that could not be located. */
  country: string | null;
  name: string | null;
  messages: number;
  dmarcPass: number;
  sources: number;
}

export type MapMetric = 'messages' | 'failRate';

export const MAP_NAME = 'world';

const failShare = (c: CountryFigures): number | null =>
  c.messages > 0 ? (c.messages - c.dmarcPass) / c.messages : null;

/** The located countries, the busiest first. */
export function locatedCountries(items: CountryFigures[]): (CountryFigures & { country: string })[] {
  return items
    .filter((c): c is CountryFigures & { country: string } => c.country !== null)
    .sort((a, b) => b.messages - a.messages || a.country.localeCompare(b.country));
}

function summary(items: CountryFigures[]): string {
  const located = locatedCountries(items);
  const unlocated = items.find((c) => c.country === null);
  const top = located
    .slice(0, 5)
    .map((c) => `${c.name ?? c.country} ${formatNumber(c.messages)} messages, ${formatPercent(failShare(c))} failing`);
  return (
    `${located.length} countries. ` +
    (top.length ? `Busiest: ${top.join('; ')}.` : '') +
    (unlocated ? ` ${formatNumber(unlocated.messages)} messages from addresses that could not be located.` : '')
  );
}

export function countryMapOption(items: CountryFigures[], metric: MapMetric, render: Render): EChartsCoreOption {
  const located = locatedCountries(items);
  const value = (c: CountryFigures): number =>
    // a failure share of countries with very few messages still shows, but messages decide the scale's top
    metric === 'messages' ? c.messages : Math.round((failShare(c) ?? 0) * 1000) / 10;
  const max = metric === 'messages' ? Math.max(1, ...located.map((c) => c.messages)) : 100;
  const byCode = new Map(located.map((c) => [c.country, c]));
  return {
    animation: false,
    textStyle: { fontFamily: 'inherit' },
    ...aria(summary(items)),
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (p: { name: string }) => {
        const c = byCode.get(p.name);
        if (!c) return render({ title: p.name, rows: [{ label: 'Messages', value: '0' }] });
        return render({
          title: c.name ?? c.country,
          rows: [
            { label: 'Messages', value: formatNumber(c.messages) },
            { label: 'DMARC pass', value: formatNumber(c.dmarcPass), color: COLORS.pass },
            { label: 'DMARC fail', value: formatNumber(c.messages - c.dmarcPass), color: COLORS.fail },
            { label: 'Failing', value: formatPercent(failShare(c)) },
            { label: 'Sources', value: formatNumber(c.sources) },
          ],
          hint: 'Click to filter by this country',
        });
      },
    },
    visualMap: {
      type: 'continuous',
      min: 0,
      max,
      left: 8,
      bottom: 8,
      calculable: false,
      itemHeight: 90,
      text: metric === 'messages' ? [formatCompact(max), '0'] : ['100 % failing', '0 %'],
      textStyle: { color: COLORS.text, fontSize: 11 },
      inRange: { color: metric === 'messages' ? ['#dbe7f5', COLORS.pass] : ['#fde3d3', COLORS.fail] },
      outOfRange: { color: '#f1f3f6' },
    },
    series: [
      {
        type: 'map',
        map: MAP_NAME,
        roam: false,
        aspectScale: 0.85,
        layoutCenter: ['50%', '55%'],
        layoutSize: '118%',
        // the poles carry no mail: the view ends above Antarctica's coast without cutting it off
        boundingCoords: [
          [-180, 84],
          [180, -60],
        ],
        selectedMode: false,
        emphasis: { label: { show: false }, itemStyle: { areaColor: '#f0b429' } },
        itemStyle: { areaColor: '#f1f3f6', borderColor: '#c5ccd8', borderWidth: 0.5 },
        data: located.map((c) => ({ name: c.country, value: value(c) })),
      },
    ],
  };
}
