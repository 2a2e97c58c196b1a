import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScalableTargetRecord, ScalingPolicyRecord } from '../store/store.js';
import { planStepTrigger, stepCause, type AlarmTrigger } from './step-trigger.js';

const target = (extra: Partial<ScalableTargetRecord> = {}): ScalableTargetRecord => ({
  serviceNamespace: 'ecs', resourceId: 'service/c/web', scalableDimension: 'ecs:service:DesiredCount', arn: 'arn:t', minCapacity: 1, maxCapacity: 10,
  roleArn: 'arn:r', suspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false },
  scaling: {}, createdAt: 0, version: 1, ...extra,
});
const policy = (cfg: Record<string, unknown>): ScalingPolicyRecord => ({
  serviceNamespace: 'ecs', resourceId: 'service/c/web', scalableDimension: 'ecs:service:DesiredCount', name: 'out', arn: 'arn:p', policyType: 'StepScaling',
  configuration: { AdjustmentType: 'ChangeInCapacity', StepAdjustments: [
    { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 10, ScalingAdjustment: 4 },
  ], ...cfg }, alarms: [], createdAt: 0,
});
const trigger = (values: number[]): AlarmTrigger => ({ alarmName: 'a', state: 'ALARM', threshold: 50, values });

test('the alarm\'s values are aggregated by MetricAggregationType before the step is picked', () => {
  const values = [52, 54, 68];
  assert.deepEqual(planStepTrigger(policy({}), target(), 2, trigger(values), 0), { kind: 'scale', desired: 3, step: { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 } }, 'Average 58: +1');
  assert.deepEqual(planStepTrigger(policy({ MetricAggregationType: 'Maximum' }), target(), 2, trigger(values), 0), { kind: 'scale', desired: 6, step: { MetricIntervalLowerBound: 10, ScalingAdjustment: 4 } }, 'Maximum 68: +4');
  assert.deepEqual(planStepTrigger(policy({ MetricAggregationType: 'Minimum' }), target(), 2, trigger(values), 0), { kind: 'scale', desired: 3, step: { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 } }, 'Minimum 52: +1');
  assert.deepEqual(planStepTrigger(policy({}), target(), 2, trigger([40]), 0), { kind: 'none', reason: 'no-step' }, 'below the threshold no step matches');
});

test('the policy\'s cooldown runs from its own last activity; the target clamps and suspends', () => {
  const busy = target({ scaling: { policyActivityAt: { out: 100_000, other: 0 } } });
  assert.deepEqual(planStepTrigger(policy({ Cooldown: 60 }), busy, 2, trigger([70]), 150_000), { kind: 'none', reason: 'cooldown' });
  assert.equal(planStepTrigger(policy({ Cooldown: 60 }), busy, 2, trigger([70]), 160_000).kind, 'scale');
  assert.deepEqual(planStepTrigger(policy({}), target({ maxCapacity: 3 }), 2, trigger([70]), 0), { kind: 'scale', desired: 3, step: { MetricIntervalLowerBound: 10, ScalingAdjustment: 4 } });
  const suspended = target({ suspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: true, ScheduledScalingSuspended: false } });
  assert.deepEqual(planStepTrigger(policy({}), suspended, 2, trigger([70]), 0), { kind: 'none', reason: 'suspended' });
});

test('the activity cause names the alarm, its state and the policy, as AWS does', () => {
  assert.equal(stepCause('queue-high', 'ALARM', 'out'), 'monitor alarm queue-high in state ALARM triggered policy out');
});
