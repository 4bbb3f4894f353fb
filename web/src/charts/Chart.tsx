// One chart: a titled figure whose canvas is drawn by ECharts (loaded on first use), resized with its box,
// with a click handler for drill-down. `data-drawn` is set once the chart has rendered its data, which the
// e2e tests and the benchmark wait for.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { EChartsCoreOption, EChartsType } from 'echarts/core';
import { tooltipElement } from './tooltip';
import type { TooltipContent } from './tooltip';
import { Link } from '../router';

/** The chart's data as a table: for keyboards and screen readers, with the same drill-down links. */
export interface ChartTable {
  columns: string[];
  rows: { cells: string[]; href?: string }[];
}

type Lib = typeof import('./echarts');
let lib: Promise<Lib> | null = null;
export function loadCharts(): Promise<Lib> {
  lib ??= import('./echarts');
  return lib;
}

export const renderTooltip = (c: TooltipContent): HTMLElement => tooltipElement(c);

export interface ClickInfo {
  dataIndex: number;
  seriesIndex: number;
  seriesName: string;
  name: string;
}

export interface ChartProps {
  id: string;
  title: string;
  /** One sentence on what the chart shows (and what a click does), for everyone including screen readers. */
  description: string;
  option: EChartsCoreOption | null;
  onClick?: (info: ClickInfo) => void;
  height?: number;
  /** Shown instead of the chart (empty data). */
  empty?: string | null;
  children?: ComponentChildren;
  wide?: boolean;
  table?: ChartTable | null;
}

export function Chart({
  id,
  title,
  description,
  option,
  onClick,
  height = 280,
  empty,
  children,
  wide,
  table,
}: ChartProps): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const observer = useRef<ResizeObserver | null>(null);
  const latest = useRef<EChartsCoreOption | null>(null);
  const click = useRef(onClick);
  click.current = onClick;

  // ECharts is created with the first data (never on a hidden box), and disposed with the component. Its aria
  // component then replaces the box's aria-label with a description of the data for screen readers.
  useEffect(
    () => () => {
      observer.current?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    },
    [],
  );

  useEffect(() => {
    if (!option || empty) return;
    latest.current = option;
    if (box.current) delete box.current.dataset.drawn;
    let live = true;
    void loadCharts().then(({ echarts }) => {
      const el = box.current;
      if (!live || !el || latest.current !== option) return;
      let c = chart.current;
      if (!c) {
        c = echarts.init(el, null, { renderer: 'canvas' });
        chart.current = c;
        c.on('click', (p) => {
          const e = p as unknown as ClickInfo;
          click.current?.({
            dataIndex: e.dataIndex,
            seriesIndex: e.seriesIndex,
            seriesName: e.seriesName,
            name: e.name,
          });
        });
        const self = c;
        c.on('finished', () => {
          if (!box.current || chart.current !== self) return;
          if (box.current.dataset.drawn !== 'true') performance.mark(`dmarc:chart-drawn:${id}`);
          box.current.dataset.drawn = 'true';
        });
        // not on a box that left the page or has no size (a map series' layout fails on 0 × 0)
        observer.current = new ResizeObserver(() => {
          if (!self.isDisposed() && el.isConnected && el.clientWidth > 0 && el.clientHeight > 0) self.resize();
        });
        observer.current.observe(el);
      }
      c.setOption(option, true);
    });
    return () => {
      live = false;
    };
  }, [option, empty]);

  const headingId = `${id}-title`;
  const descId = `${id}-desc`;
  return (
    <figure class={`card chart${wide ? ' wide' : ''}`} aria-labelledby={headingId} data-chart={id}>
      <h3 id={headingId} class="chart-title">
        {title}
      </h3>
      <p id={descId} class="chart-desc">
        {description}
      </p>
      {empty ? (
        <p class="chart-empty" data-chart-empty="true">
          {empty}
        </p>
      ) : null}
      <div
        ref={box}
        class="chart-canvas"
        style={{ height: `${height}px`, display: empty ? 'none' : 'block' }}
        role="img"
        aria-label={title}
        aria-describedby={descId}
      />
      {option === null && !empty ? (
        <p class="chart-loading" aria-hidden="true">
          Loading…
        </p>
      ) : null}
      {table && table.rows.length > 0 && !empty ? (
        <details class="chart-table">
          <summary>Show the figures as a table</summary>
          <div class="table-wrap">
            <table class="data">
              <caption class="sr-only">{title}</caption>
              <thead>
                <tr>
                  {table.columns.map((c, i) => (
                    <th key={c} scope="col" class={i > 0 ? 'num' : undefined}>
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {table.rows.map((r, i) => (
                  <tr key={i}>
                    {r.cells.map((c, j) =>
                      j === 0 ? (
                        <th key={j} scope="row">
                          {r.href ? <Link href={r.href}>{c}</Link> : c}
                        </th>
                      ) : (
                        <td key={j} class="num">
                          {c}
                        </td>
                      ),
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
      {children}
    </figure>
  );
}
