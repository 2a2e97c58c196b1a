/** A service's tasks publish the AWS/ECS series service auto scaling follows: {ClusterName, ServiceName} from the task record. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskRecord } from '../../store/store.js';
import { factsOf } from './ecs-task-metrics.js';
import { figuresOf, pointsOf } from './task-metrics.js';

const record = (serviceName: string | undefined): TaskRecord => ({
  id: 't1', clusterName: 'prod', hostId: 'h1', family: 'web', startedBy: serviceName ? 'ecs-svc/1' : undefined, serviceName,
  size: { cpu: 256, memory: 512, ephemeralStorageGiB: 20 }, networkConfiguration: undefined,
  task: {} as TaskRecord['task'],
});

const ecsSeries = (r: TaskRecord): string[] => {
  const facts = factsOf(r);
  const points = pointsOf(facts, figuresOf(facts, { taskArn: 'arn', at: 60_000, intervalMs: 1000, cpuNsDelta: 125e6, memoryBytes: 256 * 2 ** 20 }));
  return points.filter((p) => p.metric.namespace === 'AWS/ECS')
    .map((p) => `${p.metric.metricName} ${p.metric.dimensions.map((d) => `${d.name}=${d.value}`).join(',')} ${p.aggregate.sum}`);
};

test('a service task\'s readings go to the cluster series and to the {ClusterName, ServiceName} series', () => {
  assert.deepEqual(ecsSeries(record('web-svc')), [
    'CPUUtilization ClusterName=prod 50', 'CPUUtilization ClusterName=prod,ServiceName=web-svc 50',
    'MemoryUtilization ClusterName=prod 50', 'MemoryUtilization ClusterName=prod,ServiceName=web-svc 50',
  ]);
});

test('a standalone task\'s readings go to the cluster series only', () => {
  assert.deepEqual(ecsSeries(record(undefined)), ['CPUUtilization ClusterName=prod 50', 'MemoryUtilization ClusterName=prod 50']);
});
