import { computed } from "vue";
import { useTheme } from "./use-theme";

/** The theme's CSS variables as plain colors for ECharts (which draws on canvas, not CSS). */
export function useChartColors() {
  const { theme } = useTheme();
  return computed(() => {
    void theme.value;
    const css = getComputedStyle(document.documentElement);
    const v = (name: string) => css.getPropertyValue(name).trim();
    return {
      text: v("--text"),
      muted: v("--text-muted"),
      faint: v("--text-faint"),
      border: v("--border"),
      bg: v("--bg-elev"),
      accent: v("--accent"),
      ok: v("--ok"),
      warn: v("--warn"),
      err: v("--err"),
      types: {
        task: v("--t-task"),
        result: v("--t-result"),
        question: v("--t-question"),
        ack: v("--t-ack"),
        ping: v("--t-ping"),
      } as Record<string, string>,
      palette: [v("--t-task"), v("--t-result"), v("--t-question"), v("--t-ack"), v("--err"), v("--t-ping")],
    };
  });
}
export type ChartColors = ReturnType<typeof useChartColors>["value"];

/**
 * Axis and tooltip styling shared by every chart. Tooltips are drawn on the canvas (richText):
 * the HTML ones are built with style attributes, which the hub's CSP (no 'unsafe-inline')
 * refuses, and they would put instance ids into innerHTML.
 */
export function baseOption(c: ChartColors) {
  return {
    textStyle: { color: c.muted, fontFamily: "system-ui, sans-serif" },
    tooltip: {
      renderMode: "richText" as const,
      backgroundColor: c.bg,
      borderColor: c.border,
      textStyle: { color: c.text },
    },
    grid: { left: 44, right: 16, top: 28, bottom: 28, containLabel: false },
  };
}

export const axisStyle = (c: ChartColors) => ({
  axisLine: { lineStyle: { color: c.border } },
  axisLabel: { color: c.muted },
  splitLine: { lineStyle: { color: c.border, type: "dashed" as const } },
});
