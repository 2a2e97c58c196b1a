/**
 * Task definition `secrets` on real tasks (runc, `pier up` with its agent): the suite's registry
 * wants a password that only `repositoryCredentials` give (a Secrets Manager secret the execution
 * role reads); values from Secrets Manager (whole, and one JSON key) and from a SecureString
 * parameter reach the container's
 * environment when the execution role's policy allows reading them, and nowhere else: not in
 * DescribeTasks or DescribeTaskDefinition, not in the server's output at debug level, not in any
 * file of the data directory once the task has stopped. An execution role without the permission
 * stops the task with ECS's ResourceInitializationError naming the principal, the action and the
 * secret; a parameter that does not exist is named too.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { container, RealEnv, summary } from './tasks-real-support.test.js';

const ECS_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** Every regular file under `dir` below 64 MiB, skipping the spare task disks (mounted, sparse, empty). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== '.spare') out.push(...filesUnder(path));
    } else if (e.isFile() && statSync(path).size < 64 * 1024 * 1024) {
      out.push(path);
    }
  }
  return out;
}

describe('task definition secrets on real tasks (runc, pier up with its agent)', () => {
  let env: RealEnv;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const dbHost = `db-${randomBytes(12).toString('hex')}.internal`;
  const whole = JSON.stringify({ user: 'app', password });
  let secretArn = '';
  let registrySecretArn = '';
  let allowedRole = '';
  let bareRole = '';

  before(async () => {
    env = await RealEnv.start({
      agent: true, registryAuth: 'basic', pierArgs: ['--runtime', 'runc', '--host-lost-after-seconds', '600'], pierEnv: { PIER_LOG_LEVEL: 'debug' },
    });
    const aws = env.aws;
    secretArn = aws.ok(['create-secret', '--name', 'app/db', '--secret-string', whole], 'secretsmanager').ARN;
    registrySecretArn = aws.ok(['create-secret', '--name', 'registry/pull', '--secret-string',
      JSON.stringify({ username: env.reg.username, password: env.reg.password })], 'secretsmanager').ARN;
    aws.ok(['put-parameter', '--name', '/app/db-host', '--type', 'SecureString', '--value', dbHost], 'ssm');
    const account = aws.ok(['get-caller-identity'], 'sts').Account as string;
    allowedRole = aws.ok(['create-role', '--role-name', 'app-execution', '--assume-role-policy-document', ECS_TRUST], 'iam').Role.Arn;
    aws.ok(['put-role-policy', '--role-name', 'app-execution', '--policy-name', 'read-app-secrets', '--policy-document', JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [secretArn, registrySecretArn] },
        { Effect: 'Allow', Action: 'ssm:GetParameters', Resource: `arn:aws:ssm:${env.pier.region}:${account}:parameter/app/*` },
      ],
    })], 'iam');
    bareRole = aws.ok(['create-role', '--role-name', 'bare-execution', '--assume-role-policy-document', ECS_TRUST], 'iam').Role.Arn;
  });
  after(async () => {
    await env?.teardown();
  });

  const secrets = [
    { name: 'DB_PASSWORD', valueFrom: `${'SECRET'}:password::` },
    { name: 'DB_CONFIG', valueFrom: 'SECRET' },
    { name: 'DB_HOST', valueFrom: '/app/db-host' },
  ];
  const withArn = () => secrets.map((s) => ({ ...s, valueFrom: s.valueFrom.replace('SECRET', secretArn) }));
  /** One container 'app' that pulls with the registry's credentials from Secrets Manager. */
  const app = (command: string, extra: Record<string, unknown>) => [{ name: 'app', command, repositoryCredentials: { credentialsParameter: registrySecretArn }, ...extra }];

  test('without repositoryCredentials the registry refuses the pull', async () => {
    env.registerTaskDefinition('no-creds', [{ name: 'app', command: 'exit 0' }]);
    const t = await env.waitStopped(env.runTask('no-creds'), 60_000);
    assert.equal(t.stopCode, 'TaskFailedToStart');
    assert.match(t.stoppedReason ?? '', /^CannotPullContainerError: .*(401|[Uu]nauthorized)/);
  });

  test('the execution role reads them; the container gets them in its environment; they appear nowhere else', async () => {
    // Exit 0 only when every value is exactly right, compared by digest: the task definition must
    // not hold the values either.
    const sha = (v: string): string => createHash('sha256').update(v).digest('hex');
    const same = (name: string, value: string, code: number): string => `[ "$(printf %s "$${name}" | sha256sum | cut -c1-64)" = ${sha(value)} ] || exit ${code}`;
    const check = [same('DB_PASSWORD', password, 3), same('DB_CONFIG', whole, 4), same('DB_HOST', dbHost, 5), 'echo all three secrets arrived'].join('; ');
    const defArn = env.registerTaskDefinition('with-secrets', app(check, { secrets: withArn() }), { executionRoleArn: allowedRole });
    const arn = env.runTask('with-secrets');
    const stopped = await env.waitStopped(arn, 90_000);
    assert.equal(container(stopped, 'app').exitCode, 0, `3-5: a variable was missing or wrong: ${summary(stopped)}`);

    const seen = [
      JSON.stringify(env.aws.ok(['describe-tasks', '--tasks', arn])),
      JSON.stringify(env.aws.ok(['describe-task-definition', '--task-definition', defArn])),
      env.pier.output(),
    ];
    for (const [i, text] of seen.entries()) {
      for (const value of [password, dbHost, env.reg.password!]) assert.ok(!text.includes(value), `a secret value shows in ${['DescribeTasks', 'DescribeTaskDefinition', "the server's output"][i]}`);
    }
    assert.match(env.pier.output(), /.+/, 'the server printed something at debug level');
    const files = filesUnder(env.dataDir);
    assert.ok(files.some((f) => f.endsWith('.db')), `the store is among the files searched: ${files.length} files`);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const value of [password, dbHost, env.reg.password!]) assert.equal(bytes.indexOf(value), -1, `${f} holds a secret value in plaintext`);
    }
  });

  test('an execution role that may not read the secret stops the task with ECS\'s reason naming what was denied', async () => {
    env.registerTaskDefinition('denied', app('exit 0', { secrets: withArn().slice(0, 1) }), { executionRoleArn: bareRole });
    const t = await env.waitStopped(env.runTask('denied'), 60_000);
    assert.equal(t.stopCode, 'TaskFailedToStart');
    const id = t.taskArn!.slice(t.taskArn!.lastIndexOf('/') + 1);
    const reason = t.stoppedReason ?? '';
    assert.ok(reason.startsWith('ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: '), reason);
    assert.ok(reason.includes(`AccessDeniedException: User: arn:aws:sts::`), reason);
    assert.ok(reason.includes(`:assumed-role/bare-execution/${id} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secretArn}`), reason);
    assert.equal(container(t, 'app').exitCode, undefined, 'the container never ran');
  });

  test('an execution role that may not write the task\'s log stream stops it before it runs', async () => {
    const awslogs = { logDriver: 'awslogs', options: { 'awslogs-group': '/pier/denied', 'awslogs-region': env.pier.region, 'awslogs-stream-prefix': 'app' } };
    env.aws.ok(['create-log-group', '--log-group-name', '/pier/denied'], 'logs');
    env.registerTaskDefinition('no-logs', app('echo never', { logConfiguration: awslogs }), { executionRoleArn: bareRole });
    const t = await env.waitStopped(env.runTask('no-logs'), 60_000);
    const id = t.taskArn!.slice(t.taskArn!.lastIndexOf('/') + 1);
    assert.equal(t.stopCode, 'TaskFailedToStart');
    assert.match(t.stoppedReason ?? '', new RegExp(`^ResourceInitializationError: failed to validate logger args: .*AccessDeniedException: User: arn:aws:sts::\\d{12}:assumed-role/bare-execution/${id} `
      + `is not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:[^:]+:\\d{12}:log-group:/pier/denied:log-stream:app/app/${id} because`));
  });

  test('a parameter that does not exist is named in the stop reason', async () => {
    env.registerTaskDefinition('missing', app('exit 0', { secrets: [{ name: 'X', valueFrom: '/app/not-there' }] }), { executionRoleArn: allowedRole });
    const t = await env.waitStopped(env.runTask('missing'), 60_000);
    assert.equal(t.stopCode, 'TaskFailedToStart');
    assert.equal(t.stoppedReason, 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: invalid parameters: /app/not-there');
  });

  test('nothing is left on the host', () => env.assertNothingLeft());
});
