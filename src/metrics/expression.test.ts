import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, ExpressionError, parseExpression, referencedIds, usesMetrics, type MathValue, type Series } from './expression.js';

const s = (label: string, points: [number, number][]): Series => ({ label, timestamps: points.map((p) => p[0]), values: points.map((p) => p[1]) });
const m1 = s('CPU', [[0, 10], [60, 20], [120, 30]]);
const m2 = s('Mem', [[0, 1], [60, 0], [180, 5]]);
const scope = {
  value: (id: string): MathValue | undefined => ({ m1, m2 } as Record<string, MathValue>)[id],
  metrics: () => [{ id: 'm1', series: m1 }, { id: 'm2', series: m2 }],
};
const run = (src: string): MathValue => evaluate(parseExpression(src), scope, 'e');
const points = (v: MathValue): [number, number][] => {
  assert.ok(typeof v === 'object' && !Array.isArray(v), `a series, got ${JSON.stringify(v)}`);
  return v.timestamps.map((t, k) => [t, v.values[k]!]);
};

test('arithmetic follows precedence; series with numbers map every point', () => {
  assert.equal(run('1 + 2 * 3 - 4 / 2'), 5);
  assert.equal(run('-(2 + 3) ^ 2'), -25);
  assert.equal(run('2 ^ 3 ^ 2'), 512);
  assert.deepEqual(points(run('m1 * 2 + 1')), [[0, 21], [60, 41], [120, 61]]);
  assert.deepEqual(points(run('100 - m1')), [[0, 90], [60, 80], [120, 70]]);
});

test('two series combine where both have a point; division by zero leaves the point out', () => {
  assert.deepEqual(points(run('m1 + m2')), [[0, 11], [60, 20]]);
  assert.deepEqual(points(run('m1 / m2')), [[0, 10]]);
});

test('SUM/AVG/MIN/MAX of a list or METRICS() are series over every timestamp; of one series a number', () => {
  assert.deepEqual(points(run('SUM([m1, m2])')), [[0, 11], [60, 20], [120, 30], [180, 5]]);
  assert.deepEqual(points(run('AVG(METRICS())')), [[0, 5.5], [60, 10], [120, 30], [180, 5]]);
  assert.deepEqual(points(run("MAX(METRICS('m2'))")), [[0, 1], [60, 0], [180, 5]]);
  assert.deepEqual(points(run('MIN([m1, m2])')), [[0, 1], [60, 0], [120, 30], [180, 5]]);
  assert.equal(run('SUM(m1)'), 60);
  assert.equal(run('AVG(m1)'), 20);
  assert.deepEqual(points(run('m1 / AVG(m1) * 100')), [[0, 50], [60, 100], [120, 150]]);
  assert.deepEqual(points(run('ABS(m2 - 3)')), [[0, 2], [60, 3], [180, 2]]);
  const arr = run('METRICS() * 2');
  assert.ok(Array.isArray(arr) && arr.length === 2 && arr[1]!.label === 'Mem');
});

test('references and errors', () => {
  assert.deepEqual(referencedIds(parseExpression('m1 + SUM([m2, e_1]) * 3')), ['m1', 'm2', 'e_1']);
  assert.ok(usesMetrics(parseExpression('2 * AVG(METRICS())')));
  assert.ok(!usesMetrics(parseExpression('m1')));
  for (const bad of ['m1 +', '(m1', 'm1 m2', 'FOO(m1)', 'm1 $ 2', '[1, m1]', 'SUM()']) {
    assert.throws(() => run(bad), ExpressionError, bad);
  }
  assert.throws(() => run('m9 * 2'), /Unrecognized metric or expression id: m9/);
});
