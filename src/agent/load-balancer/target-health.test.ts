import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadBalancingAssignment, TargetGroupConfig } from '../../protocol/load-balancing.js';
import { backendName } from './render-config.js';
import { sameHealth, targetHealth, type ServerStat } from './target-health.js';

const group: TargetGroupConfig = {
  targetGroupArn: 'arn:tg/a', name: 'a', protocol: 'HTTP', port: 80, deregistrationDelaySeconds: 10,
  healthCheck: { enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 5, timeoutSeconds: 2, healthyThresholdCount: 2, unhealthyThresholdCount: 2, httpCode: '200' },
  targets: [],
};
const be = backendName(group);
const stat = (svname: string, status: string, check_status: string, check_code = ''): ServerStat => ({ pxname: be, svname, status, check_status, check_code });
const only = (targets: TargetGroupConfig['targets'], stats: ServerStat[], g: Partial<TargetGroupConfig> = {}) => {
  const a: LoadBalancingAssignment = { cursor: 'c', loadBalancers: [], targetGroups: [{ ...group, ...g, targets }] };
  return targetHealth(a, stats, 100_000).map(({ targetGroupArn: _t, ...r }) => r);
};

test('HAProxy server states map to ELBv2 target health with its reasons', () => {
  const t = [{ id: '10.0.0.1', port: 80 }];
  assert.deepEqual(only(t, []), [{ id: '10.0.0.1', port: 80, state: 'initial', reason: 'Elb.RegistrationInProgress', description: 'Target registration is in progress' }]);
  assert.equal(only(t, [stat('10.0.0.1:80', 'UP 1/2', 'INI')])[0]!.reason, 'Elb.InitialHealthChecking');
  assert.deepEqual(only(t, [stat('10.0.0.1:80', 'UP', 'L7OK', '200')])[0], { id: '10.0.0.1', port: 80, state: 'healthy' });
  assert.equal(only(t, [stat('10.0.0.1:80', 'UP 1/2', 'L4CON')])[0]!.state, 'healthy');
  assert.deepEqual(only(t, [stat('10.0.0.1:80', 'DOWN', 'L4CON')])[0], { id: '10.0.0.1', port: 80, state: 'unhealthy', reason: 'Target.FailedHealthChecks', description: 'Health checks failed' });
  assert.equal(only(t, [stat('10.0.0.1:80', 'DOWN', 'L4TOUT')])[0]!.reason, 'Target.Timeout');
  assert.equal(only(t, [stat('10.0.0.1:80', 'DOWN', 'L7TOUT')])[0]!.reason, 'Target.Timeout');
  assert.deepEqual(only(t, [stat('10.0.0.1:80', 'DOWN 1/2', 'L7STS', '503')])[0], {
    id: '10.0.0.1', port: 80, state: 'unhealthy', reason: 'Target.ResponseCodeMismatch', description: 'Health checks failed with these codes: [503]',
  });
});

test('draining targets report draining until their delay passes; disabled checks report unavailable', () => {
  const draining = only([{ id: '10.0.0.1', port: 80, drainingSinceMs: 95_000 }], [stat('10.0.0.1:80', 'DRAIN', 'L7OK')]);
  assert.deepEqual(draining, [{ id: '10.0.0.1', port: 80, state: 'draining', reason: 'Target.DeregistrationInProgress', description: 'Target deregistration is in progress' }]);
  assert.deepEqual(only([{ id: '10.0.0.1', port: 80, drainingSinceMs: 80_000 }], []), []);
  const off = only([{ id: '10.0.0.1', port: 80 }], [], { healthCheck: { ...group.healthCheck, enabled: false } });
  assert.equal(off[0]!.state, 'unavailable');
  assert.equal(off[0]!.reason, 'Target.HealthCheckDisabled');
});

test('sameHealth ignores order and sees any change', () => {
  const a = { targetGroupArn: 'x', id: '1', port: 80, state: 'healthy' as const };
  const b = { targetGroupArn: 'x', id: '2', port: 80, state: 'initial' as const };
  assert.ok(sameHealth([a, b], [b, a]));
  assert.ok(!sameHealth([a, b], [a, { ...b, state: 'healthy' }]));
  assert.ok(!sameHealth([a], [a, b]));
});
