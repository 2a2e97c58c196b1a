import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statisticOf } from '../aggregate.js';
import { figuresOf, pointsOf, runningTaskCountPoints, type TaskFacts } from './task-metrics.js';

const task: TaskFacts = { clusterName: 'prod', taskId: 't1', family: 'web', serviceName: 'web-svc', cpu: 256, memory: 512 };
const arn = 'arn:aws:ecs:us-east-1:1:task/prod/t1';

test('utilization is a percentage of the task\'s reservation: 0.25 vCPU burned of 256 units is 100 %', () => {
  const f = figuresOf(task, { taskArn: arn, at: 60_000, intervalMs: 10_000, cpuNsDelta: 2.5e9, memoryBytes: 128 * 2 ** 20, networkRxBytesDelta: 5000, networkTxBytesDelta: 1000 });
  assert.equal(f.cpuUnits, 256);
  assert.equal(f.cpuPercent, 100);
  assert.equal(f.memoryMiB, 128);
  assert.equal(f.memoryPercent, 25);
  assert.equal(f.rxBytesPerSecond, 500);
  assert.equal(f.txBytesPerSecond, 100);
  const first = figuresOf(task, { taskArn: arn, at: 0, memoryBytes: 2 ** 20 });
  assert.equal(first.cpuPercent, undefined, 'a first reading has no interval');
  assert.equal(first.memoryPercent, 100 / 512);
});

test('points: AWS/ECS by cluster and by service, Container Insights by cluster, family and service', () => {
  const points = pointsOf(task, figuresOf(task, { taskArn: arn, at: 60_000, intervalMs: 10_000, cpuNsDelta: 1.25e9, memoryBytes: 2 ** 28 }));
  const names = points.map((p) => `${p.metric.namespace} ${p.metric.metricName} ${p.metric.dimensions.map((d) => `${d.name}=${d.value}`).join(',')} ${p.unit} ${statisticOf(p.aggregate, 'Sum')}`);
  assert.deepEqual(names, [
    'AWS/ECS CPUUtilization ClusterName=prod Percent 50',
    'AWS/ECS CPUUtilization ClusterName=prod,ServiceName=web-svc Percent 50',
    'AWS/ECS MemoryUtilization ClusterName=prod Percent 50',
    'AWS/ECS MemoryUtilization ClusterName=prod,ServiceName=web-svc Percent 50',
    ...['CpuUtilized None 128', 'CpuReserved None 256', 'MemoryUtilized Megabytes 256', 'MemoryReserved Megabytes 512'].flatMap((m) => {
      const [name, unit, v] = m.split(' ');
      return ['ClusterName=prod', 'ClusterName=prod,TaskDefinitionFamily=web', 'ClusterName=prod,ServiceName=web-svc'].map((d) => `ECS/ContainerInsights ${name} ${d} ${unit} ${v}`);
    }),
  ]);
  assert.ok(points.every((p) => p.timestampMs === 60_000 && p.storageResolution === 60));
  const standalone = pointsOf({ ...task, serviceName: undefined }, figuresOf(task, { taskArn: arn, at: 0, memoryBytes: 1 }));
  assert.ok(standalone.every((p) => !p.metric.dimensions.some((d) => d.name === 'ServiceName')), 'a task outside a service has no ServiceName dimension');
});

test('RunningTaskCount counts running tasks per cluster, family and service', () => {
  const points = runningTaskCountPoints([task, { ...task, taskId: 't2' }, { ...task, taskId: 't3', family: 'worker', serviceName: undefined }], 120_000);
  assert.deepEqual(points.map((p) => `${p.metric.dimensions.map((d) => `${d.name}=${d.value}`).join(',')} ${statisticOf(p.aggregate, 'Sum')}`).sort(), [
    'ClusterName=prod 3', 'ClusterName=prod,ServiceName=web-svc 2', 'ClusterName=prod,TaskDefinitionFamily=web 2', 'ClusterName=prod,TaskDefinitionFamily=worker 1',
  ]);
  assert.ok(points.every((p) => p.metric.metricName === 'RunningTaskCount' && p.unit === 'Count'));
});
