import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateOfValue, aggregateOfValues } from '../metrics/aggregate.js';
import { datapointsOf, metricSpecOf, statisticOf, windowOf } from './metric-source.js';

const ref = { cluster: 'prod', service: 'web' };

test('predefined ECS metrics are the service series of AWS/ECS, averaged', () => {
  assert.deepEqual(metricSpecOf(ref, { PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } }), {
    metric: { namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: [{ name: 'ClusterName', value: 'prod' }, { name: 'ServiceName', value: 'web' }] },
    statistic: 'Average',
  });
  assert.equal(metricSpecOf(ref, { PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageMemoryUtilization' } })?.metric.metricName, 'MemoryUtilization');
});

test('ALBRequestCountPerTarget is RequestCountPerTarget of the target group in the ResourceLabel, summed', () => {
  const spec = metricSpecOf(ref, { PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: 'app/my-alb/778d41231b141a0f/targetgroup/my-tg/943f017f100becff' } });
  assert.deepEqual(spec, {
    metric: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCountPerTarget', dimensions: [{ name: 'TargetGroup', value: 'targetgroup/my-tg/943f017f100becff' }] },
    statistic: 'Sum',
  });
});

test('a customized metric is taken as given, dimensions in canonical order', () => {
  const spec = metricSpecOf(ref, { CustomizedMetricSpecification: { Namespace: 'App', MetricName: 'QueueDepth', Statistic: 'Maximum', Unit: 'Count', Dimensions: [{ Name: 'Z', Value: '1' }, { Name: 'A', Value: '2' }] } });
  assert.deepEqual(spec, { metric: { namespace: 'App', metricName: 'QueueDepth', dimensions: [{ name: 'A', value: '2' }, { name: 'Z', value: '1' }] }, statistic: 'Maximum', unit: 'Count' });
  assert.equal(metricSpecOf(ref, { CustomizedMetricSpecification: { Namespace: 'App' } }), undefined);
  assert.equal(metricSpecOf(ref, {}), undefined);
});

test('statistics of a bucket', () => {
  const a = aggregateOfValues([10, 20, 60])!;
  assert.equal(statisticOf(a, 'Average'), 30);
  assert.equal(statisticOf(a, 'Minimum'), 10);
  assert.equal(statisticOf(a, 'Maximum'), 60);
  assert.equal(statisticOf(a, 'Sum'), 90);
  assert.equal(statisticOf(a, 'SampleCount'), 3);
});

test('datapoints: one per minute of the window, the minute in progress last, gaps undefined, units merged', () => {
  const now = Date.UTC(2026, 0, 1, 12, 5, 30);
  const m = (minute: number): number => Date.UTC(2026, 0, 1, 12, minute);
  assert.deepEqual(windowOf(now, 3), { fromMs: m(3), toMs: m(6) });
  const buckets = [
    { startMs: m(3), unit: 'Percent', aggregate: aggregateOfValue(40) },
    { startMs: m(5), unit: 'Percent', aggregate: aggregateOfValue(80) },
    { startMs: m(5), unit: 'None', aggregate: aggregateOfValue(60) },
  ];
  assert.deepEqual(datapointsOf(buckets, now, 3, 'Average'), [40, undefined, 70]);
  assert.deepEqual(datapointsOf(buckets, now, 1, 'Maximum'), [80]);
  assert.deepEqual(datapointsOf([], now, 2, 'Average'), [undefined, undefined]);
});
