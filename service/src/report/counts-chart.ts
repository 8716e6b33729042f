import * as echarts from "echarts";
import type { DayCounts } from "./report-queries.ts";

const SERIES: Array<{ key: keyof Omit<DayCounts, "day">; name: string; color: string; kind: "bar" | "line" }> = [
  { key: "answeredFromBook", name: "answered from the book", color: "#2e8555", kind: "bar" },
  { key: "notCovered", name: "not covered", color: "#e6a23c", kind: "bar" },
  { key: "asked", name: "asked", color: "#3578e5", kind: "line" },
  { key: "votedUp", name: "voted up", color: "#67c23a", kind: "line" },
  { key: "votedDown", name: "voted down", color: "#d9534f", kind: "line" },
];

/**
 * The counts per day as a static SVG, drawn by Apache ECharts' server-side renderer (no
 * browser, no DOM): answers from the book and questions not covered stacked as bars, the
 * questions asked and the votes as lines.
 */
export function countsChartSvg(days: readonly DayCounts[], size = { width: 960, height: 340 }): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, ...size });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: "#ffffff",
      // The server-side renderer measures text without a browser: a common font and wide gaps
      // keep the legend's labels apart however the reader's browser draws them.
      textStyle: { fontFamily: "Arial, Helvetica, sans-serif", fontSize: 12 },
      legend: { top: 8, itemGap: 28 },
      grid: { left: 48, right: 24, top: 48, bottom: 48 },
      xAxis: { type: "category", data: days.map((d) => d.day.slice(5)), axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: SERIES.map((s) => ({
        name: s.name,
        type: s.kind,
        data: days.map((d) => d[s.key]),
        itemStyle: { color: s.color },
        ...(s.kind === "bar" ? { stack: "answers", barMaxWidth: 28 } : { symbolSize: 6, lineStyle: { width: 2, ...(s.key === "asked" ? {} : { type: "dashed" }) } }),
      })),
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
