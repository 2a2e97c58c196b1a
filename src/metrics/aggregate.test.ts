import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregateOfStatisticSet, aggregateOfValue, aggregateOfValues, isKnownStat, mergeAggregates, percentileOfStat, statisticOf,
} from './aggregate.js';

test('the five statistics of merged values', () => {
  const a = [4, 8, 15, 16, 23, 42].map(aggregateOfValue).reduce(mergeAggregates);
  assert.deepEqual(['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'].map((s) => statisticOf(a, s)), [6, 108, 18, 4, 42]);
  assert.equal(statisticOf(a, 'p50'), 15);
  assert.equal(statisticOf(a, 'p100'), 42);
  assert.equal(statisticOf(a, 'p0.0'), 4);
});

test('Values with Counts count each value that often', () => {
  const a = aggregateOfValues([1, 2, 3], [1, 1, 2])!;
  assert.deepEqual([a.count, a.sum, a.min, a.max], [4, 9, 1, 3]);
  assert.equal(statisticOf(a, 'p50'), 2);
  assert.equal(statisticOf(a, 'p75'), 3);
  assert.equal(aggregateOfValues([5], [0]), undefined, 'nothing counted');
});

test('statistic sets give percentiles only when they describe one value; negatives give none', () => {
  const several = aggregateOfStatisticSet({ SampleCount: 3, Sum: 6, Minimum: 1, Maximum: 3 });
  assert.equal(statisticOf(several, 'Average'), 2);
  assert.equal(statisticOf(several, 'p50'), undefined);
  assert.equal(statisticOf(mergeAggregates(several, aggregateOfValue(1)), 'p50'), undefined, 'unknown values stay unknown');
  const same = aggregateOfStatisticSet({ SampleCount: 4, Sum: 20, Minimum: 5, Maximum: 5 });
  assert.equal(statisticOf(same, 'p99'), 5);
  assert.equal(statisticOf(mergeAggregates(aggregateOfValue(-1), aggregateOfValue(3)), 'p50'), undefined);
});

test('percentile names: pNN and pNN.NN between 0 and 100', () => {
  assert.equal(percentileOfStat('p99.9'), 99.9);
  assert.equal(percentileOfStat('p100'), 100);
  for (const bad of ['p101', 'P50', 'p', 'p50.', 'tm99', 'avg']) assert.equal(percentileOfStat(bad), undefined, bad);
  assert.ok(isKnownStat('Average') && isKnownStat('p10') && !isKnownStat('average'));
});
