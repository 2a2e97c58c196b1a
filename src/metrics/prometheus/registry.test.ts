import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, formatValue, Gauge, Histogram, Registry, type Sample } from './registry.js';
import { convergenceLag, taskCounts, utilization } from './pier-health.js';
import type { TaskRecord } from '../../store/store.js';

test('the text format: HELP and TYPE, escaped labels, cumulative histogram buckets with +Inf, sum and count', async () => {
  const r = new Registry();
  const c = r.register(new Counter('x_total', 'A help\nline with \\ in it.'));
  c.inc({ a: 'q"uote', b: 'back\\slash\nnl' });
  c.inc({ a: 'q"uote', b: 'back\\slash\nnl' }, 2);
  const h = r.register(new Histogram('lat_seconds', 'Latency.', [0.1, 1]));
  h.observe({ op: 'Get' }, 0.05);
  h.observe({ op: 'Get' }, 0.5);
  h.observe({ op: 'Get' }, 5);
  r.register(new Gauge('up', 'Up.', (): Sample[] => [{ labels: {}, value: 1 }, { labels: { k: 'v' }, value: Number.NaN }]));
  assert.equal(await r.render(), [
    '# HELP x_total A help\\nline with \\\\ in it.', '# TYPE x_total counter', 'x_total{a="q\\"uote",b="back\\\\slash\\nnl"} 3',
    '# HELP lat_seconds Latency.', '# TYPE lat_seconds histogram',
    'lat_seconds_bucket{op="Get",le="0.1"} 1', 'lat_seconds_bucket{op="Get",le="1"} 2', 'lat_seconds_bucket{op="Get",le="+Inf"} 3',
    'lat_seconds_sum{op="Get"} 5.55', 'lat_seconds_count{op="Get"} 3',
    '# HELP up Up.', '# TYPE up gauge', 'up 1', 'up{k="v"} NaN', '',
  ].join('\n'));
  assert.deepEqual([Infinity, -Infinity, 0.25].map(formatValue), ['+Inf', '-Inf', '0.25']);
  assert.throws(() => r.register(new Counter('up', 'again')), /registered twice/);
});

const rec = (cluster: string, lastStatus: string, desiredStatus: string, createdAt: number, stoppingAt?: number): TaskRecord =>
  ({ clusterName: cluster, task: { lastStatus, desiredStatus, createdAt, ...(stoppingAt ? { stoppingAt } : {}) } }) as unknown as TaskRecord;

test('task gauges: counts by cluster and lastStatus; the oldest wait for RUNNING and for STOPPED', () => {
  const tasks = [rec('a', 'RUNNING', 'RUNNING', 100), rec('a', 'RUNNING', 'RUNNING', 100), rec('a', 'PENDING', 'RUNNING', 190), rec('b', 'STOPPING', 'STOPPED', 50, 170)];
  assert.deepEqual(taskCounts(tasks), [
    { labels: { cluster: 'a', last_status: 'RUNNING' }, value: 2 }, { labels: { cluster: 'a', last_status: 'PENDING' }, value: 1 },
    { labels: { cluster: 'b', last_status: 'STOPPING' }, value: 1 },
  ]);
  assert.deepEqual(convergenceLag(tasks, 200_000), [{ labels: { direction: 'start' }, value: 10 }, { labels: { direction: 'stop' }, value: 30 }]);
});

test('utilization gauges are the mean of tasks\' latest figures, by cluster and by service', () => {
  const l = (cluster: string, service: string | undefined, cpuPercent: number | undefined) => ({
    facts: { clusterName: cluster, taskId: 't', family: 'f', serviceName: service, cpu: 256, memory: 512 },
    figures: { at: 0, cpuUnits: undefined, cpuPercent, memoryMiB: undefined, memoryPercent: undefined, rxBytesPerSecond: undefined, txBytesPerSecond: undefined },
  });
  assert.deepEqual(utilization([l('a', 's', 100), l('a', 's', 50), l('a', undefined, 0), l('a', undefined, undefined)], (f) => f.cpuPercent), [
    { labels: { cluster: 'a' }, value: 50 }, { labels: { cluster: 'a', service: 's' }, value: 75 },
  ]);
});
