import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateOfValue, statisticOf } from './aggregate.js';
import { periodsOf } from './series.js';

test('stored buckets merge into periods from the aligned start, per unit or across units', () => {
  const b = (startMs: number, unit: string, v: number) => ({ startMs, unit, aggregate: aggregateOfValue(v) });
  const buckets = [b(60_000, 'Count', 1), b(120_000, 'Count', 2), b(120_000, 'Seconds', 10), b(180_000, 'Count', 4), b(300_000, 'Count', 8)];
  const byUnit = periodsOf(buckets, 60_000, 180_000, true);
  assert.deepEqual(byUnit.map((p) => [p.startMs, p.unit, statisticOf(p.aggregate, 'Sum')]), [
    [60_000, 'Count', 7], [60_000, 'Seconds', 10], [240_000, 'Count', 8],
  ]);
  const across = periodsOf(buckets, 60_000, 180_000, false);
  assert.deepEqual(across.map((p) => [p.startMs, p.unit, statisticOf(p.aggregate, 'SampleCount')]), [[60_000, undefined, 4], [240_000, undefined, 1]]);
});
