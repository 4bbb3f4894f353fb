// The country map: a world map coloured by messages or by failure share (a switch), a click on a country
// filters by it, and the figures as a table like every chart. The shapes (world.ts) load with the map only.
import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { formatNumber, formatPercent } from '../lib/format';
import { Chart, loadCharts, renderTooltip, type ChartTable } from './Chart';
import { MAP_NAME, countryMapOption, locatedCountries, type CountryFigures, type MapMetric } from './country-map';

let registered: Promise<void> | null = null;
function registerWorld(): Promise<void> {
  registered ??= Promise.all([loadCharts(), import('./world')]).then(([{ echarts }, { worldCountries }]) => {
    // ECharts' own GeoJSON type is looser than ours; the shapes are standard GeoJSON
    echarts.registerMap(MAP_NAME, worldCountries());
  });
  return registered;
}

export interface CountryMapProps {
  items: CountryFigures[] | null;
  /** A click on a located country (its alpha-2 code). */
  onCountry?: (country: string) => void;
  /** Where the table's rows link to (e.g. the page filtered by that country). */
  hrefFor?: (country: string | null) => string | undefined;
}

export function CountryMap({ items, onCountry, hrefFor }: CountryMapProps): JSX.Element {
  const [metric, setMetric] = useState<MapMetric>('messages');
  const [ready, setReady] = useState(false);
  useEffect(() => {
    let live = true;
    void registerWorld().then(() => live && setReady(true));
    return () => {
      live = false;
    };
  }, []);

  const option = useMemo(
    () => (ready && items ? countryMapOption(items, metric, renderTooltip) : null),
    [ready, items, metric],
  );
  const table: ChartTable | null = useMemo(() => {
    if (!items) return null;
    const unlocated = items.filter((c) => c.country === null);
    return {
      columns: ['Country', 'Messages', 'DMARC pass', 'Failing', 'Sources'],
      rows: [...locatedCountries(items), ...unlocated].map((c) => ({
        cells: [
          c.country === null ? 'Not located' : `${c.name ?? c.country} (${c.country})`,
          formatNumber(c.messages),
          formatNumber(c.dmarcPass),
          formatPercent(c.messages > 0 ? (c.messages - c.dmarcPass) / c.messages : null),
          formatNumber(c.sources),
        ],
        href: hrefFor?.(c.country),
      })),
    };
  }, [items, hrefFor]);

  const empty = items && items.length === 0 ? 'No messages in this period.' : null;
  return (
    <Chart
      id="country-map"
      title="Where the mail comes from"
      description={
        metric === 'messages'
          ? 'Messages by the country of their source address. Click a country to filter by it.'
          : 'Share of each country’s messages that fail DMARC. Click a country to filter by it.'
      }
      option={option}
      empty={empty}
      height={460}
      wide
      table={table}
      onClick={(info) => {
        if (info.name && /^[A-Z]{2}$/.test(info.name)) onCountry?.(info.name);
      }}
    >
      <div class="segmented chart-switch" role="group" aria-label="Colour the map by">
        {(['messages', 'failRate'] as const).map((m) => (
          <button key={m} type="button" aria-pressed={metric === m} onClick={() => setMetric(m)}>
            {m === 'messages' ? 'Messages' : 'Failure rate'}
          </button>
        ))}
      </div>
    </Chart>
  );
}
