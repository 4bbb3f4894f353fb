// ECharts, tree-shaken: only the chart types and components the dashboard uses (loaded as its own chunk, so
// that the login page never waits for it). The country heatmap of a later issue adds MapChart, GeoComponent
// and VisualMapComponent here.
import { BarChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, AriaComponent, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export { echarts };
