import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  capacityForTarget, combineDecisions, decideTargetTracking, type CapacityState, type Decision, type Evaluation, type TargetTrackingConfig,
} from './target-tracking.js';

const NOW = 10_000_000;
const cfg = (extra: Partial<TargetTrackingConfig> = {}): TargetTrackingConfig => ({ TargetValue: 50, ScaleOutCooldown: 60, ScaleInCooldown: 120, ...extra });
const cap = (extra: Partial<CapacityState> = {}): CapacityState => ({ current: 2, min: 1, max: 10, scaleOutSuspended: false, scaleInSuspended: false, ...extra });
const ev = (datapoints: (number | undefined)[], extra: Partial<Evaluation> = {}): Evaluation => ({ nowMs: NOW, datapoints, highPeriods: 3, lowPeriods: 5, ...extra });

test('capacity for the target is ceil(current × metric / target), without rounding noise', () => {
  assert.equal(capacityForTarget(2, 80, 50), 4); // 3.2 → 4
  assert.equal(capacityForTarget(3, 80, 40), 6); // exactly 6, not 6.000000000000001 → 7
  assert.equal(capacityForTarget(4, 10, 50), 1);
  assert.equal(capacityForTarget(0, 90, 50), 0);
});

test('scale out when every one of the last highPeriods periods is above the target', () => {
  assert.deepEqual(decideTargetTracking(cfg(), cap(), ev([10, 60, 70, 80])), { kind: 'scale', direction: 'out', desired: 4, alarm: 'High', metric: 80 });
  assert.deepEqual(decideTargetTracking(cfg(), cap(), ev([40, 60, 70, 80])).kind, 'scale', 'only the last three periods count');
  assert.deepEqual(decideTargetTracking(cfg(), cap(), ev([60, 70, 50, 80])), { kind: 'none', reason: 'within-target' }, 'equal to the target is not above it');
  assert.deepEqual(decideTargetTracking(cfg(), cap(), ev([70, undefined, 80])), { kind: 'none', reason: 'insufficient-data' }, 'a missing period breaks the run');
  assert.deepEqual(decideTargetTracking(cfg(), cap(), ev([80, 80])), { kind: 'none', reason: 'insufficient-data' });
});

test('scale out is clamped at max, and at max there is nothing to do', () => {
  assert.deepEqual(decideTargetTracking(cfg(), cap({ max: 3 }), ev([100, 100, 100])), { kind: 'scale', direction: 'out', desired: 3, alarm: 'High', metric: 100 });
  assert.deepEqual(decideTargetTracking(cfg(), cap({ current: 3, max: 3 }), ev([100, 100, 100])), { kind: 'none', reason: 'at-limit' });
});

test('a service at zero scales out to at least one', () => {
  const d = decideTargetTracking(cfg(), cap({ current: 0, min: 0 }), ev([100, 100, 100]));
  assert.deepEqual(d, { kind: 'scale', direction: 'out', desired: 1, alarm: 'High', metric: 100 });
});

test('scale-out cooldown counts from the last scale-out; suspension stops it', () => {
  assert.deepEqual(decideTargetTracking(cfg(), cap({ lastScaleOutAt: NOW - 59_999 }), ev([80, 80, 80])), { kind: 'none', reason: 'cooldown' });
  assert.equal(decideTargetTracking(cfg(), cap({ lastScaleOutAt: NOW - 60_000 }), ev([80, 80, 80])).kind, 'scale');
  assert.equal(decideTargetTracking(cfg(), cap({ lastScaleInAt: NOW }), ev([80, 80, 80])).kind, 'scale', 'a recent scale-in does not hold a scale-out');
  assert.equal(decideTargetTracking(cfg({ ScaleOutCooldown: undefined }), cap({ lastScaleOutAt: NOW - 299_000 }), ev([80, 80, 80])).kind, 'none', 'default cooldown is 300 s');
  assert.deepEqual(decideTargetTracking(cfg(), cap({ scaleOutSuspended: true }), ev([80, 80, 80])), { kind: 'none', reason: 'suspended' });
});

test('scale in only when every one of the last lowPeriods periods is below 90 % of the target', () => {
  const low = [20, 20, 20, 20, 20];
  assert.deepEqual(decideTargetTracking(cfg(), cap({ current: 4 }), ev(low)), { kind: 'scale', direction: 'in', desired: 2, alarm: 'Low', metric: 20 });
  assert.deepEqual(decideTargetTracking(cfg(), cap({ current: 4 }), ev([20, 20, 46, 20, 20])), { kind: 'none', reason: 'within-target' }, '46 is above 45');
  assert.deepEqual(decideTargetTracking(cfg(), cap({ current: 4 }), ev([20, 20, 20, 20])), { kind: 'none', reason: 'within-target' }, 'fewer than lowPeriods periods');
  assert.deepEqual(decideTargetTracking(cfg(), cap({ current: 4 }), ev([44, 44, 44, 44, 44])), { kind: 'none', reason: 'at-limit' }, 'ceil(4 × 44 / 50) = 4: nothing to remove');
});

test('scale in is clamped at min; cooldown, DisableScaleIn and suspension stop it', () => {
  const low = [1, 1, 1, 1, 1];
  assert.deepEqual(decideTargetTracking(cfg(), cap({ current: 4, min: 2 }), ev(low)), { kind: 'scale', direction: 'in', desired: 2, alarm: 'Low', metric: 1 });
  assert.deepEqual(decideTargetTracking(cfg(), cap({ current: 2, min: 2 }), ev(low)), { kind: 'none', reason: 'at-limit' });
  assert.deepEqual(decideTargetTracking(cfg(), cap({ current: 4, lastScaleInAt: NOW - 119_000 }), ev(low)), { kind: 'none', reason: 'cooldown' });
  assert.equal(decideTargetTracking(cfg(), cap({ current: 4, lastScaleInAt: NOW - 120_000 }), ev(low)).kind, 'scale');
  assert.equal(decideTargetTracking(cfg(), cap({ current: 4, lastScaleOutAt: NOW }), ev(low)).kind, 'scale', 'the scale-in cooldown counts from scale-ins only');
  assert.deepEqual(decideTargetTracking(cfg({ DisableScaleIn: true }), cap({ current: 4 }), ev(low)), { kind: 'none', reason: 'scale-in-disabled' });
  assert.deepEqual(decideTargetTracking(cfg(), cap({ current: 4, scaleInSuspended: true }), ev(low)), { kind: 'none', reason: 'suspended' });
});

test('a current capacity above max is brought down by a scale-out clamp only when the metric is high', () => {
  assert.deepEqual(decideTargetTracking(cfg(), cap({ current: 12, max: 10 }), ev([80, 80, 80])), { kind: 'none', reason: 'at-limit' });
});

const out = (desired: number): Decision => ({ kind: 'scale', direction: 'out', desired, alarm: 'High', metric: 1 });
const into = (desired: number): Decision => ({ kind: 'scale', direction: 'in', desired, alarm: 'Low', metric: 1 });
const none: Decision = { kind: 'none', reason: 'within-target' };

test('combining policies: any scale-out wins with the largest capacity', () => {
  const r = combineDecisions([
    { policy: 'cpu', decision: out(3), votesOnScaleIn: true },
    { policy: 'mem', decision: out(5), votesOnScaleIn: true },
    { policy: 'alb', decision: into(1), votesOnScaleIn: true },
  ]);
  assert.equal(r?.policy, 'mem');
  assert.equal(r?.decision.desired, 5);
});

test('combining policies: scale in only when every policy that may scale in agrees, to the largest capacity', () => {
  assert.equal(combineDecisions([{ policy: 'cpu', decision: into(2), votesOnScaleIn: true }, { policy: 'mem', decision: none, votesOnScaleIn: true }]), undefined);
  const r = combineDecisions([
    { policy: 'cpu', decision: into(2), votesOnScaleIn: true },
    { policy: 'mem', decision: into(3), votesOnScaleIn: true },
    { policy: 'noin', decision: none, votesOnScaleIn: false },
  ]);
  assert.equal(r?.policy, 'mem');
  assert.equal(r?.decision.desired, 3);
  assert.equal(combineDecisions([{ policy: 'cpu', decision: none, votesOnScaleIn: true }]), undefined);
  assert.equal(combineDecisions([]), undefined);
});
