import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compilePolicy, type CompiledPolicy } from './compile-policy.js';
import { decide, Decision } from './evaluate.js';
import { requestContext, type ContextValue } from './request-context.js';

const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/prod';
const policy = (...statements: Record<string, unknown>[]): CompiledPolicy =>
  compilePolicy('test', JSON.stringify({ Version: '2012-10-17', Statement: statements }));
const ask = (policies: CompiledPolicy[], action: string, resource = '*', ctx: Record<string, ContextValue> = {}) =>
  decide(policies, { action, resource, context: requestContext(ctx) });

test('no policy, or none that applies, is an implicit deny; an applying Allow allows; an applying Deny wins over any Allow', () => {
  assert.equal(ask([], 'ecs:ListClusters'), Decision.ImplicitDeny);
  const allowAll = policy({ Effect: 'Allow', Action: '*', Resource: '*' });
  assert.equal(ask([allowAll], 'ecs:ListClusters'), Decision.Allow);
  assert.equal(ask([policy({ Effect: 'Allow', Action: 'logs:*', Resource: '*' })], 'ecs:ListClusters'), Decision.ImplicitDeny);
  const denyRun = policy({ Effect: 'Deny', Action: 'ecs:RunTask', Resource: '*' });
  assert.equal(ask([allowAll, denyRun], 'ecs:RunTask'), Decision.ExplicitDeny);
  assert.equal(ask([denyRun, allowAll], 'ecs:RunTask'), Decision.ExplicitDeny, 'order does not matter');
  assert.equal(ask([allowAll, denyRun], 'ecs:StopTask'), Decision.Allow);
});

test('actions: case-insensitive, * and ? wildcards, NotAction', () => {
  const p = policy({ Effect: 'Allow', Action: ['ECS:describe*', 'logs:PutLogEvent?'], Resource: '*' });
  assert.equal(ask([p], 'ecs:DescribeTasks'), Decision.Allow);
  assert.equal(ask([p], 'ecs:describeclusters'), Decision.Allow);
  assert.equal(ask([p], 'logs:PutLogEvents'), Decision.Allow);
  assert.equal(ask([p], 'logs:PutLogEventsX'), Decision.ImplicitDeny);
  assert.equal(ask([p], 'ecs:ListTasks'), Decision.ImplicitDeny);
  const notIam = policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
  assert.equal(ask([notIam], 'ecs:RunTask'), Decision.Allow);
  assert.equal(ask([notIam], 'iam:CreateUser'), Decision.ImplicitDeny);
});

test('resources: exact ARNs, wildcards that span colons and slashes, ?, NotResource, case-sensitive', () => {
  const p = policy({ Effect: 'Allow', Action: 'ecs:*', Resource: ['arn:aws:ecs:*:123456789012:task/prod/*', CLUSTER, 'arn:aws:ecs:us-east-1:123456789012:cluster/ab?'] });
  assert.equal(ask([p], 'ecs:DescribeClusters', CLUSTER), Decision.Allow);
  assert.equal(ask([p], 'ecs:DescribeClusters', `${CLUSTER}2`), Decision.ImplicitDeny);
  assert.equal(ask([p], 'ecs:DescribeClusters', CLUSTER.replace('prod', 'PROD')), Decision.ImplicitDeny);
  assert.equal(ask([p], 'ecs:StopTask', 'arn:aws:ecs:eu-west-1:123456789012:task/prod/abc'), Decision.Allow);
  assert.equal(ask([p], 'ecs:StopTask', 'arn:aws:ecs:eu-west-1:123456789012:task/dev/abc'), Decision.ImplicitDeny);
  assert.equal(ask([p], 'ecs:DescribeClusters', 'arn:aws:ecs:us-east-1:123456789012:cluster/abc'), Decision.Allow);
  assert.equal(ask([p], 'ecs:DescribeClusters', 'arn:aws:ecs:us-east-1:123456789012:cluster/abcd'), Decision.ImplicitDeny);
  assert.equal(ask([p], 'ecs:ListClusters', '*'), Decision.ImplicitDeny, 'a resource-scoped Allow does not cover calls on *');
  const notProd = policy({ Effect: 'Allow', Action: 'ecs:*', NotResource: CLUSTER });
  assert.equal(ask([notProd], 'ecs:DeleteCluster', CLUSTER), Decision.ImplicitDeny);
  assert.equal(ask([notProd], 'ecs:DeleteCluster', CLUSTER.replace('prod', 'dev')), Decision.Allow);
});

test('conditions: StringEquals/Like and their negations, ArnLike on ecs:cluster, keys in any case, several keys and values', () => {
  const onlyProd = policy({ Effect: 'Allow', Action: 'ecs:RunTask', Resource: '*', Condition: { ArnEquals: { 'ecs:cluster': CLUSTER } } });
  assert.equal(ask([onlyProd], 'ecs:RunTask', '*', { 'ecs:cluster': CLUSTER }), Decision.Allow);
  assert.equal(ask([onlyProd], 'ecs:RunTask', '*', { 'ECS:Cluster': CLUSTER }), Decision.Allow);
  assert.equal(ask([onlyProd], 'ecs:RunTask', '*', { 'ecs:cluster': CLUSTER.replace('prod', 'dev') }), Decision.ImplicitDeny);
  assert.equal(ask([onlyProd], 'ecs:RunTask', '*'), Decision.ImplicitDeny, 'a missing key does not match');
  const like = policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { ArnLike: { 'ecs:cluster': 'arn:aws:ecs:*:*:cluster/team-*' } } });
  assert.equal(ask([like], 'ecs:RunTask', '*', { 'ecs:cluster': 'arn:aws:ecs:us-east-1:1:cluster/team-a' }), Decision.Allow);
  assert.equal(ask([like], 'ecs:RunTask', '*', { 'ecs:cluster': 'arn:aws:ecs:us-east-1:1:cluster/other' }), Decision.ImplicitDeny);
  const names = policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:username': ['alice', 'bob'] }, StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/*' } } });
  assert.equal(ask([names], 'x:Y', '*', { 'aws:username': 'bob', 'aws:PrincipalArn': 'arn:aws:iam::1:user/bob' }), Decision.Allow);
  assert.equal(ask([names], 'x:Y', '*', { 'aws:username': 'bob', 'aws:PrincipalArn': 'arn:aws:iam::1:role/bob' }), Decision.ImplicitDeny, 'keys are ANDed');
  assert.equal(ask([names], 'x:Y', '*', { 'aws:username': 'carol', 'aws:PrincipalArn': 'arn:aws:iam::1:user/carol' }), Decision.ImplicitDeny);
  const notBob = policy({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:username': ['alice', 'bob'] } } });
  assert.equal(ask([notBob], 'x:Y', '*', { 'aws:username': 'bob' }), Decision.ImplicitDeny);
  assert.equal(ask([notBob], 'x:Y', '*', { 'aws:username': 'eve' }), Decision.ExplicitDeny);
  assert.equal(ask([notBob], 'x:Y', '*'), Decision.ExplicitDeny, 'a negated operator holds when the key is missing');
  const notLike = policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringNotLike: { 'aws:username': 'temp-*' } } });
  assert.equal(ask([notLike], 'x:Y', '*', { 'aws:username': 'temp-1' }), Decision.ImplicitDeny);
  assert.equal(ask([notLike], 'x:Y', '*', { 'aws:username': 'alice' }), Decision.Allow);
});

test('conditions: Bool on aws:SecureTransport, dates on aws:CurrentTime, IpAddress/NotIpAddress on aws:SourceIp (v4, mapped v4, v6)', () => {
  const denyPlain = policy({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  assert.equal(ask([denyPlain], 'x:Y', '*', { 'aws:SecureTransport': 'false' }), Decision.ExplicitDeny);
  assert.equal(ask([denyPlain], 'x:Y', '*', { 'aws:SecureTransport': 'true' }), Decision.ImplicitDeny);
  const window = policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: {
    DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' }, DateLessThan: { 'aws:CurrentTime': '2026-02-01T00:00:00Z' } } });
  assert.equal(ask([window], 'x:Y', '*', { 'aws:CurrentTime': '2026-01-15T12:00:00Z' }), Decision.Allow);
  assert.equal(ask([window], 'x:Y', '*', { 'aws:CurrentTime': '2026-02-15T12:00:00Z' }), Decision.ImplicitDeny);
  assert.equal(ask([window], 'x:Y', '*', { 'aws:CurrentTime': '1768478400' }), Decision.Allow, 'epoch seconds compare too');
  const office = policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32', '127.0.0.1'] } } });
  for (const ip of ['10.1.2.3', '::ffff:10.9.9.9', '2001:db8::1', '127.0.0.1']) assert.equal(ask([office], 'x:Y', '*', { 'aws:SourceIp': ip }), Decision.Allow, ip);
  for (const ip of ['11.0.0.1', '2001:db9::1', '127.0.0.2', 'nonsense']) assert.equal(ask([office], 'x:Y', '*', { 'aws:SourceIp': ip }), Decision.ImplicitDeny, ip);
  const away = policy({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '192.168.0.0/16' } } });
  assert.equal(ask([away], 'x:Y', '*', { 'aws:SourceIp': '192.168.4.4' }), Decision.ImplicitDeny);
  assert.equal(ask([away], 'x:Y', '*', { 'aws:SourceIp': '8.8.8.8' }), Decision.ExplicitDeny);
});

test('conditions: …IfExists, Null, multi-valued keys with ForAnyValue/ForAllValues, unknown operators never allow', () => {
  const ifExists = policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEqualsIfExists: { 'ecs:cluster': CLUSTER } } });
  assert.equal(ask([ifExists], 'ecs:ListClusters'), Decision.Allow);
  assert.equal(ask([ifExists], 'ecs:RunTask', '*', { 'ecs:cluster': CLUSTER }), Decision.Allow);
  assert.equal(ask([ifExists], 'ecs:RunTask', '*', { 'ecs:cluster': 'other' }), Decision.ImplicitDeny);
  const needsCluster = policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { Null: { 'ecs:cluster': 'false' } } });
  assert.equal(ask([needsCluster], 'ecs:ListClusters'), Decision.ImplicitDeny);
  assert.equal(ask([needsCluster], 'ecs:RunTask', '*', { 'ecs:cluster': CLUSTER }), Decision.Allow);
  const anyTag = policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team'] } } });
  const allTags = policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'env'] } } });
  assert.equal(ask([anyTag], 'x:Y', '*', { 'aws:TagKeys': ['cost', 'team'] }), Decision.Allow);
  assert.equal(ask([anyTag], 'x:Y', '*', { 'aws:TagKeys': ['cost'] }), Decision.ImplicitDeny);
  assert.equal(ask([anyTag], 'x:Y', '*'), Decision.ImplicitDeny);
  assert.equal(ask([allTags], 'x:Y', '*', { 'aws:TagKeys': ['env', 'team'] }), Decision.Allow);
  assert.equal(ask([allTags], 'x:Y', '*', { 'aws:TagKeys': ['env', 'cost'] }), Decision.ImplicitDeny);
  assert.equal(ask([allTags], 'x:Y', '*'), Decision.Allow, 'ForAllValues holds over no values');
  const binary = policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { BinaryEqualsIfExists: { 'x:y': 'QUJD' } } });
  assert.equal(ask([binary], 'x:Y', '*', { 'x:y': 'QUJD' }), Decision.Allow);
});

test('policy variables: ${aws:username} in Resource and in condition values; a missing key matches nothing', () => {
  const own = policy({ Effect: 'Allow', Action: 'iam:*AccessKey*', Resource: 'arn:aws:iam::123456789012:user/${aws:username}' });
  assert.equal(ask([own], 'iam:CreateAccessKey', 'arn:aws:iam::123456789012:user/alice', { 'aws:username': 'alice' }), Decision.Allow);
  assert.equal(ask([own], 'iam:CreateAccessKey', 'arn:aws:iam::123456789012:user/bob', { 'aws:username': 'alice' }), Decision.ImplicitDeny);
  assert.equal(ask([own], 'iam:CreateAccessKey', 'arn:aws:iam::123456789012:user/', {}), Decision.ImplicitDeny);
  const cond = policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringLike: { 'aws:PrincipalArn': '*:user/${aws:username}' } } });
  assert.equal(ask([cond], 'x:Y', '*', { 'aws:username': 'alice', 'aws:PrincipalArn': 'arn:aws:iam::1:user/alice' }), Decision.Allow);
  assert.equal(ask([cond], 'x:Y', '*', { 'aws:username': 'alice', 'aws:PrincipalArn': 'arn:aws:iam::1:user/bob' }), Decision.ImplicitDeny);
});

const word = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);
const actionArb = fc.tuple(fc.constantFrom('ecs', 'logs', 'ec2', 'iam'), word).map(([s, a]) => `${s}:${a}`);
const statementArb = fc.record({
  Effect: fc.constantFrom('Allow', 'Deny'),
  Action: fc.oneof(actionArb, fc.constant('*'), actionArb.map((a) => `${a.slice(0, a.indexOf(':') + 2)}*`)),
  Resource: fc.constantFrom('*', CLUSTER, 'arn:aws:ecs:*:*:cluster/*', 'arn:aws:logs:*:*:*'),
});

test('property: decisions follow the precedence rules whatever the policies', () => {
  fc.assert(fc.property(fc.array(fc.array(statementArb, { minLength: 1, maxLength: 4 }), { maxLength: 6 }), actionArb,
    fc.constantFrom('*', CLUSTER, 'arn:aws:logs:us-east-1:1:log-group:x'), (docs, action, resource) => {
      const policies = docs.map((s) => policy(...s));
      const d = ask(policies, action, resource);
      const plusDenyAll = ask([...policies, policy({ Effect: 'Deny', Action: '*', Resource: '*' })], action, resource);
      assert.equal(plusDenyAll, Decision.ExplicitDeny, 'a matching Deny always wins');
      const plusAllowAll = ask([...policies, policy({ Effect: 'Allow', Action: '*', Resource: '*' })], action, resource);
      assert.equal(plusAllowAll, d === Decision.ExplicitDeny ? Decision.ExplicitDeny : Decision.Allow, 'an Allow never overrides a Deny');
      assert.equal(ask([...policies].reverse(), action, resource), d, 'policy order does not matter');
      // Case of the action as asked never matters.
      assert.equal(ask(policies, action.toUpperCase(), resource), d);
    }));
});

test('property: a glob with no wildcards matches exactly itself; `*` in place of any substring still matches', () => {
  fc.assert(fc.property(fc.stringMatching(/^[a-z0-9:/-]{1,30}$/), fc.nat(), fc.nat(), (text, i, j) => {
    const [a, b] = [i % (text.length + 1), j % (text.length + 1)].sort((x, y) => x - y) as [number, number];
    const exact = policy({ Effect: 'Allow', Action: 'x:y', Resource: `arn:aws:x:r:1:${text}` });
    assert.equal(ask([exact], "x:y", `arn:aws:x:r:1:${text}`), Decision.Allow);
    assert.equal(ask([exact], "x:y", `arn:aws:x:r:1:${text}x`), Decision.ImplicitDeny);
    const starred = policy({ Effect: 'Allow', Action: 'x:y', Resource: `arn:aws:x:r:1:${text.slice(0, a)}*${text.slice(b)}` });
    assert.equal(ask([starred], "x:y", `arn:aws:x:r:1:${text}`), Decision.Allow);
  }));
});
