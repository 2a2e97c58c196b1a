// CPU and memory over time from Pier's CloudWatch metrics (AWS/ECS, as ECS publishes them).
import { cloudwatch } from '../api.js';
import { usePoll } from '../hooks.js';
import { ErrorNote, html } from '../html.js';
import { alignSeries, Chart } from './chart.js';

const WINDOW_SECONDS = 3600;

async function loadUtilization(dimensions) {
  const now = Math.floor(Date.now() / 1000);
  const query = (id, metricName, stat) => ({
    Id: id, MetricStat: { Metric: { Namespace: 'AWS/ECS', MetricName: metricName, Dimensions: dimensions }, Period: 60, Stat: stat },
  });
  const out = await cloudwatch('GetMetricData', {
    StartTime: now - WINDOW_SECONDS, EndTime: now + 60, ScanBy: 'TimestampAscending',
    MetricDataQueries: [
      query('cpuAvg', 'CPUUtilization', 'Average'), query('cpuMax', 'CPUUtilization', 'Maximum'),
      query('memAvg', 'MemoryUtilization', 'Average'), query('memMax', 'MemoryUtilization', 'Maximum'),
    ],
  });
  const byId = new Map((out.MetricDataResults ?? []).map((r) => [r.Id, { times: (r.Timestamps ?? []).map(Number), values: r.Values ?? [] }]));
  const none = { times: [], values: [] };
  return {
    cpu: alignSeries([byId.get('cpuAvg') ?? none, byId.get('cpuMax') ?? none]),
    memory: alignSeries([byId.get('memAvg') ?? none, byId.get('memMax') ?? none]),
  };
}

/** A service's CPU and memory utilization (percent of its tasks' size), the last hour by minute. */
export function ServiceUtilization({ cluster, service }) {
  const dims = [{ Name: 'ClusterName', Value: cluster }, { Name: 'ServiceName', Value: service }];
  const { data, error } = usePoll(() => loadUtilization(dims), 15000, [cluster, service]);
  const series = [{ label: 'Average' }, { label: 'Maximum' }];
  const now = Math.floor(Date.now() / 1000);
  const last = [now - WINDOW_SECONDS, now + 60];
  return html`
    <div class="charts">
      <${ErrorNote} error=${error} />
      <${Chart} title="CPU utilization (AWS/ECS, 1 min)" unit="%" series=${series} data=${data?.cpu ?? [[], [], []]} yMax=${100} xRange=${last} />
      <${Chart} title="Memory utilization (AWS/ECS, 1 min)" unit="%" series=${series} data=${data?.memory ?? [[], [], []]} yMax=${100} xRange=${last} />
    </div>`;
}
