/**
 * IAM users, access keys and policy evaluation on every call, against one `pier up`: AWS CLI v2
 * (/usr/bin/aws) for what a user does with their own keys — a user held to one cluster by
 * `ecs:cluster`, an explicit deny, a user with no policy, keys deactivated and deleted, a role
 * assumed by a user — and the AWS SDK for the IAM catalogue (users, keys, policies, typed errors).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand, DeleteAccessKeyCommand, DeleteConflictException, DeleteUserCommand,
  DeleteUserPolicyCommand, DetachUserPolicyCommand, EntityAlreadyExistsException, GetPolicyCommand, GetUserCommand, GetUserPolicyCommand, IAMClient,
  LimitExceededException, ListAccessKeysCommand, ListAttachedUserPoliciesCommand, ListUserPoliciesCommand, ListUsersCommand,
  MalformedPolicyDocumentException, NoSuchEntityException, PutUserPolicyCommand, UpdateAccessKeyCommand, paginateListUsers,
} from '@aws-sdk/client-iam';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { defaultNetwork } from '../helpers/ec2-query.js';
import { startPier, type PierProcess } from '../helpers/pier-process.js';
import { Aws, debianCli, taskDefinitionJson } from './aws-cli-support.test.js';

const policy = (...Statement: Record<string, unknown>[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

describe('IAM users and policies with AWS CLI v2 and the SDK', () => {
  let pier: PierProcess;
  let root: Aws;
  let iam: IAMClient;
  let account = '';
  let region = '';
  let network = '';
  const arn = (resource: string, service = 'ecs') => `arn:aws:${service}:${region}:${account}:${resource}`;
  /** The CLI signing with a user's keys (or a session's). */
  const as = (keys: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }): Aws => new Aws(debianCli(), {
    ...pier,
    awsEnv: () => ({
      ...pier.awsEnv(), AWS_ACCESS_KEY_ID: keys.AccessKeyId!, AWS_SECRET_ACCESS_KEY: keys.SecretAccessKey!,
      ...(keys.SessionToken ? { AWS_SESSION_TOKEN: keys.SessionToken } : {}),
    }),
  });
  const denied = (user: string, action: string, resource: string) =>
    `User: arn:aws:iam::${account}:user/${user} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

  before(async () => {
    pier = await startPier();
    root = new Aws(debianCli(), pier);
    region = pier.region;
    const credentials = { accessKeyId: pier.accessKeyId, secretAccessKey: pier.secretAccessKey };
    iam = new IAMClient({ endpoint: pier.endpoint, region, credentials, maxAttempts: 1 });
    const net = await defaultNetwork({ endpoint: pier.endpoint, region, credentials });
    network = `awsvpcConfiguration={subnets=[${[...net.subnetByZone.values()][0]}],securityGroups=[${net.securityGroupId}]}`;
  });
  after(async () => {
    iam?.destroy();
    await pier?.destroy();
  });

  test('a user limited to one cluster runs and describes tasks there, and is refused elsewhere; a user with no policy is refused everything', () => {
    const created = root.ok(['create-user', '--user-name', 'alice', '--tags', 'Key=team,Value=web'], 'iam').User;
    account = created.Arn.split(':')[4];
    assert.match(created.UserId, /^AIDA[A-Z2-7]{17}$/);
    assert.equal(created.Arn, `arn:aws:iam::${account}:user/alice`);
    const key = root.ok(['create-access-key', '--user-name', 'alice'], 'iam').AccessKey;
    assert.match(key.AccessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.deepEqual([key.UserName, key.Status, key.SecretAccessKey.length], ['alice', 'Active', 40]);
    const alice = as(key);
    assert.deepEqual(alice.ok(['get-caller-identity'], 'sts'), { UserId: created.UserId, Account: account, Arn: created.Arn }, 'no policy is needed to ask who one is');
    alice.fail(['list-clusters'], 'AccessDeniedException', 'ListClusters', denied('alice', 'ecs:ListClusters', '*'));

    for (const c of ['prod', 'dev']) root.ok(['create-cluster', '--cluster-name', c]);
    root.ok(['register-task-definition', '--cli-input-json', taskDefinitionJson('web')]);
    const prod = arn('cluster/prod');
    root.ok(['put-user-policy', '--user-name', 'alice', '--policy-name', 'prod-only', '--policy-document', policy(
      { Effect: 'Allow', Action: ['ecs:RunTask', 'ecs:DescribeTasks', 'ecs:ListTasks', 'ecs:StopTask'], Resource: '*', Condition: { ArnEquals: { 'ecs:cluster': prod } } },
      { Effect: 'Allow', Action: 'ecs:Describe*', Resource: prod },
    )], 'iam');

    const run = alice.ok(['run-task', '--cluster', 'prod', '--task-definition', 'web', '--launch-type', 'FARGATE', '--network-configuration', network]);
    assert.equal(run.tasks.length + run.failures.length, 1, 'RunTask got past authorisation');
    const listed = alice.ok(['list-tasks', '--cluster', 'prod']).taskArns;
    assert.deepEqual(listed, run.tasks.map((t: { taskArn: string }) => t.taskArn));
    if (listed.length > 0) assert.equal(alice.ok(['describe-tasks', '--cluster', 'prod', '--tasks', ...listed]).tasks.length, 1);
    assert.equal(alice.ok(['describe-clusters', '--clusters', 'prod']).clusters[0].clusterName, 'prod');

    alice.fail(['run-task', '--cluster', 'dev', '--task-definition', 'web', '--launch-type', 'FARGATE', '--network-configuration', network],
      'AccessDeniedException', 'RunTask', denied('alice', 'ecs:RunTask', arn('task-definition/web:1')));
    alice.fail(['describe-clusters', '--clusters', 'dev'], 'AccessDeniedException', 'DescribeClusters', denied('alice', 'ecs:DescribeClusters', arn('cluster/dev')));
    alice.fail(['describe-vpcs'], 'UnauthorizedOperation', 'DescribeVpcs', `You are not authorized to perform this operation. ${denied('alice', 'ec2:DescribeVpcs', '*')}`, 'ec2');
    alice.fail(['list-users'], 'AccessDenied', 'ListUsers', denied('alice', 'iam:ListUsers', '*'), 'iam');
    assert.deepEqual(root.ok(['list-tasks', '--cluster', 'dev']).taskArns, [], 'the refused RunTask started nothing');
  });

  test('an explicit deny wins over an allow; policy changes apply to the next call', () => {
    const key = root.ok(['create-access-key', '--user-name', 'alice'], 'iam').AccessKey;
    const alice = as(key);
    root.ok(['put-user-policy', '--user-name', 'alice', '--policy-name', 'no-describe', '--policy-document',
      policy({ Effect: 'Deny', Action: 'ecs:DescribeClusters', Resource: '*' })], 'iam');
    alice.fail(['describe-clusters', '--clusters', 'prod'], 'AccessDeniedException', 'DescribeClusters',
      `User: arn:aws:iam::${account}:user/alice is not authorized to perform: ecs:DescribeClusters on resource: ${arn('cluster/prod')} with an explicit deny in an identity-based policy`);
    root.ok(['delete-user-policy', '--user-name', 'alice', '--policy-name', 'no-describe'], 'iam');
    assert.equal(alice.ok(['describe-clusters', '--clusters', 'prod']).clusters.length, 1);
  });

  test('keys made inactive stop working at once and work again when active; deleted keys never; users with keys cannot be deleted', async () => {
    const { AccessKeyMetadata } = await iam.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    assert.equal(AccessKeyMetadata?.length, 2);
    const keyId = AccessKeyMetadata![0]!.AccessKeyId!;
    root.ok(['update-access-key', '--user-name', 'alice', '--access-key-id', keyId, '--status', 'Inactive'], 'iam');
    const ecs = (id: string, secret: string) => new ECSClient({ endpoint: pier.endpoint, region, credentials: { accessKeyId: id, secretAccessKey: secret }, maxAttempts: 1 });
    // The secret is shown only by CreateAccessKey: make a key whose secret this test holds.
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: AccessKeyMetadata![1]!.AccessKeyId! }));
    const fresh = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'list', PolicyDocument: policy({ Effect: 'Allow', Action: 'ecs:ListClusters', Resource: '*' }) }));
    const client = ecs(fresh.AccessKeyId!, fresh.SecretAccessKey!);
    assert.equal((await client.send(new ListClustersCommand({}))).clusterArns?.length, 2);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: fresh.AccessKeyId!, Status: 'Inactive' }));
    await assert.rejects(client.send(new ListClustersCommand({})), (e: Error) => e.name === 'UnrecognizedClientException'
      && e.message === 'The security token included in the request is invalid.');
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: fresh.AccessKeyId!, Status: 'Active' }));
    assert.equal((await client.send(new ListClustersCommand({}))).clusterArns?.length, 2);
    assert.deepEqual((await iam.send(new ListAccessKeysCommand({ UserName: 'alice' }))).AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status]),
      [[keyId, 'Inactive'], [fresh.AccessKeyId, 'Active']]);

    await assert.rejects(iam.send(new DeleteUserCommand({ UserName: 'alice' })), (e: Error) => e instanceof DeleteConflictException
      && e.message === 'Cannot delete entity, must delete access keys first.');
    await assert.rejects(iam.send(new CreateAccessKeyCommand({ UserName: 'alice' })), (e: Error) => e instanceof LimitExceededException
      && e.message === 'Cannot exceed quota for AccessKeysPerUser: 2');
    for (const id of [keyId, fresh.AccessKeyId!]) await iam.send(new DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: id }));
    await assert.rejects(client.send(new ListClustersCommand({})), (e: Error) => e.name === 'UnrecognizedClientException');
    client.destroy();
    await assert.rejects(iam.send(new DeleteUserCommand({ UserName: 'alice' })), (e: Error) => e instanceof DeleteConflictException
      && e.message === 'Cannot delete entity, must delete policies first.');
  });

  test('a user assumes a role whose trust policy names them, or one trusting the account that their policy allows; sessions are decided on the role\'s policies', () => {
    root.ok(['create-user', '--user-name', 'ci'], 'iam');
    const ci = as(root.ok(['create-access-key', '--user-name', 'ci'], 'iam').AccessKey);
    const trust = (principal: string) => policy({ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' });
    const role = (name: string) => `arn:aws:iam::${account}:role/${name}`;
    root.ok(['create-role', '--role-name', 'deployer', '--assume-role-policy-document', trust(`arn:aws:iam::${account}:user/ci`)], 'iam');
    root.ok(['put-role-policy', '--role-name', 'deployer', '--policy-name', 'list', '--policy-document',
      policy({ Effect: 'Allow', Action: 'ecs:ListClusters', Resource: '*' })], 'iam');
    root.ok(['create-role', '--role-name', 'builder', '--assume-role-policy-document', trust(account)], 'iam');
    // A trust policy naming the user grants on its own within the account; one naming the account needs the user's own policy too.
    const session = ci.ok(['assume-role', '--role-arn', role('deployer'), '--role-session-name', 'build'], 'sts');
    ci.fail(['assume-role', '--role-arn', role('builder'), '--role-session-name', 'build'], 'AccessDenied', 'AssumeRole',
      denied('ci', 'sts:AssumeRole', role('builder')), 'sts');
    root.ok(['put-user-policy', '--user-name', 'ci', '--policy-name', 'assume', '--policy-document',
      policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: role('builder') })], 'iam');
    assert.match(ci.ok(['assume-role', '--role-arn', role('builder'), '--role-session-name', 'build'], 'sts').AssumedRoleUser.Arn, /:assumed-role\/builder\/build$/);

    const deployer = as(session.Credentials);
    assert.equal(deployer.ok(['list-clusters']).clusterArns.length, 2);
    deployer.fail(['list-task-definitions'], 'AccessDeniedException', 'ListTaskDefinitions',
      `User: arn:aws:sts::${account}:assumed-role/deployer/build is not authorized to perform: ecs:ListTaskDefinitions on resource: * because no identity-based policy allows the ecs:ListTaskDefinitions action`);
  });

  test('CloudWatch (a service framing its own protocols) decides a user\'s calls too, alarm by alarm', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'metrics' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'metrics' }))).AccessKey!;
    await iam.send(new PutUserPolicyCommand({ UserName: 'metrics', PolicyName: 'alarms', PolicyDocument: policy(
      { Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: `arn:aws:cloudwatch:*:${account}:alarm:web-*` }) }));
    const cw = new CloudWatchClient({ endpoint: pier.endpoint, region, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }, maxAttempts: 1 });
    try {
      assert.deepEqual((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['web-cpu'] }))).MetricAlarms, []);
      await assert.rejects(cw.send(new DescribeAlarmsCommand({ AlarmNames: ['db-cpu'] })), (e: Error) => e.name === 'AccessDenied'
        && e.message === denied('metrics', 'cloudwatch:DescribeAlarms', arn('alarm:db-cpu', 'cloudwatch')));
      // AWS CLI v2 speaks CloudWatch's Query protocol; the SDK above, JSON 1.0.
      const cli = as(key);
      assert.deepEqual(cli.ok(['describe-alarms', '--alarm-names', 'web-a', 'web-b'], 'cloudwatch').MetricAlarms, []);
      cli.fail(['describe-alarms', '--alarm-names', 'web-a', 'db-b'], 'AccessDenied', 'DescribeAlarms',
        denied('metrics', 'cloudwatch:DescribeAlarms', arn('alarm:db-b', 'cloudwatch')), 'cloudwatch');
      await assert.rejects(cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'm', Value: 1 }] })),
        (e: Error) => e.name === 'AccessDenied' && e.message === denied('metrics', 'cloudwatch:PutMetricData', '*'));
    } finally {
      cw.destroy();
    }
  });

  test('the SDK: users, paging, the calling user, inline and managed policies, typed errors that change nothing', async () => {
    for (const name of ['u-a', 'u-b', 'u-c']) await iam.send(new CreateUserCommand({ UserName: name, Path: '/team/' }));
    const names: string[] = [];
    for await (const page of paginateListUsers({ client: iam, pageSize: 2 }, { PathPrefix: '/team/' })) names.push(...page.Users!.map((u) => u.UserName!));
    assert.deepEqual(names, ['u-a', 'u-b', 'u-c']);
    assert.deepEqual((await iam.send(new ListUsersCommand({}))).Users?.map((u) => u.UserName), ['alice', 'ci', 'metrics', 'u-a', 'u-b', 'u-c']);
    const { User } = await iam.send(new GetUserCommand({ UserName: 'U-A' }));
    assert.deepEqual([User?.UserName, User?.Path, User?.Arn], ['u-a', '/team/', `arn:aws:iam::${account}:user/team/u-a`]);
    assert.equal((await iam.send(new GetUserCommand({}))).User?.Arn, `arn:aws:iam::${account}:root`, 'GetUser without a name answers the caller');

    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'u-a' }))).AccessKey!;
    const asUser = new IAMClient({ endpoint: pier.endpoint, region, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }, maxAttempts: 1 });
    await iam.send(new PutUserPolicyCommand({ UserName: 'u-a', PolicyName: 'self', PolicyDocument: policy(
      { Effect: 'Allow', Action: ['iam:GetUser', 'iam:ListAccessKeys'], Resource: 'arn:aws:iam::*:user/*/${aws:username}' }) }));
    assert.equal((await asUser.send(new GetUserCommand({}))).User?.UserName, 'u-a');
    assert.equal((await asUser.send(new ListAccessKeysCommand({}))).AccessKeyMetadata?.[0]?.AccessKeyId, key.AccessKeyId);
    await assert.rejects(asUser.send(new GetUserCommand({ UserName: 'u-b' })), (e: Error) => e.name === 'AccessDenied'
      && e.message === denied('team/u-a', 'iam:GetUser', `arn:aws:iam::${account}:user/team/u-b`));
    asUser.destroy();

    const ecsFull = 'arn:aws:iam::aws:policy/AmazonECS_FullAccess';
    await iam.send(new AttachUserPolicyCommand({ UserName: 'u-b', PolicyArn: ecsFull }));
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: ecsFull }))).Policy?.AttachmentCount, 1, 'users count as attachments');
    assert.deepEqual((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'u-b' }))).AttachedPolicies,
      [{ PolicyName: 'AmazonECS_FullAccess', PolicyArn: ecsFull }]);
    await assert.rejects(iam.send(new DeleteUserCommand({ UserName: 'u-b' })), (e: Error) => e instanceof DeleteConflictException
      && e.message === 'Cannot delete entity, must detach all policies first.');
    await iam.send(new DetachUserPolicyCommand({ UserName: 'u-b', PolicyArn: ecsFull }));
    await iam.send(new DeleteUserCommand({ UserName: 'u-b' }));
    assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: 'u-a' }))).PolicyNames, ['self']);
    assert.match(decodeURIComponent((await iam.send(new GetUserPolicyCommand({ UserName: 'u-a', PolicyName: 'self' }))).PolicyDocument!), /aws:username/);

    const before = (await iam.send(new ListUsersCommand({}))).Users?.map((u) => u.UserName);
    const refused = async (p: Promise<unknown>, type: new (...a: never[]) => Error, message: string) =>
      assert.rejects(p, (e: Error) => e instanceof type && e.message === message);
    await refused(iam.send(new CreateUserCommand({ UserName: 'U-C' })), EntityAlreadyExistsException, 'User with name U-C already exists.');
    await refused(iam.send(new GetUserCommand({ UserName: 'ghost' })), NoSuchEntityException, 'The user with name ghost cannot be found.');
    await refused(iam.send(new DeleteUserPolicyCommand({ UserName: 'u-a', PolicyName: 'nope' })), NoSuchEntityException, 'The user policy with name nope cannot be found.');
    await refused(iam.send(new DeleteAccessKeyCommand({ UserName: 'u-c', AccessKeyId: key.AccessKeyId! })), NoSuchEntityException,
      `The Access Key with id ${key.AccessKeyId} cannot be found.`);
    await refused(iam.send(new PutUserPolicyCommand({ UserName: 'u-c', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: 'ecs:*' }) })),
      MalformedPolicyDocumentException, 'Policy statement must contain resources.');
    await refused(iam.send(new PutUserPolicyCommand({ UserName: 'u-c', PolicyName: 'big', PolicyDocument: policy(
      { Effect: 'Allow', Action: Array.from({ length: 200 }, (_, i) => `ecs:Action${i}`), Resource: '*' }) })),
    LimitExceededException, 'Maximum policy size of 2048 bytes exceeded for user u-c');
    assert.deepEqual((await iam.send(new ListUsersCommand({}))).Users?.map((u) => u.UserName), before);
    assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: 'u-c' }))).PolicyNames, []);
  });
});
