/**
 * The real AWS CLI v2 (Debian's /usr/bin/aws) against a real `pier up`: cluster and task
 * definition actions as a user types them, checking what the CLI prints and its exit status.
 * DeleteTaskDefinitions is newer than Debian's CLI v2 (2.9), so that one action uses the CLI v1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPier, type PierProcess } from '../helpers/pier-process.js';
import { Aws, debianCli, IMAGE, sleep, sorted, taskDefinitionJson, v1Cli } from './aws-cli-support.test.js';

describe('AWS CLI v2: clusters', () => {
  let pier: PierProcess | undefined;
  let aws: Aws;
  let account = '';
  const arn = (name: string): string => `arn:aws:ecs:${pier!.region}:${account}:cluster/${name}`;

  before(async () => {
    const cli = debianCli();
    pier = await startPier();
    aws = new Aws(cli, pier);
  });
  after(async () => {
    await pier?.destroy();
  });

  test('CreateCluster returns the cluster with its tags, settings and capacity providers', () => {
    const { cluster } = aws.ok([
      'create-cluster', '--cluster-name', 'alpha',
      '--tags', 'key=team,value=core', 'key=env,value=test',
      '--settings', 'name=containerInsights,value=enabled',
      '--capacity-providers', 'FARGATE', 'FARGATE_SPOT',
      '--default-capacity-provider-strategy', 'capacityProvider=FARGATE,weight=1,base=1', 'capacityProvider=FARGATE_SPOT,weight=3',
    ]);
    const m = /^arn:aws:ecs:([a-z0-9-]+):(\d{12}):cluster\/alpha$/.exec(cluster.clusterArn);
    assert.ok(m, `unexpected clusterArn ${cluster.clusterArn}`);
    assert.equal(m[1], pier!.region);
    account = m[2]!;
    assert.equal(cluster.clusterName, 'alpha');
    assert.equal(cluster.status, 'ACTIVE');
    assert.equal(cluster.runningTasksCount, 0);
    assert.equal(cluster.pendingTasksCount, 0);
    assert.equal(cluster.activeServicesCount, 0);
    assert.equal(cluster.registeredContainerInstancesCount, 0);
    assert.deepEqual(cluster.tags, [{ key: 'team', value: 'core' }, { key: 'env', value: 'test' }]);
    assert.deepEqual(cluster.settings, [{ name: 'containerInsights', value: 'enabled' }]);
    assert.deepEqual(cluster.capacityProviders, ['FARGATE', 'FARGATE_SPOT']);
    assert.deepEqual(cluster.defaultCapacityProviderStrategy, [
      { capacityProvider: 'FARGATE', weight: 1, base: 1 },
      { capacityProvider: 'FARGATE_SPOT', weight: 3 },
    ]);
  });

  test('CreateCluster with only a name gets containerInsights disabled and no capacity providers', () => {
    for (const name of ['beta', 'gamma']) {
      const { cluster } = aws.ok(['create-cluster', '--cluster-name', name]);
      assert.equal(cluster.clusterArn, arn(name));
      assert.equal(cluster.status, 'ACTIVE');
      assert.deepEqual(cluster.settings, [{ name: 'containerInsights', value: 'disabled' }]);
      assert.deepEqual(cluster.capacityProviders, []);
      assert.deepEqual(cluster.defaultCapacityProviderStrategy, []);
      assert.deepEqual(cluster.tags, []);
    }
  });

  test('DescribeClusters by name and ARN with include SETTINGS STATISTICS TAGS; unknown clusters are MISSING failures', () => {
    const out = aws.ok(['describe-clusters', '--clusters', 'alpha', arn('beta'), 'nope', '--include', 'SETTINGS', 'STATISTICS', 'TAGS']);
    assert.deepEqual(out.failures, [{ arn: arn('nope'), reason: 'MISSING' }]);
    assert.deepEqual(out.clusters.map((c: any) => c.clusterName), ['alpha', 'beta']);
    const [alpha, beta] = out.clusters;
    assert.deepEqual(alpha.tags, [{ key: 'team', value: 'core' }, { key: 'env', value: 'test' }]);
    assert.deepEqual(alpha.settings, [{ name: 'containerInsights', value: 'enabled' }]);
    const stats = Object.fromEntries(alpha.statistics.map((s: any) => [s.name, s.value]));
    assert.equal(stats.runningFargateTasksCount, '0');
    assert.equal(stats.pendingFargateTasksCount, '0');
    assert.equal(stats.activeFargateServiceCount, '0');
    assert.deepEqual(beta.tags, []);
    assert.deepEqual(beta.settings, [{ name: 'containerInsights', value: 'disabled' }]);

    // Without include, tags and statistics stay empty.
    const plain = aws.ok(['describe-clusters', '--clusters', 'alpha']);
    assert.equal(plain.clusters.length, 1);
    assert.deepEqual(plain.failures, []);
    assert.deepEqual(plain.clusters[0].tags, []);
    assert.deepEqual(plain.clusters[0].statistics, []);
  });

  test('ListClusters pages: --max-items/--starting-token, --page-size, and --no-paginate --max-results', () => {
    const all = [arn('alpha'), arn('beta'), arn('gamma')];
    const first = aws.ok(['list-clusters', '--page-size', '1', '--max-items', '2']);
    assert.deepEqual(first.clusterArns, all.slice(0, 2));
    assert.equal(typeof first.NextToken, 'string');
    const rest = aws.ok(['list-clusters', '--page-size', '1', '--starting-token', first.NextToken]);
    assert.deepEqual(rest.clusterArns, all.slice(2));
    assert.equal(rest.NextToken, undefined);

    const one = aws.ok(['list-clusters', '--no-paginate', '--max-results', '2']);
    assert.deepEqual(one.clusterArns, all.slice(0, 2));
    assert.equal(typeof one.nextToken, 'string', 'the server returns a nextToken when more clusters remain');
  });

  test('UpdateCluster and UpdateClusterSettings change settings and configuration, and DescribeClusters shows them', () => {
    const { cluster } = aws.ok([
      'update-cluster', '--cluster', 'alpha', '--settings', 'name=containerInsights,value=disabled',
      '--configuration', 'executeCommandConfiguration={logging=DEFAULT}',
    ]);
    assert.equal(cluster.clusterArn, arn('alpha'));
    assert.deepEqual(cluster.settings, [{ name: 'containerInsights', value: 'disabled' }]);
    assert.deepEqual(cluster.configuration, { executeCommandConfiguration: { logging: 'DEFAULT' } });

    const updated = aws.ok(['update-cluster-settings', '--cluster', arn('beta'), '--settings', 'name=containerInsights,value=enhanced']);
    assert.deepEqual(updated.cluster.settings, [{ name: 'containerInsights', value: 'enhanced' }]);

    aws.fail(['update-cluster-settings', '--cluster', 'beta', '--settings', 'name=containerInsights,value=sometimes'],
      'InvalidParameterException', 'UpdateClusterSettings', /containerInsights/);
    aws.fail(['update-cluster', '--cluster', 'nope', '--settings', 'name=containerInsights,value=enabled'],
      'ClusterNotFoundException', 'UpdateCluster', 'Cluster not found.');

    const out = aws.ok(['describe-clusters', '--clusters', 'alpha', 'beta', '--include', 'SETTINGS', 'CONFIGURATIONS']);
    assert.deepEqual(out.clusters[0].settings, [{ name: 'containerInsights', value: 'disabled' }]);
    assert.deepEqual(out.clusters[0].configuration, { executeCommandConfiguration: { logging: 'DEFAULT' } });
    assert.deepEqual(out.clusters[1].settings, [{ name: 'containerInsights', value: 'enhanced' }]);
  });

  test('PutClusterCapacityProviders replaces providers and default strategy; bad providers and strategies are rejected', () => {
    const { cluster } = aws.ok([
      'put-cluster-capacity-providers', '--cluster', 'beta', '--capacity-providers', 'FARGATE_SPOT',
      '--default-capacity-provider-strategy', 'capacityProvider=FARGATE_SPOT,weight=2',
    ]);
    assert.deepEqual(cluster.capacityProviders, ['FARGATE_SPOT']);
    assert.deepEqual(cluster.defaultCapacityProviderStrategy, [{ capacityProvider: 'FARGATE_SPOT', weight: 2 }]);

    aws.fail([
      'put-cluster-capacity-providers', '--cluster', 'beta', '--capacity-providers', 'my-asg-provider',
      '--default-capacity-provider-strategy', 'capacityProvider=my-asg-provider,weight=1',
    ], 'InvalidParameterException', 'PutClusterCapacityProviders', /my-asg-provider/);
    aws.fail([
      'put-cluster-capacity-providers', '--cluster', 'beta', '--capacity-providers', 'FARGATE',
      '--default-capacity-provider-strategy', 'capacityProvider=FARGATE_SPOT,weight=1',
    ], 'InvalidParameterException', 'PutClusterCapacityProviders',
    /^The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster\./);
    aws.fail([
      'put-cluster-capacity-providers', '--cluster', 'beta', '--capacity-providers', 'FARGATE', 'FARGATE_SPOT',
      '--default-capacity-provider-strategy', 'capacityProvider=FARGATE,weight=1,base=1', 'capacityProvider=FARGATE_SPOT,weight=1,base=2',
    ], 'InvalidParameterException', 'PutClusterCapacityProviders', /base/);

    // The rejected calls changed nothing.
    const out = aws.ok(['describe-clusters', '--clusters', 'beta']);
    assert.deepEqual(out.clusters[0].capacityProviders, ['FARGATE_SPOT']);
  });

  test('DeleteCluster makes the cluster INACTIVE: gone from ListClusters, INACTIVE in DescribeClusters, not deletable again', () => {
    const { cluster } = aws.ok(['delete-cluster', '--cluster', 'gamma']);
    assert.equal(cluster.clusterArn, arn('gamma'));
    assert.equal(cluster.status, 'INACTIVE');
    assert.deepEqual(aws.ok(['list-clusters']).clusterArns, [arn('alpha'), arn('beta')]);
    const out = aws.ok(['describe-clusters', '--clusters', 'gamma']);
    assert.equal(out.clusters[0]?.status, 'INACTIVE');
    aws.fail(['delete-cluster', '--cluster', 'gamma'], 'ClusterNotFoundException', 'DeleteCluster', 'Cluster not found.');
  });
});

describe('AWS CLI v2: task definitions', () => {
  let pier: PierProcess | undefined;
  let aws: Aws;
  /**
   * Debian's CLI v2 (2.9) predates DeleteTaskDefinitions (`aws ecs delete-task-definitions` is an
   * "Invalid choice" there), so that one action goes through the CLI v1, whose botocore has it.
   */
  const deleteTaskDefinitions = (...refs: string[]): any => {
    const v1 = v1Cli();
    assert.ok(v1, 'DeleteTaskDefinitions needs the AWS CLI v1 on PATH: Debian\'s CLI v2 2.9 does not have delete-task-definitions');
    return new Aws(v1, pier!).ok(['delete-task-definitions', '--task-definitions', ...refs]);
  };
  let prefix = '';
  const tdArn = (ref: string): string => `${prefix}${ref}`;
  const register = (family: string, extra: Record<string, unknown> = {}): any =>
    aws.ok(['register-task-definition', '--cli-input-json', taskDefinitionJson(family, extra)]);
  const reject = (family: string, extra: Record<string, unknown>, message: string | RegExp): void => {
    aws.fail(['register-task-definition', '--cli-input-json', taskDefinitionJson(family, extra)], 'ClientException', 'RegisterTaskDefinition', message);
  };

  before(async () => {
    const cli = debianCli();
    // A short host-lost period makes housekeeping (which finishes task definition deletes) run every 250 ms.
    pier = await startPier({ args: ['--host-lost-after-seconds', '1'] });
    aws = new Aws(cli, pier);
  });
  after(async () => {
    await pier?.destroy();
  });

  test('RegisterTaskDefinition returns revision 1, normalises cpu/memory, marks Fargate compatible and echoes tags', () => {
    const t0 = Date.now();
    const out = register('web', {
      cpu: '1 vCPU',
      memory: '2GB',
      containerDefinitions: [
        { name: 'app', image: IMAGE, portMappings: [{ containerPort: 80 }], environment: [{ name: 'MODE', value: 'prod' }] },
        { name: 'log-router', image: 'busybox', essential: false, dependsOn: [{ containerName: 'app', condition: 'START' }] },
      ],
      tags: [{ key: 'team', value: 'web' }],
    });
    const td = out.taskDefinition;
    const m = /^(arn:aws:ecs:[a-z0-9-]+:\d{12}:task-definition\/)web:1$/.exec(td.taskDefinitionArn);
    assert.ok(m, `unexpected taskDefinitionArn ${td.taskDefinitionArn}`);
    prefix = m[1]!;
    assert.equal(td.family, 'web');
    assert.equal(td.revision, 1);
    assert.equal(td.status, 'ACTIVE');
    assert.equal(td.cpu, '1024');
    assert.equal(td.memory, '2048');
    assert.equal(td.networkMode, 'awsvpc');
    assert.deepEqual(td.requiresCompatibilities, ['FARGATE']);
    assert.ok(td.compatibilities.includes('FARGATE'), `compatibilities ${td.compatibilities}`);
    assert.equal(td.containerDefinitions.length, 2);
    assert.equal(td.containerDefinitions[0].essential, true);
    assert.equal(td.containerDefinitions[0].portMappings[0].containerPort, 80);
    assert.deepEqual(td.containerDefinitions[0].environment, [{ name: 'MODE', value: 'prod' }]);
    assert.equal(td.containerDefinitions[1].essential, false);
    assert.deepEqual(td.containerDefinitions[1].dependsOn, [{ containerName: 'app', condition: 'START' }]);
    aws.assertTime(td.registeredAt, 'registeredAt', t0);
    assert.deepEqual(out.tags, [{ key: 'team', value: 'web' }]);
  });

  test('RegisterTaskDefinition rejects what Fargate cannot run with ClientException', () => {
    reject('bad', { cpu: '256', memory: '4096' }, /^No Fargate configuration exists for given values/);
    reject('bad', { cpu: '300', memory: '1024' }, "Invalid 'cpu' setting for task.");
    reject('bad', { networkMode: undefined }, /awsvpc/);
    reject('bad', {
      containerDefinitions: [{ name: 'a', image: IMAGE, essential: false }, { name: 'b', image: IMAGE, essential: false }],
    }, /at least one essential container/);
    reject('bad', {
      containerDefinitions: [{ name: 'app', image: IMAGE, dependsOn: [{ containerName: 'db', condition: 'START' }] }],
    }, /dependsOn/);
  });

  test('ephemeral storage: 20 GiB is rejected (it is the default), 21 accepted, 201 rejected', () => {
    reject('scratch', { ephemeralStorage: { sizeInGiB: 20 } }, /ephemeralStorage/);
    const out = register('scratch', { ephemeralStorage: { sizeInGiB: 21 } });
    assert.equal(out.taskDefinition.revision, 1);
    assert.deepEqual(out.taskDefinition.ephemeralStorage, { sizeInGiB: 21 });
    reject('scratch', { ephemeralStorage: { sizeInGiB: 201 } }, /ephemeralStorage/);
  });

  test('revisions count up; DescribeTaskDefinition by family, family:revision and ARN, include TAGS; unknown is ClientException', () => {
    assert.equal(register('web', { containerDefinitions: [{ name: 'app', image: 'nginx:2' }] }).taskDefinition.revision, 2);
    assert.equal(register('web', { containerDefinitions: [{ name: 'app', image: 'nginx:3' }] }).taskDefinition.revision, 3);
    assert.equal(register('webhook').taskDefinition.revision, 1);

    const latest = aws.ok(['describe-task-definition', '--task-definition', 'web']);
    assert.equal(latest.taskDefinition.revision, 3);
    assert.equal(latest.taskDefinition.containerDefinitions[0].image, 'nginx:3');
    assert.equal(latest.tags, undefined, 'tags only come back with --include TAGS');

    const first = aws.ok(['describe-task-definition', '--task-definition', 'web:1', '--include', 'TAGS']);
    assert.equal(first.taskDefinition.taskDefinitionArn, tdArn('web:1'));
    assert.equal(first.taskDefinition.cpu, '1024');
    assert.deepEqual(first.tags, [{ key: 'team', value: 'web' }]);

    const byArn = aws.ok(['describe-task-definition', '--task-definition', tdArn('web:2')]);
    assert.equal(byArn.taskDefinition.revision, 2);
    assert.equal(byArn.taskDefinition.containerDefinitions[0].image, 'nginx:2');

    aws.fail(['describe-task-definition', '--task-definition', 'nosuch'], 'ClientException', 'DescribeTaskDefinition', 'Unable to describe task definition.');
    aws.fail(['describe-task-definition', '--task-definition', 'web:99'], 'ClientException', 'DescribeTaskDefinition', 'Unable to describe task definition.');
  });

  test('ListTaskDefinitions: family then revision ascending, --sort DESC, and pagination across server pages', () => {
    const asc = ['scratch:1', 'web:1', 'web:2', 'web:3', 'webhook:1'].map(tdArn);
    assert.deepEqual(aws.ok(['list-task-definitions']).taskDefinitionArns, asc);
    const desc = [...asc].reverse();
    const page = aws.ok(['list-task-definitions', '--sort', 'DESC', '--page-size', '2', '--max-items', '3']);
    assert.deepEqual(page.taskDefinitionArns, desc.slice(0, 3));
    assert.equal(typeof page.NextToken, 'string');
    const rest = aws.ok(['list-task-definitions', '--sort', 'DESC', '--page-size', '2', '--starting-token', page.NextToken]);
    assert.deepEqual(rest.taskDefinitionArns, desc.slice(3));
    assert.equal(rest.NextToken, undefined);
  });

  test('ListTaskDefinitions --family-prefix takes the full family name, as in ECS (webhook is not listed for web)', () => {
    assert.deepEqual(aws.ok(['list-task-definitions', '--family-prefix', 'web']).taskDefinitionArns, ['web:1', 'web:2', 'web:3'].map(tdArn));
  });

  test('DeregisterTaskDefinition makes a revision INACTIVE: still describable, listed only with --status INACTIVE', () => {
    const t0 = Date.now();
    const { taskDefinition } = aws.ok(['deregister-task-definition', '--task-definition', 'web:1']);
    assert.equal(taskDefinition.taskDefinitionArn, tdArn('web:1'));
    assert.equal(taskDefinition.status, 'INACTIVE');
    aws.assertTime(taskDefinition.deregisteredAt, 'deregisteredAt', t0);
    assert.deepEqual(aws.ok(['list-task-definitions', '--status', 'INACTIVE']).taskDefinitionArns, [tdArn('web:1')]);
    assert.deepEqual(aws.ok(['list-task-definitions']).taskDefinitionArns, ['scratch:1', 'web:2', 'web:3', 'webhook:1'].map(tdArn));
    assert.equal(aws.ok(['describe-task-definition', '--task-definition', 'web:1']).taskDefinition.status, 'INACTIVE');
  });

  test('DeleteTaskDefinitions (CLI v1): an INACTIVE revision goes DELETE_IN_PROGRESS, an ACTIVE one is a failure', () => {
    const t0 = Date.now();
    const out = deleteTaskDefinitions('web:1', 'web:2');
    assert.equal(out.taskDefinitions.length, 1);
    assert.equal(out.taskDefinitions[0].taskDefinitionArn, tdArn('web:1'));
    assert.equal(out.taskDefinitions[0].status, 'DELETE_IN_PROGRESS');
    assert.ok(out.taskDefinitions[0].deleteRequestedAt * 1000 >= t0 - 1000, 'deleteRequestedAt (epoch seconds in CLI v1)');
    assert.equal(out.failures.length, 1);
    assert.equal(out.failures[0].arn, tdArn('web:2'));
    assert.match(out.failures[0].reason, /ACTIVE/);
  });

  test('ListTaskDefinitionFamilies: prefix match, --status ACTIVE/INACTIVE, pagination', () => {
    aws.ok(['deregister-task-definition', '--task-definition', 'webhook:1']);
    assert.deepEqual(aws.ok(['list-task-definition-families', '--family-prefix', 'web', '--status', 'ALL']).families, ['web', 'webhook']);
    assert.deepEqual(aws.ok(['list-task-definition-families', '--status', 'ACTIVE', '--page-size', '1']).families, ['scratch', 'web']);
    assert.deepEqual(aws.ok(['list-task-definition-families', '--status', 'INACTIVE']).families, ['webhook']);
    const first = aws.ok(['list-task-definition-families', '--status', 'ALL', '--max-items', '2']);
    assert.deepEqual(first.families, ['scratch', 'web']);
    assert.deepEqual(aws.ok(['list-task-definition-families', '--status', 'ALL', '--starting-token', first.NextToken]).families, ['webhook']);
  });

  test('ListTaskDefinitionFamilies without --status lists ACTIVE and INACTIVE families, as ECS documents', () => {
    assert.deepEqual(aws.ok(['list-task-definition-families']).families, ['scratch', 'web', 'webhook']);
  });

  test('revision numbers are never reused once revisions are deleted', async () => {
    assert.equal(register('once').taskDefinition.revision, 1);
    assert.equal(register('once').taskDefinition.revision, 2);
    for (const rev of ['once:1', 'once:2']) aws.ok(['deregister-task-definition', '--task-definition', rev]);
    const out = deleteTaskDefinitions('once:1', 'once:2');
    assert.deepEqual(out.taskDefinitions.map((t: any) => t.status), ['DELETE_IN_PROGRESS', 'DELETE_IN_PROGRESS']);
    assert.deepEqual(out.failures, []);
    // Unused, so housekeeping finishes the delete; then the revision cannot be described any more.
    let r = aws.run(['ecs', 'describe-task-definition', '--task-definition', 'once:2']);
    for (let i = 0; i < 10 && r.status === 0; i++) {
      await sleep(500);
      r = aws.run(['ecs', 'describe-task-definition', '--task-definition', 'once:2']);
    }
    assert.equal(r.status, 254, `once:2 was never removed after DeleteTaskDefinitions:\n${r.stdout}`);
    assert.match(r.stderr, /An error occurred \(ClientException\) when calling the DescribeTaskDefinition operation: Unable to describe task definition\./);
    const again = register('once');
    assert.equal(again.taskDefinition.revision, 3);
    assert.equal(again.taskDefinition.taskDefinitionArn, tdArn('once:3'));
    assert.deepEqual(sorted(aws.ok(['list-task-definitions', '--family-prefix', 'once']).taskDefinitionArns), [tdArn('once:3')]);
  });
});
