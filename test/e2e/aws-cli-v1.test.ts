/**
 * A representative slice of the flow with the AWS CLI v1 (the `aws` first on PATH, on a recent
 * botocore) against a real `pier up`: cluster, task definition, run/describe/list/stop, errors
 * and pagination. CLI v1 prints timestamps as epoch seconds and exits 255 on service errors.
 * The v2 suites (aws-cli-clusters, aws-cli-tasks) cover everything in depth.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPier, type PierProcess } from '../helpers/pier-process.js';
import { TestHost } from '../helpers/test-host.js';
import { Aws, debianCli, defaultNetwork, lastSegment, sorted, taskDefinitionJson, v1Cli } from './aws-cli-support.test.js';

const v1 = v1Cli();

// Only when the PATH has an AWS CLI v1 besides Debian's v2 (the v2 suites always run).
if (v1) {
  describe(`AWS CLI v1 (${v1.version.split(' ')[0]}): clusters, task definitions, run/describe/stop, errors, pagination`, () => {
    let pier: PierProcess | undefined;
    let aws: Aws;
    let clusterArn = '';
    let tasks: string[] = [];

    before(async () => {
      debianCli();
      // The test host never heartbeats: a busy machine must not have it declared lost mid-suite.
      pier = await startPier({ args: ['--host-lost-after-seconds', '600'] });
      aws = new Aws(v1, pier);
      await TestHost.register(pier.endpoint, pier.dataDir);
    });
    after(async () => {
      await pier?.destroy();
    });

    test('create-cluster and register-task-definition print what v1 prints (timestamps as epoch seconds)', () => {
      const { cluster } = aws.ok(['create-cluster', '--cluster-name', 'v1', '--tags', 'key=cli,value=v1']);
      assert.match(cluster.clusterArn, /^arn:aws:ecs:[a-z0-9-]+:\d{12}:cluster\/v1$/);
      clusterArn = cluster.clusterArn;
      assert.equal(cluster.status, 'ACTIVE');
      assert.deepEqual(cluster.tags, [{ key: 'cli', value: 'v1' }]);

      const t0 = Date.now();
      const { taskDefinition } = aws.ok(['register-task-definition', '--cli-input-json', taskDefinitionJson('v1web', { cpu: '0.5 vCPU', memory: '1 GB' })]);
      assert.equal(taskDefinition.revision, 1);
      assert.equal(taskDefinition.status, 'ACTIVE');
      assert.equal(taskDefinition.cpu, '512');
      assert.equal(taskDefinition.memory, '1024');
      assert.equal(typeof taskDefinition.registeredAt, 'number');
      aws.assertTime(taskDefinition.registeredAt, 'registeredAt', t0);
    });

    test('run-task, then list-tasks pages with --page-size/--max-items/--starting-token', () => {
      const t0 = Date.now();
      const out = aws.ok(['run-task', '--cluster', 'v1', '--task-definition', 'v1web', '--count', '3', '--network-configuration', defaultNetwork(aws).shorthand, '--started-by', 'v1-test']);
      assert.deepEqual(out.failures, []);
      assert.equal(out.tasks.length, 3);
      for (const task of out.tasks) {
        assert.equal(task.clusterArn, clusterArn);
        assert.equal(task.lastStatus, 'PROVISIONING');
        assert.equal(task.desiredStatus, 'RUNNING');
        assert.equal(task.startedBy, 'v1-test');
        assert.equal(task.cpu, '512');
        aws.assertTime(task.createdAt, 'createdAt', t0);
      }
      tasks = out.tasks.map((t: any) => t.taskArn);

      const first = aws.ok(['list-tasks', '--cluster', 'v1', '--page-size', '1', '--max-items', '2']);
      assert.equal(first.taskArns.length, 2);
      assert.equal(typeof first.NextToken, 'string');
      const rest = aws.ok(['list-tasks', '--cluster', 'v1', '--page-size', '1', '--starting-token', first.NextToken]);
      assert.equal(rest.NextToken, undefined);
      assert.deepEqual(sorted([...first.taskArns, ...rest.taskArns]), sorted(tasks));
    });

    test('describe-tasks by id with include TAGS reports unknown ids as MISSING; stop-task stops with UserInitiated', () => {
      const missing = 'ffffffffffffffffffffffffffffffff';
      const out = aws.ok(['describe-tasks', '--cluster', 'v1', '--tasks', lastSegment(tasks[0]!), missing, '--include', 'TAGS']);
      assert.deepEqual(out.tasks.map((t: any) => t.taskArn), [tasks[0]]);
      assert.deepEqual(out.tasks[0].tags, []);
      assert.deepEqual(out.failures, [{ arn: tasks[0]!.replace(lastSegment(tasks[0]!), missing), reason: 'MISSING' }]);

      const t0 = Date.now();
      const { task } = aws.ok(['stop-task', '--cluster', clusterArn, '--task', tasks[0]!, '--reason', 'stopped from cli v1']);
      assert.equal(task.desiredStatus, 'STOPPED');
      assert.equal(task.stopCode, 'UserInitiated');
      assert.equal(task.stoppedReason, 'stopped from cli v1');
      aws.assertTime(task.stoppingAt, 'stoppingAt', t0);
      assert.deepEqual(aws.ok(['list-tasks', '--cluster', 'v1', '--desired-status', 'STOPPED']).taskArns, [tasks[0]]);
    });

    test('service errors exit 255 and print the error line', () => {
      aws.fail(['delete-cluster', '--cluster', 'v1'], 'ClusterContainsTasksException', 'DeleteCluster',
        'The Cluster cannot be deleted while Tasks are active.');
      aws.fail(['describe-task-definition', '--task-definition', 'v1web:7'], 'ClientException', 'DescribeTaskDefinition',
        'Unable to describe task definition.');
      aws.fail(['run-task', '--cluster', 'v1', '--task-definition', 'v1web'], 'InvalidParameterException', 'RunTask',
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
      aws.fail(['list-tasks', '--cluster', 'nope'], 'ClusterNotFoundException', 'ListTasks', 'Cluster not found.');
    });
  });
}
