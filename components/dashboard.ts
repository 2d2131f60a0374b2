/**
 * The stack's CloudWatch dashboard as data: one graph per alarm, showing the metrics the alarm
 * reads (or its metric math) and its threshold. Nothing in it depends on the deployment state.
 */
import { AlarmSpec } from "./alarms";

const WIDTH = 12;
const HEIGHT = 6;

export interface DashboardBody {
  readonly widgets: readonly object[];
}

export function dashboardBody(specs: readonly AlarmSpec[], region: string): DashboardBody {
  return {
    widgets: specs.map((spec, index) => ({
      type: "metric",
      x: (index % 2) * WIDTH,
      y: Math.floor(index / 2) * HEIGHT,
      width: WIDTH,
      height: HEIGHT,
      properties: {
        title: spec.description,
        region,
        view: "timeSeries",
        period: spec.periodSeconds,
        metrics: [
          ...spec.metrics.map((metric, metricIndex) => [
            metric.namespace,
            metric.metricName,
            ...Object.entries(metric.dimensions).flat(),
            {
              stat: metric.stat,
              ...(spec.expression === undefined
                ? {}
                : { id: `m${metricIndex + 1}`, visible: false }),
            },
          ]),
          ...(spec.expression === undefined
            ? []
            : [[{ expression: spec.expression, label: spec.role, id: "e1" }]]),
        ],
        annotations: { horizontal: [{ value: spec.threshold, label: "alarm threshold" }] },
      },
    })),
  };
}
