import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trustsAwsPrincipal, trustsService } from './trust.js';

const ECS = 'ecs-tasks.amazonaws.com';
const doc = (...Statement: unknown[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

test('the usual ECS task-role trust policy trusts ecs-tasks', () => {
  assert.equal(trustsService(doc({ Effect: 'Allow', Principal: { Service: ECS }, Action: 'sts:AssumeRole' }), ECS), true);
  // A single statement object, a list of services, wildcard and case-insensitive actions.
  assert.equal(trustsService(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { Service: ['ec2.amazonaws.com', ECS] }, Action: ['sts:*'] } }), ECS), true);
  assert.equal(trustsService(doc({ Effect: 'Allow', Principal: { Service: ECS }, Action: 'STS:assumerole' }), ECS), true);
});

test('a policy for another service, another action, a Deny or a Condition does not', () => {
  assert.equal(trustsService(doc({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }), ECS), false);
  assert.equal(trustsService(doc({ Effect: 'Allow', Principal: { Service: ECS }, Action: 'sts:TagSession' }), ECS), false);
  assert.equal(trustsService(doc(
    { Effect: 'Allow', Principal: { Service: ECS }, Action: 'sts:AssumeRole' },
    { Effect: 'Deny', Principal: '*', Action: 'sts:*' },
  ), ECS), false);
  assert.equal(trustsService(doc({ Effect: 'Allow', Principal: { Service: ECS }, Action: 'sts:AssumeRole', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }), ECS), false);
  assert.equal(trustsService('not json', ECS), false);
  assert.equal(trustsService('null', ECS), false);
});

test('the confused-deputy conditions AWS recommends are evaluated against the assuming context', () => {
  const context = { 'aws:SourceAccount': '123456789012', 'aws:SourceArn': 'arn:aws:ecs:us-east-1:123456789012:task/default/abc' };
  const withCondition = (Condition: unknown): string => doc({ Effect: 'Allow', Principal: { Service: ECS }, Action: 'sts:AssumeRole', Condition });
  assert.equal(trustsService(withCondition({ StringEquals: { 'aws:SourceAccount': '123456789012' } }), ECS, context), true);
  assert.equal(trustsService(withCondition({ StringEquals: { 'aws:SourceAccount': '999999999999' } }), ECS, context), false);
  assert.equal(trustsService(withCondition({ ArnLike: { 'aws:SourceArn': 'arn:aws:ecs:us-east-1:123456789012:*' } }), ECS, context), true);
  assert.equal(trustsService(withCondition({ ArnLike: { 'aws:SourceArn': ['arn:aws:ecs:eu-west-1:*', 'arn:aws:ecs:*:123456789012:task/*'] } }), ECS, context), true);
  assert.equal(trustsService(withCondition({ StringNotEquals: { 'aws:SourceAccount': ['1', '2'] } }), ECS, context), true);
  assert.equal(trustsService(withCondition({ StringEquals: { 'aws:PrincipalTag/team': 'x' } }), ECS, context), false);
  assert.equal(trustsService(withCondition({ StringEqualsIfExists: { 'aws:PrincipalTag/team': 'x' } }), ECS, context), true);
  // A Deny that Pier cannot evaluate is taken to apply.
  assert.equal(trustsService(doc(
    { Effect: 'Allow', Principal: { Service: ECS }, Action: 'sts:AssumeRole' },
    { Effect: 'Deny', Principal: '*', Action: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
  ), ECS, context), false);
});

test('AWS principals for AssumeRole: the account (by id or root ARN), the calling role, the session, or *', () => {
  const root = { accountId: '123456789012', arn: 'arn:aws:iam::123456789012:root' };
  const session = { accountId: '123456789012', arn: 'arn:aws:sts::123456789012:assumed-role/ci/build-7', roleArn: 'arn:aws:iam::123456789012:role/ci' };
  const trusting = (AWS: unknown, extra: Record<string, unknown> = {}): string => doc({ Effect: 'Allow', Principal: { AWS }, Action: 'sts:AssumeRole', ...extra });
  assert.equal(trustsAwsPrincipal(trusting('123456789012'), root), true);
  assert.equal(trustsAwsPrincipal(trusting('arn:aws:iam::123456789012:root'), session), true);
  assert.equal(trustsAwsPrincipal(trusting('arn:aws:iam::999999999999:root'), root), false);
  assert.equal(trustsAwsPrincipal(trusting(['arn:aws:iam::123456789012:role/other', 'arn:aws:iam::123456789012:role/ci']), session), true);
  assert.equal(trustsAwsPrincipal(trusting('arn:aws:iam::123456789012:role/ci'), root), false);
  assert.equal(trustsAwsPrincipal(trusting(session.arn), session), true);
  assert.equal(trustsAwsPrincipal(trusting('*'), root), true);
  assert.equal(trustsAwsPrincipal(doc({ Effect: 'Allow', Principal: { Service: ECS }, Action: 'sts:AssumeRole' }), root), false);
  // sts:ExternalId, as STS sets it from the call.
  const external = trusting('123456789012', { Condition: { StringEquals: { 'sts:ExternalId': 'xyz' } } });
  assert.equal(trustsAwsPrincipal(external, root, { 'sts:ExternalId': 'xyz' }), true);
  assert.equal(trustsAwsPrincipal(external, root, { 'sts:ExternalId': 'abc' }), false);
  assert.equal(trustsAwsPrincipal(external, root), false);
});
