import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError } from '../ecs/errors.js';
import { checkPatternValue, conditionPatterns, forwardedGroups, parseActions, parseConditions, toProtocolAction } from './rule-parts.js';

const refused = (fn: () => unknown, code: string, message?: RegExp) => assert.throws(fn, (err: unknown) => {
  assert.ok(err instanceof AwsError, String(err));
  assert.equal(err.code, code);
  if (message) assert.match(err.message, message);
  return true;
});

describe('conditions', () => {
  test('Values and the Config form give the same stored condition', () => {
    const plain = parseConditions([{ Field: 'path-pattern', Values: ['/api/*'] }]);
    const config = parseConditions([{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }]);
    assert.deepEqual(plain, config);
    assert.deepEqual(plain, [{ Field: 'path-pattern', Values: ['/api/*'], PathPatternConfig: { Values: ['/api/*'] } }]);
    assert.deepEqual(parseConditions([{ Field: 'host-header', HostHeaderConfig: { Values: ['*.example.com'] } }]),
      [{ Field: 'host-header', Values: ['*.example.com'], HostHeaderConfig: { Values: ['*.example.com'] } }]);
  });
  test('the agent gets the patterns', () => {
    const c = parseConditions([{ Field: 'host-header', Values: ['a.example.com'] }, { Field: 'path-pattern', Values: ['/x', '/y*'] }]);
    assert.deepEqual(conditionPatterns(c), { pathPatterns: ['/x', '/y*'], hostHeaders: ['a.example.com'] });
  });
  test('refused: none, unsupported fields, a field twice, both forms, no values, more than five values, regexes', () => {
    refused(() => parseConditions([]), 'ValidationError');
    refused(() => parseConditions([{ Field: 'http-header', Values: ['x'] }]), 'ValidationError', /'http-header' is not supported/);
    refused(() => parseConditions([{ Field: 'path-pattern', Values: ['/a'] }, { Field: 'path-pattern', Values: ['/b'] }]), 'ValidationError', /only have one 'path-pattern'/);
    refused(() => parseConditions([{ Field: 'path-pattern', Values: ['/a'], PathPatternConfig: { Values: ['/a'] } }]), 'ValidationError', /both/);
    refused(() => parseConditions([{ Field: 'host-header', Values: [] }]), 'ValidationError', /at least one value/);
    refused(() => parseConditions([{ Field: 'path-pattern', Values: ['/1', '/2', '/3'] }, { Field: 'host-header', Values: ['a', 'b', 'c'] }]), 'ValidationError', /'5' condition values/);
    refused(() => parseConditions([{ Field: 'path-pattern', PathPatternConfig: { RegexValues: ['^/a$'] } }]), 'ValidationError');
  });
  test('pattern characters and lengths', () => {
    checkPatternValue('path-pattern', "/api/v1/*/items?id=@:+&$~'\"".replace('=', ''));
    checkPatternValue('host-header', '*.example-1.com');
    refused(() => checkPatternValue('path-pattern', '/a b'), 'ValidationError', /not valid/);
    refused(() => checkPatternValue('host-header', 'a_b.example.com'), 'ValidationError');
    refused(() => checkPatternValue('host-header', 'a:8080'), 'ValidationError');
    refused(() => checkPatternValue('path-pattern', `/${'x'.repeat(128)}`), 'ValidationError', /between 1 and 128/);
  });
});

describe('actions', () => {
  const tg = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';
  const tg2 = tg.replace('web', 'api');
  test('forward to one group: TargetGroupArn and the ForwardConfig, weight 1', () => {
    const parsed = parseActions([{ Type: 'forward', TargetGroupArn: tg }]);
    assert.deepEqual(parsed, {
      targetGroupArns: [tg],
      actions: [{ Type: 'forward', TargetGroupArn: tg, ForwardConfig: { TargetGroups: [{ TargetGroupArn: tg, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } }],
    });
    assert.deepEqual(toProtocolAction(parsed.actions[0]!), { type: 'forward', targetGroups: [{ targetGroupArn: tg, weight: 1 }] });
  });
  test('weighted forward: no TargetGroupArn of its own', () => {
    const parsed = parseActions([{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: tg, Weight: 90 }, { TargetGroupArn: tg2, Weight: 10 }] } }]);
    assert.equal(parsed.actions[0]!['TargetGroupArn'], undefined);
    assert.deepEqual(forwardedGroups(parsed.actions), [tg, tg2]);
    assert.deepEqual(toProtocolAction(parsed.actions[0]!), { type: 'forward', targetGroups: [{ targetGroupArn: tg, weight: 90 }, { targetGroupArn: tg2, weight: 10 }] });
  });
  test('fixed-response', () => {
    const parsed = parseActions([{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503', ContentType: 'text/plain', MessageBody: 'down' } }]);
    assert.deepEqual(parsed.targetGroupArns, []);
    assert.deepEqual(toProtocolAction(parsed.actions[0]!), { type: 'fixed-response', statusCode: 503, contentType: 'text/plain', messageBody: 'down' });
  });
  test('refused', () => {
    refused(() => parseActions([]), 'ValidationError');
    refused(() => parseActions([{ Type: 'redirect' }]), 'InvalidLoadBalancerAction');
    refused(() => parseActions([{ Type: 'forward', TargetGroupArn: tg }, { Type: 'forward', TargetGroupArn: tg2 }]), 'InvalidLoadBalancerAction');
    refused(() => parseActions([{ Type: 'forward' }]), 'ValidationError');
    refused(() => parseActions([{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: tg, Weight: 1000 }] } }]), 'ValidationError', /between 0 and 999/);
    refused(() => parseActions([{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: tg }, { TargetGroupArn: tg }] } }]), 'ValidationError');
    refused(() => parseActions([{ Type: 'forward', TargetGroupArn: tg2, ForwardConfig: { TargetGroups: [{ TargetGroupArn: tg }] } }]), 'ValidationError');
    refused(() => parseActions([{ Type: 'fixed-response' }]), 'ValidationError');
    refused(() => parseActions([{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', ContentType: 'image/png' } }]), 'ValidationError');
  });
});
