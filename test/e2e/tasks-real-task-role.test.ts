/**
 * Task roles end to end, on real gVisor sandboxes: roles made with `aws iam`, a Node.js program in
 * a task using the AWS SDK's default credential chain (the container credentials provider at
 * 169.254.170.2) to call Pier's STS and ECS APIs as its task role, one task unable to read another's
 * credentials, a stopped task's credentials refused, and task definitions or RunTasks naming
 * roles that do not exist or do not trust ECS tasks refused.
 *
 * The tasks share a Pier file system (EFS role) to hand each other what they found; their exit
 * codes say what went wrong (see PROGRAM).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { buildNodeImage, nodePackagesLayer, pushImage } from '../helpers/oci-images.js';
import { container, RealEnv, summary } from './tasks-real-support.test.js';

const SECRET_VALUE = `s3cret-${randomBytes(8).toString('hex')}`;
const ECS_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const LAMBDA_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/**
 * `holder <role>`: checks its identity and its own task through the SDK with no configuration
 * at all, leaves its credentials URI and credentials in /shared, and waits for /shared/done.
 * `probe`: another task's credentials URI must answer 404, its own must answer other keys; then
 * it writes /shared/done. `stale`: the holder's credentials, after the holder stopped, must be refused.
 */
const PROGRAM = String.raw`
import { readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ECSClient, DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';

const fail = (code, message) => { console.error(message); process.exit(code); };
process.on('uncaughtException', (e) => fail(9, 'uncaught: ' + e.stack));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The metadata endpoint, asked a few times: the first request may race the task's network coming up. */
async function metadata() {
  for (let i = 0; ; i++) {
    try {
      return await (await fetch(process.env.ECS_CONTAINER_METADATA_URI_V4 + '/task')).json();
    } catch (e) {
      if (i === 20) fail(4, 'metadata: ' + e.message);
      await sleep(250);
    }
  }
}
const endpoint = 'http://169.254.170.2';
const credsUri = process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
if (!credsUri) fail(2, 'no AWS_CONTAINER_CREDENTIALS_RELATIVE_URI');
if (!process.env.AWS_ENDPOINT_URL) fail(3, 'no AWS_ENDPOINT_URL');
const meta = await metadata();
const [mode, role] = process.argv.slice(2);

if (mode === 'holder') {
  const me = await new STSClient({}).send(new GetCallerIdentityCommand({})).catch((e) => fail(10, 'sts: ' + e.name + ': ' + e.message));
  const taskId = meta.TaskARN.split('/').pop();
  if (!me.Arn.endsWith(':assumed-role/' + role + '/' + taskId)) fail(11, 'identity ' + me.Arn);
  const out = await new ECSClient({}).send(new DescribeTasksCommand({ cluster: meta.Cluster, tasks: [meta.TaskARN] }))
    .catch((e) => fail(12, 'ecs: ' + e.name + ': ' + e.message));
  if (out.tasks?.[0]?.lastStatus !== 'RUNNING') fail(13, 'own task ' + JSON.stringify(out));
  const creds = await (await fetch(endpoint + credsUri)).json();
  if (!creds.AccessKeyId?.startsWith('ASIA') || !creds.Token || !creds.Expiration || !creds.RoleArn?.endsWith(':role/' + role)) fail(14, JSON.stringify(creds));
  // Written whole, then renamed: the probe never reads half a file.
  writeFileSync('/shared/holder.tmp', JSON.stringify({ uri: credsUri, creds }));
  renameSync('/shared/holder.tmp', '/shared/holder.json');
  while (!existsSync('/shared/done')) await sleep(200);
  process.exit(0);
}
if (mode === 'probe') {
  // The holder is RUNNING before it has written what it found.
  for (let i = 0; !existsSync('/shared/holder.json'); i++) {
    if (i === 600) fail(23, 'the holder wrote nothing in 2 minutes');
    await sleep(200);
  }
  const holder = JSON.parse(readFileSync('/shared/holder.json', 'utf8'));
  if (holder.uri === credsUri) fail(20, 'two tasks with one credentials URI');
  const other = await fetch(endpoint + holder.uri);
  if (other.status !== 404) fail(21, 'the holder\'s credentials URI answered ' + other.status + ' ' + await other.text());
  const own = await (await fetch(endpoint + credsUri)).json();
  if (!own.AccessKeyId || own.AccessKeyId === holder.creds.AccessKeyId) fail(22, JSON.stringify(own));
  writeFileSync('/shared/done', '');
  process.exit(0);
}
if (mode === 'stale') {
  const { creds } = JSON.parse(readFileSync('/shared/holder.json', 'utf8'));
  const sts = new STSClient({ credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.Token } });
  try {
    const me = await sts.send(new GetCallerIdentityCommand({}));
    fail(30, 'a stopped task\'s credentials still work: ' + me.Arn);
  } catch (e) {
    if (e.name !== 'InvalidClientTokenId') fail(31, e.name + ': ' + e.message);
  }
  process.exit(0);
}
if (mode === 'putlogs') {
  // role is the log group here: the task writes a line there with its own credentials.
  const logs = new CloudWatchLogsClient({});
  const stream = meta.TaskARN.split('/').pop();
  await logs.send(new CreateLogStreamCommand({ logGroupName: role, logStreamName: stream })).catch((e) => fail(40, 'create-log-stream: ' + e.name + ': ' + e.message));
  await logs.send(new PutLogEventsCommand({ logGroupName: role, logStreamName: stream, logEvents: [{ timestamp: Date.now(), message: 'written by ' + stream }] }))
    .catch((e) => fail(41, 'put-log-events: ' + e.name + ': ' + e.message));
  process.exit(0);
}
if (mode === 'secrets') {
  // The role may read one secret (its value is checked by digest) and not the other.
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const { createHash } = await import('node:crypto');
  const [allowed, denied, digest] = process.argv.slice(3);
  const sm = new SecretsManagerClient({});
  const got = await sm.send(new GetSecretValueCommand({ SecretId: allowed })).catch((e) => fail(50, 'allowed secret: ' + e.name + ': ' + e.message));
  if (createHash('sha256').update(got.SecretString).digest('hex') !== digest) fail(51, 'the allowed secret has another value');
  const refused = await sm.send(new GetSecretValueCommand({ SecretId: denied })).then(() => undefined, (e) => e);
  if (!refused) fail(52, 'the other secret was readable');
  if (refused.name !== 'AccessDeniedException' || !refused.message.includes('secretsmanager:GetSecretValue')) fail(53, refused.name + ': ' + refused.message);
  process.exit(0);
}
fail(1, 'unknown mode ' + mode);
`;

describe('task roles on real sandboxes (runsc): IAM roles, the credentials endpoint, the SDK inside a task', () => {
  let env: RealEnv;
  let nodeImage = '';
  let roleArn = '';
  let readableSecret = '';

  before(async () => {
    env = await RealEnv.start({ agent: true, registryAuth: 'none' });
    const img = await buildNodeImage({
      config: { Entrypoint: ['/usr/local/bin/node', '/app/role-check.mjs'], Cmd: ['holder', 'app-task'] },
      extraLayers: [
        nodePackagesLayer(['@aws-sdk/client-sts', '@aws-sdk/client-ecs', '@aws-sdk/client-cloudwatch-logs', '@aws-sdk/client-secrets-manager']),
        { files: { 'app/role-check.mjs': PROGRAM } },
      ],
    });
    try {
      nodeImage = (await pushImage(img, env.reg, 'node-sdk:1')).reference;
    } finally {
      img.remove();
    }
    roleArn = env.aws.ok(['create-role', '--role-name', 'app-task', '--assume-role-policy-document', ECS_TRUST], 'iam').Role.Arn as string;
    readableSecret = env.aws.ok(['create-secret', '--name', 'app/readable', '--secret-string', SECRET_VALUE], 'secretsmanager').ARN as string;
    env.aws.ok(['create-secret', '--name', 'app/other', '--secret-string', 'not for app-task'], 'secretsmanager');
    // What the program in the task calls with the role's credentials; as on AWS, a role without a policy may call nothing.
    env.aws.ok(['put-role-policy', '--role-name', 'app-task', '--policy-name', 'app', '--policy-document', JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['ecs:DescribeTasks', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: readableSecret },
      ],
    })], 'iam');
    env.aws.ok(['create-role', '--role-name', 'lambda-only', '--assume-role-policy-document', LAMBDA_TRUST], 'iam');
  });
  after(async () => {
    await env?.teardown();
  });

  test('task definitions and RunTask refuse roles that do not exist or do not trust ECS tasks', () => {
    const missing = roleArn.replace('app-task', 'no-such-role');
    env.aws.fail(['register-task-definition', '--family', 'bad-role', '--requires-compatibilities', 'FARGATE', '--network-mode', 'awsvpc',
      '--cpu', '256', '--memory', '512', '--task-role-arn', missing,
      '--container-definitions', JSON.stringify([{ name: 'app', image: env.image }])],
    'ClientException', 'RegisterTaskDefinition', /^Role is not valid: taskRoleArn '.*:role\/no-such-role'/);
    assert.deepEqual(env.aws.ok(['list-task-definitions', '--family-prefix', 'bad-role']).taskDefinitionArns, [], 'nothing registered');

    env.registerTaskDefinition('untrusted', [{ name: 'app', command: 'exit 0' }], { taskRoleArn: roleArn.replace('app-task', 'lambda-only') });
    env.aws.fail(['run-task', '--task-definition', 'untrusted', '--launch-type', 'FARGATE', '--network-configuration', env.defaultNetwork().shorthand],
      'ClientException', 'RunTask', /^ECS was unable to assume the role '.*:role\/lambda-only' that was provided for this task\./);
    env.aws.fail(['run-task', '--task-definition', 'untrusted', '--launch-type', 'FARGATE', '--network-configuration', env.defaultNetwork().shorthand,
      '--overrides', JSON.stringify({ taskRoleArn: missing })],
    'ClientException', 'RunTask', /^ECS was unable to assume the role '.*:role\/no-such-role'/);
    // Nothing was started (the default cluster exists only once a RunTask got that far).
    const listed = env.aws.run(['ecs', 'list-tasks', '--family', 'untrusted']);
    if (listed.status === 0) assert.deepEqual(listed.json.taskArns, [], 'no task was started');
    else assert.match(listed.stderr, /\(ClusterNotFoundException\)/);
  });

  test('the SDK in a task calls Pier as its task role; no task reads another\'s credentials; a stopped task\'s are refused', async () => {
    const created = env.aws.run(['efs', 'create-file-system', '--creation-token', `task-role-${Date.now()}`]);
    assert.equal(created.status, 0, created.stderr);
    const fsId = created.json.FileSystemId as string;
    env.registerTaskDefinition('sdk', [{
      name: 'app', image: nodeImage,
      mountPoints: [{ sourceVolume: 'shared', containerPath: '/shared' }],
    }], { taskRoleArn: roleArn, volumes: [{ name: 'shared', efsVolumeConfiguration: { fileSystemId: fsId } }] });
    const run = (mode: string): string => env.runTask('sdk', { containerOverrides: [{ name: 'app', command: [mode, 'app-task'] }] });

    const holder = env.runTask('sdk');
    await env.waitRunning(holder, 120_000);
    const probe = await env.waitStopped(run('probe'), 180_000);
    assert.equal(container(probe, 'app').exitCode, 0, `probe (4: metadata, 9: uncaught, 20-23: see PROGRAM): ${summary(probe)}`);
    const held = await env.waitStopped(holder, 180_000);
    assert.equal(container(held, 'app').exitCode, 0, `holder (2-3: variables missing, 10-14: identity, ECS call or credentials wrong): ${summary(held)}`);

    const stale = await env.waitStopped(run('stale'), 180_000);
    assert.equal(container(stale, 'app').exitCode, 0, `stale credentials (30: accepted, 31: another error): ${summary(stale)}`);
  });

  test('a task calls PutLogEvents from inside its sandbox with its task-role credentials', async () => {
    env.aws.ok(['create-log-group', '--log-group-name', '/pier/from-task'], 'logs');
    env.registerTaskDefinition('putlogs', [{ name: 'app', image: nodeImage }], { taskRoleArn: roleArn });
    const arn = env.runTask('putlogs', { containerOverrides: [{ name: 'app', command: ['putlogs', '/pier/from-task'] }] });
    const t = await env.waitStopped(arn, 180_000);
    assert.equal(container(t, 'app').exitCode, 0, `40/41: the Logs call failed: ${summary(t)}`);
    const id = arn.slice(arn.lastIndexOf('/') + 1);
    const events = env.aws.ok(['get-log-events', '--log-group-name', '/pier/from-task', '--log-stream-name', id, '--start-from-head'], 'logs').events;
    assert.deepEqual(events.map((e: { message: string }) => e.message), [`written by ${id}`]);
  });

  test('the SDK in a task reads the secret its role may read, and is refused the other', async () => {
    env.registerTaskDefinition('secrets', [{ name: 'app', image: nodeImage }], { taskRoleArn: roleArn });
    const digest = createHash('sha256').update(SECRET_VALUE).digest('hex');
    const arn = env.runTask('secrets', { containerOverrides: [{ name: 'app', command: ['secrets', 'app/readable', 'app/other', digest] }] });
    const t = await env.waitStopped(arn, 180_000);
    assert.equal(container(t, 'app').exitCode, 0, `50: not read, 51: another value, 52: the other was readable, 53: another error: ${summary(t)}`);
  });

  test('nothing is left on the host', () => env.assertNothingLeft());
});
