/**
 * The real AWS CLI v2 (Debian's /usr/bin/aws) against a real `pier up` with a test host speaking
 * the agent protocol: RunTask and its options and errors, DescribeTasks, ListTasks, StopTask,
 * tagging, DeleteCluster with tasks, the tasks-running/tasks-stopped waiters, container exit
 * codes, and a restart of `pier up` on the same data dir. RunTask's clientToken is newer than
 * Debian's CLI v2 (2.9), so the idempotency test uses the CLI v1.
 */
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPier, type PierProcess } from '../helpers/pier-process.js';
import { TestHost } from '../helpers/test-host.js';
import {
  Aws, debianCli, defaultNetwork, IMAGE, lastSegment, sleep, sorted, taskDefinitionJson, v1Cli,
} from './aws-cli-support.test.js';

/** Long enough that the test host (which heartbeats only at registration) is never marked LOST. */
const PIER_ARGS = ['--host-lost-after-seconds', '600'];

describe('AWS CLI v2: tasks', () => {
  let pier: PierProcess | undefined;
  let dataDir: string | undefined;
  let aws: Aws;
  let host: TestHost;
  let account = '';
  let region = '';
  const clusterArn = (name: string): string => `arn:aws:ecs:${region}:${account}:cluster/${name}`;
  const taskArnOf = (cluster: string, id: string): string => `arn:aws:ecs:${region}:${account}:task/${cluster}/${id}`;
  const tdArn = (ref: string): string => `arn:aws:ecs:${region}:${account}:task-definition/${ref}`;

  // Tasks the tests share, by role.
  let web: string[] = []; // 2 × web:1 on default, startedBy ci-42
  let batch: string[] = []; // 10 × batch:1 on default
  let idem = ''; // batch:1 on default from the clientToken test
  let spot: string[] = []; // 2 × batch:1 on cluster spot
  let network = { subnets: [] as string[], shorthand: '' };
  let runArgs: string[] = [];

  before(async () => {
    const cli = debianCli();
    pier = await startPier({ args: PIER_ARGS });
    dataDir = pier.dataDir;
    region = pier.region;
    aws = new Aws(cli, pier);
    network = defaultNetwork(aws);
    runArgs = ['--network-configuration', network.shorthand];
    host = await TestHost.register(pier.endpoint, pier.dataDir, { capacity: { cpu: 32768, memory: 65536, ephemeralStorageGiB: 4000 } });
  });
  after(async () => {
    await pier?.destroy();
    // The process started again on the same data dir (restart test) does not own the dir, so remove it here.
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('task definitions to run: web (essential app, non-essential sidecar, tagged) and batch', () => {
    const out = aws.ok(['register-task-definition', '--cli-input-json', taskDefinitionJson('web', {
      containerDefinitions: [{ name: 'app', image: IMAGE }, { name: 'sidecar', image: 'busybox', essential: false }],
      tags: [{ key: 'team', value: 'web' }],
    })]);
    account = /:(\d{12}):/.exec(out.taskDefinition.taskDefinitionArn)![1]!;
    assert.equal(out.taskDefinition.taskDefinitionArn, tdArn('web:1'));
    assert.equal(aws.ok(['register-task-definition', '--cli-input-json', taskDefinitionJson('batch')]).taskDefinition.taskDefinitionArn, tdArn('batch:1'));
  });

  test('RunTask without --cluster creates the default cluster and returns PROVISIONING tasks with the options given', () => {
    const none = aws.ok(['describe-clusters']);
    assert.deepEqual(none.clusters, []);
    assert.deepEqual(none.failures, [{ arn: clusterArn('default'), reason: 'MISSING' }]);

    const t0 = Date.now();
    const out = aws.ok([
      'run-task', '--task-definition', 'web', '--count', '2', '--launch-type', 'FARGATE', ...runArgs,
      '--started-by', 'ci-42', '--group', 'team-a', '--tags', 'key=run,value=one', '--propagate-tags', 'TASK_DEFINITION',
      '--overrides', JSON.stringify({
        containerOverrides: [{ name: 'app', command: ['node', 'server.js'], environment: [{ name: 'MODE', value: 'debug' }] }],
      }),
    ]);
    assert.deepEqual(out.failures, []);
    assert.equal(out.tasks.length, 2);
    for (const task of out.tasks) {
      assert.match(task.taskArn, new RegExp(`^${clusterArn('default').replace('cluster/', 'task/')}/[0-9a-f]{32}$`));
      assert.equal(task.clusterArn, clusterArn('default'));
      assert.equal(task.taskDefinitionArn, tdArn('web:1'));
      assert.equal(task.lastStatus, 'PROVISIONING');
      assert.equal(task.desiredStatus, 'RUNNING');
      assert.equal(task.launchType, 'FARGATE');
      assert.equal(task.startedBy, 'ci-42');
      assert.equal(task.group, 'team-a');
      assert.equal(task.cpu, '256');
      assert.equal(task.memory, '512');
      assert.equal(task.platformVersion, '1.4.0');
      assert.ok(task.availabilityZone.startsWith(region), task.availabilityZone);
      aws.assertTime(task.createdAt, 'createdAt', t0);
      assert.deepEqual(task.containers.map((c: any) => [c.name, c.lastStatus]), [['app', 'PENDING'], ['sidecar', 'PENDING']]);
      const app = task.overrides.containerOverrides.find((o: any) => o.name === 'app');
      assert.deepEqual(app.command, ['node', 'server.js']);
      assert.deepEqual(app.environment, [{ name: 'MODE', value: 'debug' }]);
      const eni = task.attachments.find((a: any) => a.type === 'ElasticNetworkInterface');
      assert.equal(eni.status, 'PRECREATED');
      const subnet = eni.details.find((d: any) => d.name === 'subnetId')?.value;
      assert.ok(network.subnets.includes(subnet), `subnetId ${subnet}`);
    }
    web = out.tasks.map((t: any) => t.taskArn);
    assert.equal(new Set(web).size, 2);

    const { clusters } = aws.ok(['describe-clusters', '--clusters', 'default', '--include', 'STATISTICS']);
    assert.equal(clusters[0].clusterArn, clusterArn('default'));
    assert.equal(clusters[0].status, 'ACTIVE');
    assert.equal(clusters[0].pendingTasksCount, 2);
    assert.equal(clusters[0].runningTasksCount, 0);
    assert.equal(clusters[0].statistics.find((s: any) => s.name === 'pendingFargateTasksCount')?.value, '2');
  });

  test('DescribeTasks by id and by ARN, include TAGS (own and propagated); unknown ids are MISSING failures', () => {
    const missing = '0123456789abcdef0123456789abcdef';
    const out = aws.ok(['describe-tasks', '--tasks', lastSegment(web[0]!), web[1]!, missing, '--include', 'TAGS']);
    assert.deepEqual(sorted(out.tasks.map((t: any) => t.taskArn)), sorted(web));
    for (const task of out.tasks) {
      assert.deepEqual(sorted(task.tags.map((t: any) => `${t.key}=${t.value}`)), ['run=one', 'team=web']);
    }
    assert.deepEqual(out.failures, [{ arn: taskArnOf('default', missing), reason: 'MISSING' }]);
    const plain = aws.ok(['describe-tasks', '--cluster', clusterArn('default'), '--tasks', web[0]!]);
    assert.equal(plain.tasks[0].taskArn, web[0]);
    assert.equal(plain.tasks[0].tags, undefined, 'tags only come back with --include TAGS');
  });

  test('RunTask --count 10 places ten tasks; --count 11 is rejected', () => {
    const out = aws.ok(['run-task', '--task-definition', 'batch', '--count', '10', ...runArgs]);
    assert.deepEqual(out.failures, []);
    assert.equal(out.tasks.length, 10);
    batch = out.tasks.map((t: any) => t.taskArn);
    assert.equal(new Set(batch).size, 10);
    for (const task of out.tasks) {
      assert.equal(task.group, 'family:batch');
      assert.equal(task.startedBy, undefined);
    }
    aws.fail(['run-task', '--task-definition', 'batch', '--count', '11', ...runArgs], 'InvalidParameterException', 'RunTask', /count/);
  });

  test('RunTask request errors: no network configuration, malformed subnet, unknown container override, provider not on the cluster', () => {
    aws.fail(['run-task', '--task-definition', 'batch'], 'InvalidParameterException', 'RunTask',
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    aws.fail(['run-task', '--task-definition', 'batch', '--network-configuration', 'awsvpcConfiguration={subnets=[subnet-xyz]}'],
      'InvalidParameterException', 'RunTask', /subnet-xyz/);
    aws.fail(['run-task', '--task-definition', 'batch', ...runArgs, '--overrides', '{"containerOverrides":[{"name":"ghost","command":["true"]}]}'],
      'InvalidParameterException', 'RunTask', 'Override for container named ghost is not a container in the TaskDefinition.');
    aws.fail(['run-task', '--task-definition', 'batch', ...runArgs, '--capacity-provider-strategy', 'capacityProvider=FARGATE_SPOT,weight=1'],
      'InvalidParameterException', 'RunTask',
      /^The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster\./);
  });

  test('RunTask with a capacity provider strategy, and with the cluster default strategy', () => {
    aws.ok([
      'create-cluster', '--cluster-name', 'spot', '--capacity-providers', 'FARGATE', 'FARGATE_SPOT',
      '--default-capacity-provider-strategy', 'capacityProvider=FARGATE,weight=1',
    ]);
    const withSpot = aws.ok(['run-task', '--cluster', 'spot', '--task-definition', 'batch', ...runArgs,
      '--capacity-provider-strategy', 'capacityProvider=FARGATE_SPOT,weight=1']);
    assert.equal(withSpot.tasks.length, 1);
    assert.equal(withSpot.tasks[0].capacityProviderName, 'FARGATE_SPOT');
    assert.equal(withSpot.tasks[0].launchType, 'FARGATE');
    assert.equal(withSpot.tasks[0].clusterArn, clusterArn('spot'));
    const byDefault = aws.ok(['run-task', '--cluster', clusterArn('spot'), '--task-definition', 'batch', ...runArgs]);
    assert.equal(byDefault.tasks[0].capacityProviderName, 'FARGATE');
    spot = [withSpot.tasks[0].taskArn, byDefault.tasks[0].taskArn];
  });

  test('RunTask --client-token (CLI v1): same token and parameters return the same task; different parameters are a ConflictException', () => {
    // Debian's CLI v2 (2.9) predates RunTask's clientToken, so this goes through the CLI v1.
    const cli = v1Cli();
    assert.ok(cli, 'RunTask --client-token needs the AWS CLI v1 on PATH: Debian\'s CLI v2 2.9 has no --client-token');
    const v1 = new Aws(cli, pier!);
    const args = ['run-task', '--task-definition', 'batch', ...runArgs, '--started-by', 'idem', '--client-token', 'deploy-2024-06-01-a'];
    const first = v1.ok(args);
    assert.equal(first.tasks.length, 1);
    idem = first.tasks[0].taskArn;
    const again = v1.ok(args);
    assert.deepEqual(again.tasks.map((t: any) => t.taskArn), [idem]);
    assert.deepEqual(aws.ok(['list-tasks', '--started-by', 'idem']).taskArns, [idem], 'the replay started no second task');
    v1.fail([...args, '--count', '2'], 'ConflictException', 'RunTask', /clientToken/);
  });

  test('RunTask with no host capacity left returns a RESOURCE:FARGATE failure and creates no task', () => {
    aws.ok(['register-task-definition', '--cli-input-json', taskDefinitionJson('huge', { cpu: '16384', memory: '122880' })]);
    const out = aws.ok(['run-task', '--cluster', 'spot', '--task-definition', 'huge', ...runArgs]);
    assert.deepEqual(out.tasks, []);
    assert.equal(out.failures.length, 1);
    assert.equal(out.failures[0].reason, 'RESOURCE:FARGATE');
    assert.deepEqual(aws.ok(['list-tasks', '--cluster', 'spot', '--family', 'huge']).taskArns, []);
  });

  test('ListTasks filters by family, startedBy and launchType and pages with --page-size/--max-items/--starting-token', () => {
    const everything = sorted([...web, ...batch, idem]);
    assert.deepEqual(sorted(aws.ok(['list-tasks', '--page-size', '5']).taskArns), everything);
    assert.deepEqual(sorted(aws.ok(['list-tasks', '--family', 'web']).taskArns), sorted(web));
    assert.deepEqual(sorted(aws.ok(['list-tasks', '--started-by', 'ci-42']).taskArns), sorted(web));
    const first = aws.ok(['list-tasks', '--launch-type', 'FARGATE', '--page-size', '3', '--max-items', '4']);
    assert.equal(first.taskArns.length, 4);
    assert.equal(typeof first.NextToken, 'string');
    const rest = aws.ok(['list-tasks', '--launch-type', 'FARGATE', '--page-size', '3', '--starting-token', first.NextToken]);
    assert.equal(rest.NextToken, undefined);
    assert.deepEqual(sorted([...first.taskArns, ...rest.taskArns]), everything);
    assert.deepEqual(aws.ok(['list-tasks', '--desired-status', 'STOPPED']).taskArns, []);
  });

  test('StopTask sets desiredStatus STOPPED with stopCode UserInitiated and the reason, and removes the task tags', () => {
    const t0 = Date.now();
    const { task } = aws.ok(['stop-task', '--task', web[0]!, '--reason', 'rolled back by ci']);
    assert.equal(task.taskArn, web[0]);
    assert.equal(task.desiredStatus, 'STOPPED');
    assert.equal(task.stopCode, 'UserInitiated');
    assert.equal(task.stoppedReason, 'rolled back by ci');
    aws.assertTime(task.stoppingAt, 'stoppingAt', t0);
    const out = aws.ok(['describe-tasks', '--tasks', web[0]!, '--include', 'TAGS']);
    assert.equal(out.tasks[0].desiredStatus, 'STOPPED');
    assert.deepEqual(out.tasks[0].tags, []);
    assert.deepEqual(aws.ok(['list-tasks', '--desired-status', 'STOPPED']).taskArns, [web[0]]);
    assert.deepEqual(aws.ok(['list-tasks', '--family', 'web', '--desired-status', 'RUNNING']).taskArns, [web[1]]);
  });

  test('DeleteCluster refuses with ClusterContainsTasksException while tasks remain, and succeeds once they have stopped', async () => {
    aws.fail(['delete-cluster', '--cluster', 'default'], 'ClusterContainsTasksException', 'DeleteCluster',
      'The Cluster cannot be deleted while Tasks are active.');
    aws.fail(['delete-cluster', '--cluster', 'spot'], 'ClusterContainsTasksException', 'DeleteCluster',
      'The Cluster cannot be deleted while Tasks are active.');
    for (const arn of spot) await host.exitTask(arn, { app: 0 });
    const { cluster } = aws.ok(['delete-cluster', '--cluster', 'spot']);
    assert.equal(cluster.status, 'INACTIVE');
  });

  test('TagResource, UntagResource and ListTagsForResource on a cluster, a task definition and a task; bad ARNs are errors', () => {
    aws.ok(['tag-resource', '--resource-arn', clusterArn('default'), '--tags', 'key=owner,value=ops', 'key=tier,value=1']);
    aws.ok(['untag-resource', '--resource-arn', clusterArn('default'), '--tag-keys', 'tier']);
    assert.deepEqual(aws.ok(['list-tags-for-resource', '--resource-arn', clusterArn('default')]).tags, [{ key: 'owner', value: 'ops' }]);

    aws.ok(['tag-resource', '--resource-arn', tdArn('web:1'), '--tags', 'key=reviewed,value=yes']);
    assert.deepEqual(sorted(aws.ok(['list-tags-for-resource', '--resource-arn', tdArn('web:1')]).tags.map((t: any) => `${t.key}=${t.value}`)),
      ['reviewed=yes', 'team=web']);

    aws.ok(['tag-resource', '--resource-arn', batch[2]!, '--tags', 'key=ticket,value=T-1', 'key=tmp,value=x']);
    aws.ok(['untag-resource', '--resource-arn', batch[2]!, '--tag-keys', 'tmp']);
    assert.deepEqual(aws.ok(['list-tags-for-resource', '--resource-arn', batch[2]!]).tags, [{ key: 'ticket', value: 'T-1' }]);

    aws.fail(['tag-resource', '--resource-arn', 'not-an-arn', '--tags', 'key=a,value=b'], 'InvalidParameterException', 'TagResource', /ARN/);
    aws.fail(['list-tags-for-resource', '--resource-arn', clusterArn('no-such-cluster')], 'InvalidParameterException', 'ListTagsForResource',
      /not be found|not found/);
  });

  test('wait tasks-running and wait tasks-stopped succeed while the host reports the transitions; exit codes 3 and 0 show on the containers', async () => {
    const [b0, b1] = [batch[0]!, batch[1]!];
    const stopping = web[1]!;
    const t0 = Date.now();
    const running = aws.start(['wait', 'tasks-running', '--tasks', b0, b1]);
    const stopped = aws.start(['wait', 'tasks-stopped', '--tasks', stopping]);
    try {
      // Long enough for both CLIs to start and poll once: neither may be done before the host reports.
      await sleep(2500);
      assert.ok(running.running(), 'wait tasks-running returned before the tasks ran');
      assert.ok(stopped.running(), 'wait tasks-stopped returned before the task stopped');
      await host.runTask(b0, ['app']);
      await host.runTask(b1, ['app']);
      await host.runTask(stopping, ['app', 'sidecar']);
      await host.exitTask(stopping, { app: 3, sidecar: 0 });
      const [r, s] = await Promise.all([running.done, stopped.done]);
      assert.equal(r.status, 0, `wait tasks-running: ${r.stderr}`);
      assert.equal(s.status, 0, `wait tasks-stopped: ${s.stderr}`);
    } finally {
      running.kill();
      stopped.kill();
    }

    const out = aws.ok(['describe-tasks', '--tasks', b0, stopping]);
    const [ran, exited] = [out.tasks.find((t: any) => t.taskArn === b0), out.tasks.find((t: any) => t.taskArn === stopping)];
    assert.equal(ran.lastStatus, 'RUNNING');
    assert.equal(ran.connectivity, 'CONNECTED');
    aws.assertTime(ran.startedAt, 'startedAt', t0);
    assert.equal(ran.containers[0].lastStatus, 'RUNNING');

    assert.equal(exited.lastStatus, 'STOPPED');
    assert.equal(exited.desiredStatus, 'STOPPED');
    assert.equal(exited.stopCode, 'EssentialContainerExited');
    assert.equal(exited.stoppedReason, 'Essential container in task exited');
    aws.assertTime(exited.stoppedAt, 'stoppedAt', t0);
    const codes = Object.fromEntries(exited.containers.map((c: any) => [c.name, [c.lastStatus, c.exitCode]]));
    assert.deepEqual(codes, { app: ['STOPPED', 3], sidecar: ['STOPPED', 0] });
  });

  test('a restart of pier up on the same data dir keeps clusters, task definitions, tasks and tags', async () => {
    assert.equal(await pier!.stop(), 0, 'pier up exits 0 on SIGTERM');
    pier = await startPier({ dataDir: dataDir!, args: PIER_ARGS });
    aws.pier = pier;

    const clusters = aws.ok(['describe-clusters', '--clusters', 'default', 'spot', '--include', 'TAGS']).clusters;
    assert.deepEqual(clusters.map((c: any) => [c.clusterArn, c.status]), [[clusterArn('default'), 'ACTIVE'], [clusterArn('spot'), 'INACTIVE']]);
    assert.deepEqual(clusters[0].tags, [{ key: 'owner', value: 'ops' }]);
    // Not STOPPED on default: batch[0..1] RUNNING; web[0] (stop requested), batch[2..9] and idem still PROVISIONING.
    assert.equal(clusters[0].runningTasksCount, 2);
    assert.equal(clusters[0].pendingTasksCount, 10);
    assert.deepEqual(aws.ok(['list-clusters']).clusterArns, [clusterArn('default')]);

    const td = aws.ok(['describe-task-definition', '--task-definition', 'web:1', '--include', 'TAGS']);
    assert.equal(td.taskDefinition.status, 'ACTIVE');
    assert.deepEqual(sorted(td.tags.map((t: any) => `${t.key}=${t.value}`)), ['reviewed=yes', 'team=web']);

    const out = aws.ok(['describe-tasks', '--tasks', web[0]!, web[1]!, batch[0]!, batch[2]!, '--include', 'TAGS']);
    assert.deepEqual(out.failures, []);
    const byArn = new Map(out.tasks.map((t: any) => [t.taskArn, t]));
    const [userStopped, exited, ran, tagged] = [web[0]!, web[1]!, batch[0]!, batch[2]!].map((a) => byArn.get(a) as any);
    assert.equal(userStopped.desiredStatus, 'STOPPED');
    assert.equal(userStopped.stopCode, 'UserInitiated');
    assert.equal(userStopped.stoppedReason, 'rolled back by ci');
    assert.equal(exited.lastStatus, 'STOPPED');
    assert.equal(exited.stopCode, 'EssentialContainerExited');
    assert.deepEqual(exited.containers.map((c: any) => c.exitCode), [3, 0]);
    assert.equal(ran.lastStatus, 'RUNNING');
    assert.deepEqual(tagged.tags, [{ key: 'ticket', value: 'T-1' }]);
    assert.equal(tagged.lastStatus, 'PROVISIONING');
    assert.deepEqual(sorted(aws.ok(['list-tasks', '--family', 'batch']).taskArns), sorted([...batch, idem]));
    assert.deepEqual(sorted(aws.ok(['list-tasks', '--desired-status', 'STOPPED']).taskArns), sorted([web[0]!, web[1]!]));
  });
});
