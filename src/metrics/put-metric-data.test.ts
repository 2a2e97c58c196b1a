import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statisticOf } from './aggregate.js';
import { InvalidParameterCombinationException, InvalidParameterValueException, MissingRequiredParameterException } from './errors.js';
import { MAX_DATA_PER_CALL, parsePutMetricData, type MetricDatumInput } from './put-metric-data.js';

const NOW = Date.UTC(2026, 5, 15, 12);
const parse = (MetricData: MetricDatumInput[], Namespace = 'App') => parsePutMetricData({ Namespace, MetricData }, NOW);

test('a datum becomes a point: dimensions sorted, unit None and resolution 60 and time now by default', () => {
  const [p] = parse([{ MetricName: 'm', Value: 2, Dimensions: [{ Name: 'b', Value: '2' }, { Name: 'a', Value: '1' }] }]);
  assert.deepEqual(p!.metric, { namespace: 'App', metricName: 'm', dimensions: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }] });
  assert.equal(p!.unit, 'None');
  assert.equal(p!.storageResolution, 60);
  assert.equal(p!.timestampMs, NOW);
  const [q] = parse([{ MetricName: 'm', Values: [1, 2], Counts: [3, 1], StorageResolution: 1, Unit: 'Count', Timestamp: NOW - 1000 }]);
  assert.deepEqual([statisticOf(q!.aggregate, 'SampleCount'), statisticOf(q!.aggregate, 'Sum'), q!.storageResolution, q!.unit], [4, 5, 1, 'Count']);
  const [r] = parse([{ MetricName: 'm', StatisticValues: { SampleCount: 2, Sum: 3, Minimum: 1, Maximum: 2 } }]);
  assert.equal(statisticOf(r!.aggregate, 'Average'), 1.5);
  const entity = parsePutMetricData({ Namespace: 'App', EntityMetricData: [{ MetricData: [{ MetricName: 'e', Value: 1 }] }] }, NOW);
  assert.equal(entity[0]!.metric.metricName, 'e');
});

test('CloudWatch\'s rules, each with its code and the member named', () => {
  const cases: [() => unknown, new (m: string) => Error, RegExp][] = [
    [() => parse([{ MetricName: 'm', Value: 1 }], 'AWS/EC2'), InvalidParameterValueException, /The value AWS\/EC2 for parameter Namespace is invalid/],
    [() => parsePutMetricData({ Namespace: 'App' }, NOW), MissingRequiredParameterException, /MetricData is required/],
    [() => parse(Array.from({ length: MAX_DATA_PER_CALL + 1 }, () => ({ MetricName: 'm', Value: 1 }))), InvalidParameterValueException, /must not have a size greater than 1000/],
    [() => parse([{ MetricName: 'm', Value: 1 }, { MetricName: 'm', Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }]), InvalidParameterCombinationException,
      /MetricData\.member\.2\.Value and MetricData\.member\.2\.StatisticValues are mutually exclusive/],
    [() => parse([{ MetricName: 'm', Value: 1, Values: [1] }]), InvalidParameterCombinationException, /Value and MetricData\.member\.1\.Values/],
    [() => parse([{ MetricName: 'm' }]), MissingRequiredParameterException, /MetricData\.member\.1\.Value/],
    [() => parse([{ MetricName: 'm', Values: [1, 2], Counts: [1] }]), InvalidParameterValueException, /Values and MetricData\.member\.1\.Counts must be of the same size/],
    [() => parse([{ MetricName: 'm', Values: Array.from({ length: 151 }, (_, i) => i) }]), InvalidParameterValueException, /greater than 150/],
    [() => parse([{ MetricName: 'm', Value: 2 ** 361 }]), InvalidParameterValueException, /MetricData\.member\.1\.Value is invalid/],
    [() => parse([{ MetricName: 'm', Value: Number.NaN }]), InvalidParameterValueException, /NaN/],
    [() => parse([{ MetricName: 'm', Value: 2 ** -261 }]), InvalidParameterValueException, /is invalid/],
    [() => parse([{ MetricName: 'm', Value: 1, StorageResolution: 10 }]), InvalidParameterValueException, /StorageResolution/],
    [() => parse([{ MetricName: 'm', Value: 1, Timestamp: NOW - 15 * 86_400_000 }]), InvalidParameterValueException, /Timestamp must specify a time/],
    [() => parse([{ MetricName: 'm', Value: 1, Timestamp: NOW + 3 * 3_600_000 }]), InvalidParameterValueException, /two hours in the future/],
    [() => parse([{ MetricName: 'm', Value: 1, Dimensions: [{ Name: 'a', Value: '1' }, { Name: 'a', Value: '2' }] }]), InvalidParameterValueException, /same dimension twice/],
    [() => parse([{ MetricName: 'm', StatisticValues: { SampleCount: 0, Sum: 0, Minimum: 0, Maximum: 0 } }]), InvalidParameterValueException, /SampleCount must be greater than 0/],
    [() => parse([{ MetricName: 'm', StatisticValues: { SampleCount: 2, Sum: 3, Minimum: 2, Maximum: 1 } }]), InvalidParameterValueException, /Maximum must be greater than or equal/],
    [() => parse([{ MetricName: 'm', Values: [1], Counts: [-1] }]), InvalidParameterValueException, /Counts\.member\.1 is invalid/],
    [() => parse([{ MetricName: 'm', Counts: [1] }]), InvalidParameterCombinationException, /Counts may only be given with/],
  ];
  for (const [fn, type, message] of cases) assert.throws(fn, (e: unknown) => e instanceof type && message.test((e as Error).message), String(message));
});
