import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScalableTargetRecord, ScheduledActionRecord } from '../store/store.js';
import { planScheduledAction } from './scheduled-scaling.js';

const T = (iso: string): number => Date.parse(iso);
const target = (extra: Partial<ScalableTargetRecord> = {}): ScalableTargetRecord => ({
  serviceNamespace: 'ecs', resourceId: 'service/c/s', scalableDimension: 'ecs:service:DesiredCount', arn: 'arn', minCapacity: 1, maxCapacity: 4,
  roleArn: 'r', suspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false },
  scaling: {}, createdAt: 0, version: 1, ...extra,
});
const action = (extra: Partial<ScheduledActionRecord> = {}): ScheduledActionRecord => ({
  serviceNamespace: 'ecs', resourceId: 'service/c/s', scalableDimension: 'ecs:service:DesiredCount', name: 'a', arn: 'arn',
  schedule: 'at(2026-01-01T10:00:00)', minCapacity: 3, maxCapacity: 8, createdAt: T('2026-01-01T09:00:00Z'), updatedAt: T('2026-01-01T09:00:00Z'), ...extra,
});

test('nothing before the time; min and max at it', () => {
  assert.equal(planScheduledAction(target(), action(), T('2026-01-01T09:59:59Z')), undefined);
  assert.deepEqual(planScheduledAction(target(), action(), T('2026-01-01T10:00:00Z')), { kind: 'apply', occurrence: T('2026-01-01T10:00:00Z'), min: 3, max: 8 });
});

test('once: an applied occurrence is not applied again; one at or before the put never runs', () => {
  assert.equal(planScheduledAction(target(), action({ lastAppliedAt: T('2026-01-01T10:00:00Z') }), T('2026-01-01T11:00:00Z')), undefined);
  assert.equal(planScheduledAction(target(), action({ updatedAt: T('2026-01-01T10:00:00Z') }), T('2026-01-01T11:00:00Z')), undefined);
});

test('a missing bound keeps the target\'s; a minimum above the maximum cannot apply', () => {
  assert.deepEqual(planScheduledAction(target(), action({ maxCapacity: undefined }), T('2026-01-01T10:00:00Z')), { kind: 'apply', occurrence: T('2026-01-01T10:00:00Z'), min: 3, max: 4 });
  assert.deepEqual(planScheduledAction(target(), action({ minCapacity: undefined, maxCapacity: 2 }), T('2026-01-01T10:00:00Z')), { kind: 'apply', occurrence: T('2026-01-01T10:00:00Z'), min: 1, max: 2 });
  assert.deepEqual(planScheduledAction(target(), action({ minCapacity: 6, maxCapacity: undefined }), T('2026-01-01T10:00:00Z')), { kind: 'invalid-range', occurrence: T('2026-01-01T10:00:00Z'), min: 6, max: 4 });
});

test('suspended scheduled scaling does nothing; the time zone, start and end are honoured', () => {
  assert.equal(planScheduledAction(target({ suspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: true } }), action(), T('2026-01-01T12:00:00Z')), undefined);
  assert.equal(planScheduledAction(target(), action({ timezone: 'Europe/Paris' }), T('2026-01-01T09:30:00Z'))?.occurrence, undefined, '10:00 Paris is 09:00Z, the put time itself');
  const cron = action({ schedule: 'cron(0 * * * ? *)', startTime: T('2026-01-01T11:30:00Z'), endTime: T('2026-01-01T13:30:00Z') });
  assert.equal(planScheduledAction(target(), cron, T('2026-01-01T11:10:00Z')), undefined);
  assert.equal(planScheduledAction(target(), cron, T('2026-01-01T12:10:00Z'))?.occurrence, T('2026-01-01T12:00:00Z'));
  assert.equal(planScheduledAction(target(), cron, T('2026-01-01T15:10:00Z'))?.occurrence, T('2026-01-01T13:00:00Z'), 'the last one before EndTime');
  const rate = action({ schedule: 'rate(10 minutes)', startTime: undefined });
  assert.equal(planScheduledAction(target(), rate, T('2026-01-01T09:25:00Z'))?.occurrence, T('2026-01-01T09:20:00Z'), 'a rate counts from the put');
});
