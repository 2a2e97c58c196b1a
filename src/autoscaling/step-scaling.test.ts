import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationException } from './errors.js';
import { aggregateMetric, checkStepScaling, decideStepScaling, percentChange, stepFor, type StepScalingConfig } from './step-scaling.js';
import type { CapacityState } from './target-tracking.js';

const steps = [
  { MetricIntervalUpperBound: 0, ScalingAdjustment: -1 },
  { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
  { MetricIntervalLowerBound: 10, ScalingAdjustment: 3 },
];
const cap = (extra: Partial<CapacityState> = {}): CapacityState => ({ current: 4, min: 1, max: 8, scaleOutSuspended: false, scaleInSuspended: false, ...extra });

test('the step for a breach delta: above the threshold lower bounds are inclusive, below it upper bounds are', () => {
  assert.equal(stepFor(steps, 0)?.ScalingAdjustment, 1, '0 is above-or-at the threshold: [0, 10)');
  assert.equal(stepFor(steps, 9.99)?.ScalingAdjustment, 1);
  assert.equal(stepFor(steps, 10)?.ScalingAdjustment, 3);
  assert.equal(stepFor(steps, 1e9)?.ScalingAdjustment, 3);
  assert.equal(stepFor(steps, -0.5)?.ScalingAdjustment, -1);
  assert.equal(stepFor([{ MetricIntervalLowerBound: -10, MetricIntervalUpperBound: 0, ScalingAdjustment: -2 }], -10), undefined, 'below: lower bound exclusive');
  assert.equal(stepFor([{ MetricIntervalLowerBound: -10, MetricIntervalUpperBound: 0, ScalingAdjustment: -2 }], 0), undefined, 'at 0 the upper bound 0 is exclusive');
  assert.equal(stepFor([{ MetricIntervalLowerBound: 5, ScalingAdjustment: 1 }], 2), undefined);
});

test('metric aggregation: Average (default), Minimum, Maximum', () => {
  const s = { count: 4, sum: 100, min: 5, max: 60 };
  assert.equal(aggregateMetric(undefined, s), 25);
  assert.equal(aggregateMetric('Average', s), 25);
  assert.equal(aggregateMetric('Minimum', s), 5);
  assert.equal(aggregateMetric('Maximum', s), 60);
});

test('percent changes round as AWS rounds them and honour MinAdjustmentMagnitude', () => {
  assert.equal(percentChange(4, 10, undefined), 1, '0.4 → 1');
  assert.equal(percentChange(4, -10, undefined), -1, '-0.4 → -1');
  assert.equal(percentChange(10, 15, undefined), 1, '1.5 → 1');
  assert.equal(percentChange(30, -22, undefined), -6, '-6.6 → -6');
  assert.equal(percentChange(4, 50, 3), 3, 'at least the magnitude');
  assert.equal(percentChange(4, -50, 3), -3);
  assert.equal(percentChange(10, 100, 3), 10);
});

test('adjustment types: change, percent, exact; clamped to [min, max]', () => {
  const d = (cfg: StepScalingConfig, delta: number, c = cap()) => decideStepScaling(cfg, c, delta, 0, undefined);
  assert.deepEqual(d({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: steps }, 5), { kind: 'scale', desired: 5, step: steps[1] });
  assert.deepEqual(d({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: steps }, 50), { kind: 'scale', desired: 7, step: steps[2] });
  assert.deepEqual(d({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: steps }, 50, cap({ max: 6 })), { kind: 'scale', desired: 6, step: steps[2] });
  assert.deepEqual(d({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: steps }, -5), { kind: 'scale', desired: 3, step: steps[0] });
  assert.deepEqual(d({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: steps }, -5, cap({ current: 1 })), { kind: 'none', reason: 'no-change' });
  const pct = [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 50 }];
  assert.deepEqual(d({ AdjustmentType: 'PercentChangeInCapacity', StepAdjustments: pct }, 1), { kind: 'scale', desired: 6, step: pct[0] });
  assert.deepEqual(d({ AdjustmentType: 'PercentChangeInCapacity', StepAdjustments: pct, MinAdjustmentMagnitude: 3 }, 1), { kind: 'scale', desired: 7, step: pct[0] });
  const exact = [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 20 }];
  assert.deepEqual(d({ AdjustmentType: 'ExactCapacity', StepAdjustments: exact }, 1), { kind: 'scale', desired: 8, step: exact[0] });
  assert.deepEqual(d({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 100, ScalingAdjustment: 1 }] }, 1), { kind: 'none', reason: 'no-step' });
});

test('a policy waits its Cooldown after its last activity; suspension stops the matching direction', () => {
  const cfg: StepScalingConfig = { AdjustmentType: 'ChangeInCapacity', StepAdjustments: steps, Cooldown: 60 };
  assert.deepEqual(decideStepScaling(cfg, cap(), 5, 100_000, { at: 50_000 }), { kind: 'none', reason: 'cooldown' });
  assert.equal(decideStepScaling(cfg, cap(), 5, 110_000, { at: 50_000 }).kind, 'scale');
  assert.deepEqual(decideStepScaling(cfg, cap({ scaleOutSuspended: true }), 5, 0, undefined), { kind: 'none', reason: 'suspended' });
  assert.equal(decideStepScaling(cfg, cap({ scaleOutSuspended: true }), -5, 0, undefined).kind, 'scale', 'scale-in still allowed');
  assert.deepEqual(decideStepScaling(cfg, cap({ scaleInSuspended: true }), -5, 0, undefined), { kind: 'none', reason: 'suspended' });
});

test('inside the cooldown a larger scale-out step adds only what the last scale-out did not; scale-in waits', () => {
  const cfg: StepScalingConfig = { AdjustmentType: 'ChangeInCapacity', StepAdjustments: steps, Cooldown: 300 };
  // The last scale-out took 4 to 5 (+1); now the +3 step: 4 + 3 = 7, so 2 more.
  assert.deepEqual(decideStepScaling(cfg, cap({ current: 5 }), 50, 100_000, { at: 50_000, scaleOutFrom: 4 }), { kind: 'scale', desired: 7, step: steps[2] });
  assert.deepEqual(decideStepScaling(cfg, cap({ current: 5 }), 5, 100_000, { at: 50_000, scaleOutFrom: 4 }), { kind: 'none', reason: 'cooldown' }, 'the same +1 step: nothing more');
  assert.deepEqual(decideStepScaling(cfg, cap({ current: 5 }), -5, 100_000, { at: 50_000, scaleOutFrom: 4 }), { kind: 'none', reason: 'cooldown' });
  assert.deepEqual(decideStepScaling(cfg, cap({ current: 5 }), 50, 100_000, { at: 50_000 }), { kind: 'none', reason: 'cooldown' }, 'after a scale-in nothing runs inside the cooldown');
  assert.deepEqual(decideStepScaling(cfg, cap({ current: 5, scaleOutSuspended: true }), 50, 100_000, { at: 50_000, scaleOutFrom: 4 }), { kind: 'none', reason: 'suspended' });
});

test('configuration checks', () => {
  const bad = (cfg: StepScalingConfig | undefined, re: RegExp) => assert.throws(() => checkStepScaling(cfg), (e: unknown) => e instanceof ValidationException && re.test(e.message));
  checkStepScaling({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: steps });
  checkStepScaling({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ ScalingAdjustment: 1 }] });
  checkStepScaling({ AdjustmentType: 'PercentChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 10 }], MinAdjustmentMagnitude: 2 });
  bad(undefined, /StepScalingPolicyConfiguration is required/);
  bad({ StepAdjustments: steps }, /AdjustmentType is required/);
  bad({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: [] }, /at least one step/);
  bad({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: steps, MinAdjustmentMagnitude: 1 }, /only be specified when AdjustmentType is PercentChangeInCapacity/);
  bad({ AdjustmentType: 'PercentChangeInCapacity', StepAdjustments: steps, MinAdjustmentMagnitude: 0 }, /at least 1/);
  bad({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: steps, Cooldown: -1 }, /Cooldown/);
  bad({ AdjustmentType: 'ExactCapacity', StepAdjustments: steps }, /cannot be negative/);
  bad({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 5, MetricIntervalUpperBound: 5, ScalingAdjustment: 1 }] }, /greater than its lower bound/);
  bad({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 5, ScalingAdjustment: 2 }] }, /overlap/);
  bad({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 20, ScalingAdjustment: 2 }] }, /gaps/);
  bad({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 0, ScalingAdjustment: 2 }] }, /neither a lower nor an upper bound/);
});
