import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal, UserPrincipal } from '../iam/principal.js';
import { ManualClock } from '../lib/clock.js';
import type { Store } from '../store/store.js';
import { actionTarget, iamAction } from './action-map.js';
import { Authorizer, NotAuthorizedError } from './authorize.js';

const scope = { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' };
const ECS = 'arn:aws:ecs:eu-west-1:123456789012';
const alice: UserPrincipal = { kind: 'user', arn: 'arn:aws:iam::123456789012:user/alice', userId: 'AIDAALICE', accountId: scope.accountId, userName: 'alice' };
const root: Principal = { kind: 'root', arn: 'arn:aws:iam::123456789012:root', userId: scope.accountId, accountId: scope.accountId };

/** A store holding alice's inline policies and one task definition family, `web`, at revision 7. */
function fakeStore(policies: Map<string, string>): Store {
  const read = {
    userPolicies: {
      listInline: async (id: string) => (id === alice.userId ? [...policies].map(([name, document]) => ({ name, document })) : []),
      listAttached: async () => [],
    },
    taskDefinitions: { latestActive: async (family: string) => (family === 'web' ? { revision: 7 } : undefined) },
    roles: { getByName: async () => undefined, getByArn: async () => undefined },
    users: { getByName: async (n: string) => (n.toLowerCase() === 'alice' ? { arn: alice.arn } : undefined) },
  };
  return { read } as unknown as Store;
}

const env = (store: Store) => ({ scope, repos: store.read, principal: alice });

test('ECS calls map to AWS\'s resources, with ecs:cluster on calls made within a cluster', async () => {
  const e = env(fakeStore(new Map()));
  assert.equal(iamAction('ecs', 'RunTask'), 'ecs:RunTask');
  assert.equal(iamAction('monitoring', 'PutMetricData'), 'cloudwatch:PutMetricData');
  assert.deepEqual(await actionTarget('ecs', 'ListClusters', {}, e), { resources: ['*'] });
  assert.deepEqual(await actionTarget('ecs', 'RunTask', { cluster: 'prod', taskDefinition: 'web' }, e),
    { resources: [`${ECS}:task-definition/web:7`], context: { 'ecs:cluster': `${ECS}:cluster/prod` } });
  assert.deepEqual(await actionTarget('ecs', 'RunTask', { taskDefinition: 'web:2' }, e),
    { resources: [`${ECS}:task-definition/web:2`], context: { 'ecs:cluster': `${ECS}:cluster/default` } });
  assert.deepEqual(await actionTarget('ecs', 'DescribeTasks', { cluster: `${ECS}:cluster/prod`, tasks: ['abc', `${ECS}:task/prod/def`] }, e),
    { resources: [`${ECS}:task/prod/abc`, `${ECS}:task/prod/def`], context: { 'ecs:cluster': `${ECS}:cluster/prod` } });
  assert.deepEqual(await actionTarget('ecs', 'DescribeClusters', {}, e), { resources: [`${ECS}:cluster/default`] });
  assert.deepEqual(await actionTarget('ecs', 'DeleteCluster', { cluster: 'dev' }, e), { resources: [`${ECS}:cluster/dev`] });
  assert.deepEqual(await actionTarget('ecs', 'UpdateService', { cluster: 'prod', service: 'api' }, e),
    { resources: [`${ECS}:service/prod/api`], context: { 'ecs:cluster': `${ECS}:cluster/prod` } });
});

test('other services: log groups and streams, users by name, roles for AssumeRole, alarms, `*` where AWS uses it', async () => {
  const e = env(fakeStore(new Map()));
  assert.deepEqual(await actionTarget('logs', 'PutLogEvents', { logGroupName: '/app', logStreamName: 's1' }, e),
    { resources: ['arn:aws:logs:eu-west-1:123456789012:log-group:/app:log-stream:s1'] });
  assert.deepEqual(await actionTarget('logs', 'DescribeLogGroups', {}, e), { resources: ['*'] });
  assert.deepEqual(await actionTarget('iam', 'ListAccessKeys', {}, e), { resources: [alice.arn] });
  assert.deepEqual(await actionTarget('iam', 'CreateUser', { UserName: 'bob', Path: '/ops/' }, e), { resources: ['arn:aws:iam::123456789012:user/ops/bob'] });
  assert.deepEqual(await actionTarget('sts', 'AssumeRole', { RoleArn: 'arn:aws:iam::123456789012:role/ci' }, e), { resources: ['arn:aws:iam::123456789012:role/ci'] });
  assert.deepEqual(await actionTarget('monitoring', 'DeleteAlarms', { AlarmNames: ['a', 'b'] }, e),
    { resources: ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a', 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:b'] });
  assert.deepEqual(await actionTarget('ec2', 'DeleteVpc', { VpcId: 'vpc-1' }, e), { resources: ['arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1'] });
  assert.deepEqual(await actionTarget('application-autoscaling', 'RegisterScalableTarget', {}, e), { resources: ['*'] });
});

test('the authorizer: root passes, GetCallerIdentity is free, denials carry the service\'s code and AWS\'s message; invalidate() sees new policies', async () => {
  const policies = new Map([['run', JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 'ecs:*', Resource: '*', Condition: { ArnEquals: { 'ecs:cluster': `${ECS}:cluster/prod` } } },
    { Effect: 'Deny', Action: 'ecs:StopTask', Resource: '*' },
  ] })]]);
  const authz = new Authorizer({ store: fakeStore(policies), scope, clock: new ManualClock(1_800_000_000_000) });
  const call = { principal: alice, sourceIp: '::ffff:127.0.0.1' };
  const refused = async (service: string, op: string, input: Record<string, unknown>, code: string, status: number, message: string) =>
    assert.rejects(authz.authorize(call, service, op, input), (e: unknown) => e instanceof NotAuthorizedError
      && e.code === code && e.status === status && e.message === message);

  await authz.authorize({ principal: root }, 'ecs', 'DeleteCluster', { cluster: 'prod' });
  await authz.authorize(call, 'sts', 'GetCallerIdentity', {});
  await authz.authorize(call, 'ecs', 'RunTask', { cluster: 'prod', taskDefinition: 'web' });
  await refused('ecs', 'RunTask', { cluster: 'dev', taskDefinition: 'web' }, 'AccessDeniedException', 400,
    `User: ${alice.arn} is not authorized to perform: ecs:RunTask on resource: ${ECS}:task-definition/web:7 because no identity-based policy allows the ecs:RunTask action`);
  await refused('ecs', 'StopTask', { cluster: 'prod', task: 'abc' }, 'AccessDeniedException', 400,
    `User: ${alice.arn} is not authorized to perform: ecs:StopTask on resource: ${ECS}:task/prod/abc with an explicit deny in an identity-based policy`);
  await refused('ec2', 'DescribeVpcs', {}, 'UnauthorizedOperation', 403,
    `You are not authorized to perform this operation. User: ${alice.arn} is not authorized to perform: ec2:DescribeVpcs on resource: * because no identity-based policy allows the ec2:DescribeVpcs action`);
  await refused('iam', 'ListUsers', {}, 'AccessDenied', 403,
    `User: ${alice.arn} is not authorized to perform: iam:ListUsers on resource: * because no identity-based policy allows the iam:ListUsers action`);

  policies.set('ip', JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' }, StringEquals: { 'aws:username': 'alice' } } }] }));
  await assert.rejects(authz.authorize(call, 'ec2', 'DescribeVpcs', {}), NotAuthorizedError, 'policies are kept until IAM changes');
  authz.invalidate();
  await authz.authorize(call, 'ec2', 'DescribeVpcs', {});
  await assert.rejects(authz.authorize({ ...call, sourceIp: '10.0.0.1' }, 'ec2', 'DescribeVpcs', {}), NotAuthorizedError, 'aws:SourceIp outside the block');
});
