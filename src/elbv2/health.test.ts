import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { targetHealth, type TargetHealthInput } from './health.js';

const base: TargetHealthInput = {
  target: { targetGroupArn: 'tg', id: '10.0.1.5', port: 80, registeredAt: 1000 },
  inUse: true, healthCheckEnabled: true, deregistrationDelaySeconds: 10, reports: [], now: 5000,
};
const at = (reportedAt: number, state: string, reason?: string) => ({ reportedAt, state, ...(reason ? { reason } : {}) });

describe('target health', () => {
  test('no report yet: initial, registration in progress', () => {
    assert.deepEqual(targetHealth(base), { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' });
  });
  test('reports older than the registration do not count', () => {
    assert.equal(targetHealth({ ...base, reports: [at(999, 'healthy')] })?.State, 'initial');
  });
  test('healthy if any host finds it healthy', () => {
    assert.deepEqual(targetHealth({ ...base, reports: [at(2000, 'unhealthy', 'Target.Timeout'), at(2000, 'healthy')] }), { State: 'healthy' });
  });
  test('otherwise the unhealthy report, with its reason', () => {
    assert.deepEqual(targetHealth({ ...base, reports: [at(2000, 'initial'), at(2000, 'unhealthy', 'Target.ResponseCodeMismatch')] }),
      { State: 'unhealthy', Reason: 'Target.ResponseCodeMismatch' });
  });
  test('every host still checking: initial health checking', () => {
    assert.equal(targetHealth({ ...base, reports: [at(2000, 'initial')] })?.Reason, 'Elb.InitialHealthChecking');
  });
  test('a group nothing forwards to: unused, whatever hosts say', () => {
    assert.deepEqual(targetHealth({ ...base, inUse: false, reports: [at(2000, 'healthy')] }),
      { State: 'unused', Reason: 'Target.NotInUse', Description: 'Target group is not configured to receive traffic from the load balancer' });
  });
  test('health checks off: unavailable', () => {
    assert.equal(targetHealth({ ...base, healthCheckEnabled: false })?.Reason, 'Target.HealthCheckDisabled');
  });
  test('deregistered: draining until the delay is over, then gone', () => {
    const target = { ...base.target, drainingSince: 4000 };
    assert.deepEqual(targetHealth({ ...base, target, now: 13_999, reports: [at(2000, 'healthy')] }),
      { State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: 'Target deregistration is in progress' });
    assert.equal(targetHealth({ ...base, target, now: 14_000 }), undefined);
    assert.equal(targetHealth({ ...base, target, inUse: false, now: 5000 })?.State, 'draining');
  });
});
