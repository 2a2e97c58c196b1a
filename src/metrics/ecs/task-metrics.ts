/**
 * AWS/ECS and Container Insights figures of one task reading (pure).
 *
 * A reading gives the CPU time the task used over an interval and the memory it holds. As on
 * Fargate, utilization is a percentage of what the task reserved (its task-level cpu units and
 * memory MiB):
 *
 *   CPUUtilization    = CPU units used × 100 / task cpu     (CPU units used = CPU-seconds per second × 1024)
 *   MemoryUtilization = MiB in use × 100 / task memory
 *
 * Each reading becomes one value of `AWS/ECS` CPUUtilization and MemoryUtilization (Percent) under
 * {ClusterName} and, for a service's task, {ClusterName, ServiceName}; so a minute's Average is
 * the mean over the service's tasks' readings, Minimum and Maximum the least and most loaded, as
 * ECS documents them (SampleCount counts readings, several per task per minute, where ECS
 * aggregates each task's minute first). `ECS/ContainerInsights` gets CpuUtilized and CpuReserved
 * (CPU units), MemoryUtilized and MemoryReserved (Megabytes, i.e. MiB), NetworkRxBytes and
 * NetworkTxBytes (Bytes/Second over the interval) under {ClusterName}, {ClusterName,
 * TaskDefinitionFamily} and {ClusterName, ServiceName}; RunningTaskCount comes from the task
 * store (running-tasks.ts).
 */
import { aggregateOfValue } from '../aggregate.js';
import { canonicalDimensions, type Dimension, type PointInput } from '../metric-store.js';
import type { TaskMetricSample } from '../../protocol/agent.js';

export const ECS_NAMESPACE = 'AWS/ECS';
export const INSIGHTS_NAMESPACE = 'ECS/ContainerInsights';

/** What the control plane knows of a task that a reading is about. */
export interface TaskFacts {
  readonly clusterName: string;
  readonly taskId: string;
  readonly family: string;
  readonly serviceName: string | undefined;
  /** Task-level cpu units and memory MiB. */
  readonly cpu: number;
  readonly memory: number;
}

/** One task's figures from one reading. */
export interface TaskFigures {
  readonly at: number;
  /** Undefined on a task's first reading (no interval yet). */
  readonly cpuUnits: number | undefined;
  readonly cpuPercent: number | undefined;
  readonly memoryMiB: number | undefined;
  readonly memoryPercent: number | undefined;
  readonly rxBytesPerSecond: number | undefined;
  readonly txBytesPerSecond: number | undefined;
}

const MiB = 2 ** 20;

export function figuresOf(task: TaskFacts, s: TaskMetricSample): TaskFigures {
  const seconds = s.intervalMs !== undefined && s.intervalMs > 0 ? s.intervalMs / 1000 : undefined;
  const cpuUnits = seconds !== undefined && s.cpuNsDelta !== undefined ? (s.cpuNsDelta / 1e9 / seconds) * 1024 : undefined;
  const memoryMiB = s.memoryBytes !== undefined ? s.memoryBytes / MiB : undefined;
  const rate = (delta: number | undefined): number | undefined => (seconds !== undefined && delta !== undefined ? delta / seconds : undefined);
  return {
    at: s.at,
    cpuUnits,
    cpuPercent: cpuUnits !== undefined && task.cpu > 0 ? (cpuUnits * 100) / task.cpu : undefined,
    memoryMiB,
    memoryPercent: memoryMiB !== undefined && task.memory > 0 ? (memoryMiB * 100) / task.memory : undefined,
    rxBytesPerSecond: rate(s.networkRxBytesDelta),
    txBytesPerSecond: rate(s.networkTxBytesDelta),
  };
}

/** The dimension sets a task's figures are published under in a namespace. */
export function dimensionSets(task: TaskFacts, namespace: string): Dimension[][] {
  const cluster = { name: 'ClusterName', value: task.clusterName };
  const service = task.serviceName !== undefined ? [[cluster, { name: 'ServiceName', value: task.serviceName }]] : [];
  const family = namespace === INSIGHTS_NAMESPACE ? [[cluster, { name: 'TaskDefinitionFamily', value: task.family }]] : [];
  return [[cluster], ...family, ...service].map(canonicalDimensions);
}

export function pointsOf(task: TaskFacts, f: TaskFigures): PointInput[] {
  const out: PointInput[] = [];
  const add = (namespace: string, metricName: string, unit: string, value: number | undefined): void => {
    if (value === undefined || !Number.isFinite(value)) return;
    for (const dimensions of dimensionSets(task, namespace)) {
      out.push({ metric: { namespace, metricName, dimensions }, timestampMs: f.at, unit, storageResolution: 60, aggregate: aggregateOfValue(value) });
    }
  };
  add(ECS_NAMESPACE, 'CPUUtilization', 'Percent', f.cpuPercent);
  add(ECS_NAMESPACE, 'MemoryUtilization', 'Percent', f.memoryPercent);
  add(INSIGHTS_NAMESPACE, 'CpuUtilized', 'None', f.cpuUnits);
  add(INSIGHTS_NAMESPACE, 'CpuReserved', 'None', f.cpuUnits === undefined ? undefined : task.cpu);
  add(INSIGHTS_NAMESPACE, 'MemoryUtilized', 'Megabytes', f.memoryMiB);
  add(INSIGHTS_NAMESPACE, 'MemoryReserved', 'Megabytes', f.memoryMiB === undefined ? undefined : task.memory);
  add(INSIGHTS_NAMESPACE, 'NetworkRxBytes', 'Bytes/Second', f.rxBytesPerSecond);
  add(INSIGHTS_NAMESPACE, 'NetworkTxBytes', 'Bytes/Second', f.txBytesPerSecond);
  return out;
}

/** RunningTaskCount points for one moment: running tasks per cluster, per family and per service. */
export function runningTaskCountPoints(running: readonly TaskFacts[], atMs: number): PointInput[] {
  const counts = new Map<string, { dims: Dimension[]; n: number }>();
  for (const t of running) {
    for (const dims of dimensionSets(t, INSIGHTS_NAMESPACE)) {
      const key = JSON.stringify(dims);
      const c = counts.get(key);
      if (c) c.n += 1;
      else counts.set(key, { dims, n: 1 });
    }
  }
  return [...counts.values()].map(({ dims, n }) => ({
    metric: { namespace: INSIGHTS_NAMESPACE, metricName: 'RunningTaskCount', dimensions: dims },
    timestampMs: atMs, unit: 'Count', storageResolution: 60 as const, aggregate: aggregateOfValue(n),
  }));
}
