import { BarChart, GraphChart, LineChart } from "echarts/charts";
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
} from "echarts/components";
import { use } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

// Only the parts the views use, so the chart chunk stays small; imported by chart views only.
use([
  CanvasRenderer,
  BarChart,
  LineChart,
  GraphChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  DataZoomComponent,
  TitleComponent,
]);

export { default as VChart } from "vue-echarts";
