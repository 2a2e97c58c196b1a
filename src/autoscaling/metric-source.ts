/**
 * Which metric a target tracking policy follows and how its one-minute datapoints are read
 * (pure). Predefined ECS metrics are the service's AWS/ECS series, which Pier's task metrics
 * publish under {ClusterName, ServiceName}; ALBRequestCountPerTarget is AWS/ApplicationELB
 * RequestCountPerTarget under {TargetGroup} (the ResourceLabel's `targetgroup/<name>/<id>` part),
 * summed per minute; a customized metric is the namespace, name, dimensions and statistic given.
 */
import type { Aggregate } from '../metrics/aggregate.js';
import { canonicalDimensions, type MetricIdentity, type StoredBucket } from '../metrics/metric-store.js';
import type { EcsServiceRef } from './resources.js';

export const PERIOD_MS = 60_000;

export type Statistic = 'Average' | 'Minimum' | 'Maximum' | 'SampleCount' | 'Sum';

export interface MetricSpec {
  readonly metric: MetricIdentity;
  readonly statistic: Statistic;
  readonly unit?: string;
}

export interface TrackedMetric {
  readonly PredefinedMetricSpecification?: { PredefinedMetricType: string; ResourceLabel?: string };
  readonly CustomizedMetricSpecification?: { MetricName?: string; Namespace?: string; Dimensions?: { Name: string; Value: string }[]; Statistic?: string; Unit?: string };
}

export function metricSpecOf(ref: EcsServiceRef, cfg: TrackedMetric): MetricSpec | undefined {
  const pre = cfg.PredefinedMetricSpecification;
  const service = canonicalDimensions([{ name: 'ClusterName', value: ref.cluster }, { name: 'ServiceName', value: ref.service }]);
  if (pre?.PredefinedMetricType === 'ECSServiceAverageCPUUtilization') {
    return { metric: { namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: service }, statistic: 'Average' };
  }
  if (pre?.PredefinedMetricType === 'ECSServiceAverageMemoryUtilization') {
    return { metric: { namespace: 'AWS/ECS', metricName: 'MemoryUtilization', dimensions: service }, statistic: 'Average' };
  }
  if (pre?.PredefinedMetricType === 'ALBRequestCountPerTarget' && pre.ResourceLabel) {
    const group = pre.ResourceLabel.slice(pre.ResourceLabel.indexOf('targetgroup/'));
    return { metric: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCountPerTarget', dimensions: [{ name: 'TargetGroup', value: group }] }, statistic: 'Sum' };
  }
  const c = cfg.CustomizedMetricSpecification;
  if (c?.MetricName && c.Namespace && c.Statistic) {
    return {
      metric: { namespace: c.Namespace, metricName: c.MetricName, dimensions: canonicalDimensions((c.Dimensions ?? []).map((d) => ({ name: d.Name, value: d.Value }))) },
      statistic: c.Statistic as Statistic, ...(c.Unit !== undefined ? { unit: c.Unit } : {}),
    };
  }
  return undefined;
}

export function statisticOf(a: Aggregate, s: Statistic): number {
  switch (s) {
    case 'Average': return a.sum / a.count;
    case 'Minimum': return a.min;
    case 'Maximum': return a.max;
    case 'SampleCount': return a.count;
    case 'Sum': return a.sum;
  }
}

/** The window to read for `periods` datapoints ending with the minute that holds `nowMs`. */
export function windowOf(nowMs: number, periods: number): { fromMs: number; toMs: number } {
  const current = Math.floor(nowMs / PERIOD_MS) * PERIOD_MS;
  return { fromMs: current - (periods - 1) * PERIOD_MS, toMs: current + PERIOD_MS };
}

/**
 * One value per minute of the window, oldest first, the minute in progress last (undefined where
 * the minute has no data). Buckets of several units in one minute are merged.
 */
export function datapointsOf(buckets: readonly StoredBucket[], nowMs: number, periods: number, statistic: Statistic): (number | undefined)[] {
  const { fromMs } = windowOf(nowMs, periods);
  const merged = new Map<number, Aggregate>();
  for (const b of buckets) {
    const prev = merged.get(b.startMs);
    merged.set(b.startMs, prev ? { count: prev.count + b.aggregate.count, sum: prev.sum + b.aggregate.sum, min: Math.min(prev.min, b.aggregate.min), max: Math.max(prev.max, b.aggregate.max), dist: undefined } : b.aggregate);
  }
  return Array.from({ length: periods }, (_, i) => {
    const a = merged.get(fromMs + i * PERIOD_MS);
    return a && a.count > 0 ? statisticOf(a, statistic) : undefined;
  });
}
