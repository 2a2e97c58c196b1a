import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError } from '../ecs/errors.js';
import {
  DEFAULT_HEALTH_CHECK, TARGET_GROUP_ATTRIBUTE_DEFAULTS, applyAttributes, applyPriorities, checkHttpCode, checkName,
  deregistrationDelaySeconds, parseHealthCheck,
} from './validate.js';

const refused = (fn: () => unknown, code: string, message?: RegExp) => assert.throws(fn, (err: unknown) => {
  assert.ok(err instanceof AwsError, String(err));
  assert.equal(err.code, code);
  if (message) assert.match(err.message, message);
  return true;
});

describe('names', () => {
  test('1–32 alphanumerics and hyphens, no hyphen at either end', () => {
    for (const ok of ['web', 'a', 'My-LB-01', 'x'.repeat(32)]) checkName('Load balancer', ok);
    refused(() => checkName('Load balancer', 'x'.repeat(33)), 'ValidationError', /cannot be longer than '32' characters/);
    refused(() => checkName('Target group', 'web_tg'), 'ValidationError', /^Target group name 'web_tg' can only contain/);
    refused(() => checkName('Target group', '-web'), 'ValidationError', /cannot begin or end with '-'/);
    refused(() => checkName('Load balancer', 'web-'), 'ValidationError', /cannot begin or end with '-'/);
  });
  test("load balancer names may not start with 'internal-'; target group names may", () => {
    refused(() => checkName('Load balancer', 'internal-web'), 'ValidationError', /cannot begin with 'internal-'/);
    checkName('Target group', 'internal-web');
  });
});

describe('health checks', () => {
  test("ELBv2's defaults for an HTTP ip group", () => {
    assert.deepEqual(parseHealthCheck({}, DEFAULT_HEALTH_CHECK), {
      enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 30, timeoutSeconds: 5,
      healthyThresholdCount: 5, unhealthyThresholdCount: 2, httpCode: '200',
    });
  });
  test('members given replace the base, the rest stay', () => {
    const hc = parseHealthCheck({ HealthCheckPath: '/health', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthCheckPort: '8081', Matcher: { HttpCode: '200-299' } }, DEFAULT_HEALTH_CHECK);
    assert.deepEqual([hc.path, hc.intervalSeconds, hc.timeoutSeconds, hc.port, hc.httpCode, hc.healthyThresholdCount], ['/health', 5, 2, '8081', '200-299', 5]);
  });
  test('the timeout must be shorter than the interval (both given or one against the base)', () => {
    refused(() => parseHealthCheck({ HealthCheckIntervalSeconds: 5 }, DEFAULT_HEALTH_CHECK), 'ValidationError', /timeout '5' must be smaller than the interval '5'/);
    refused(() => parseHealthCheck({ HealthCheckTimeoutSeconds: 30 }, DEFAULT_HEALTH_CHECK), 'ValidationError');
  });
  test('path, port and protocol', () => {
    refused(() => parseHealthCheck({ HealthCheckPath: 'health' }, DEFAULT_HEALTH_CHECK), 'ValidationError', /must begin with a '\/'/);
    refused(() => parseHealthCheck({ HealthCheckPort: '70000' }, DEFAULT_HEALTH_CHECK), 'ValidationError', /'traffic-port' or a port number/);
    refused(() => parseHealthCheck({ HealthCheckPort: 'http' }, DEFAULT_HEALTH_CHECK), 'ValidationError');
    refused(() => parseHealthCheck({ HealthCheckProtocol: 'HTTPS' }, DEFAULT_HEALTH_CHECK), 'ValidationError');
  });
  test('matcher codes: single, lists, one ascending range, all within 200–499', () => {
    for (const ok of ['200', '200,202', '200-299', '301,404,499']) checkHttpCode(ok);
    for (const bad of ['100', '500', '299-200', '200-299,300', '2xx', '', '200-']) refused(() => checkHttpCode(bad), 'ValidationError', /within '200-499' range/);
  });
});

describe('target group attributes', () => {
  test('every attribute AWS lists, deregistration delay 300 by default', () => {
    assert.equal(TARGET_GROUP_ATTRIBUTE_DEFAULTS['deregistration_delay.timeout_seconds'], '300');
    assert.equal(deregistrationDelaySeconds(TARGET_GROUP_ATTRIBUTE_DEFAULTS), 300);
  });
  test('the deregistration delay is 0–3600 seconds', () => {
    assert.equal(deregistrationDelaySeconds(applyAttributes(TARGET_GROUP_ATTRIBUTE_DEFAULTS, [{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }])), 0);
    assert.equal(deregistrationDelaySeconds(applyAttributes(TARGET_GROUP_ATTRIBUTE_DEFAULTS, [{ Key: 'deregistration_delay.timeout_seconds', Value: '3600' }])), 3600);
    for (const bad of ['3601', '-1', '1.5', 'ten', '']) {
      refused(() => applyAttributes(TARGET_GROUP_ATTRIBUTE_DEFAULTS, [{ Key: 'deregistration_delay.timeout_seconds', Value: bad }]), 'ValidationError', /from 0 to 3600/);
    }
  });
  test('other listed attributes are kept as set when valid; unknown keys are refused', () => {
    const next = applyAttributes(TARGET_GROUP_ATTRIBUTE_DEFAULTS, [{ Key: 'stickiness.enabled', Value: 'true' }, { Key: 'load_balancing.algorithm.type', Value: 'least_outstanding_requests' }]);
    assert.deepEqual([next['stickiness.enabled'], next['load_balancing.algorithm.type']], ['true', 'least_outstanding_requests']);
    refused(() => applyAttributes(TARGET_GROUP_ATTRIBUTE_DEFAULTS, [{ Key: 'stickiness.enabled', Value: 'yes' }]), 'ValidationError');
    refused(() => applyAttributes(TARGET_GROUP_ATTRIBUTE_DEFAULTS, [{ Key: 'slow_start.duration_seconds', Value: '10' }]), 'ValidationError');
    refused(() => applyAttributes(TARGET_GROUP_ATTRIBUTE_DEFAULTS, [{ Key: 'no.such.key', Value: '1' }]), 'ValidationError', /not recognized/);
  });
});

describe('rule priorities', () => {
  const current = new Map([['a', 1], ['b', 2], ['c', 3]]);
  test('rules may swap priorities in one call', () => {
    assert.deepEqual([...applyPriorities(current, [{ ruleArn: 'a', priority: 2 }, { ruleArn: 'b', priority: 1 }])], [['a', 2], ['b', 1], ['c', 3]]);
  });
  test('two rules ending on one priority is PriorityInUse; naming a rule twice is refused', () => {
    refused(() => applyPriorities(current, [{ ruleArn: 'a', priority: 3 }]), 'PriorityInUse', /^Priority '3' is currently in use$/);
    refused(() => applyPriorities(current, [{ ruleArn: 'a', priority: 9 }, { ruleArn: 'a', priority: 8 }]), 'ValidationError');
  });
});
