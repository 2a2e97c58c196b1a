import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  compress, decodeDistribution, distributionOf, encodeDistribution, gridStep, MAX_EXACT_VALUES, mergeDistributions, percentileOf,
} from './distribution.js';

test('distributions are ascending value, count pairs; equal values add up; zero counts drop', () => {
  assert.deepEqual(distributionOf([3, 1, 3, 2], [1, 2, 4, 0]), [[1, 2], [3, 5]]);
  assert.deepEqual(mergeDistributions([[1, 1], [5, 2]], [[1, 3], [2, 1], [9, 1]]), [[1, 4], [2, 1], [5, 2], [9, 1]]);
});

test('nearest-rank percentiles: p0 is the minimum, p100 the maximum', () => {
  const d = distributionOf(Array.from({ length: 100 }, (_, i) => i + 1));
  assert.equal(percentileOf(d, 0), 1);
  assert.equal(percentileOf(d, 50), 50);
  assert.equal(percentileOf(d, 90), 90);
  assert.equal(percentileOf(d, 99.5), 100);
  assert.equal(percentileOf(d, 100), 100);
  assert.equal(percentileOf(distributionOf([10, 20], [3, 1]), 75), 10);
  assert.equal(percentileOf(distributionOf([10, 20], [3, 1]), 76), 20);
  assert.equal(percentileOf([], 50), undefined);
});

test('encoding round-trips exactly', () => {
  const d = distributionOf([-1.5, 0, 2 ** -100, 1e300, 7], [1, 2, 3, 4.5, 1]);
  assert.deepEqual(decodeDistribution(encodeDistribution(d)), d);
  assert.deepEqual(decodeDistribution(encodeDistribution([])), []);
});

test('past MAX_EXACT_VALUES distinct values, values move to a log grid: bounded size, percentiles within the grid step', () => {
  fc.assert(fc.property(fc.array(fc.double({ min: 1e-3, max: 1e6, noNaN: true }), { minLength: MAX_EXACT_VALUES + 1, maxLength: 3000 }), fc.double({ min: 0, max: 100, noNaN: true }), (values, p) => {
    const exact = [...values].sort((a, b) => a - b).map((v): [number, number] => [v, 1]);
    const tolerance = Math.exp(gridStep(exact) / 2) - 1;
    const d = distributionOf(values);
    assert.ok(d.length <= MAX_EXACT_VALUES);
    assert.equal(d.reduce((n, [, c]) => n + c, 0), values.length, 'no sample is lost');
    const want = percentileOf(exact, p)!;
    const got = percentileOf(d, p)!;
    assert.ok(Math.abs(got / want - 1) <= tolerance + 1e-12, `p${p}: ${got} vs ${want} (tolerance ${tolerance})`);
  }), { numRuns: 30, endOnFailure: true });
  assert.ok(Math.exp(gridStep(distributionOf(Array.from({ length: 600 }, (_, i) => 1 + i / 100))) / 2) - 1 < 0.011, 'a narrow range keeps about 1 %');
  assert.deepEqual(compress([[0, 2], [-1, 1]]), [[0, 2], [-1, 1]], 'small distributions are left alone');
});
