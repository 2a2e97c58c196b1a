/**
 * End to end through the real AWS SDK for JavaScript v3 (@aws-sdk/client-ecs) against a real
 * `pier up` process: clusters, task definitions, tasks, tags, typed errors, paginators and waiters.
 * A TestHost (the agent protocol spoken from the test) gives RunTask somewhere to place tasks and
 * reports the transitions an agent would.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClientException,
  ClusterContainsTasksException,
  ClusterNotFoundException,
  ConflictException,
  CreateClusterCommand,
  DeleteClusterCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ECSServiceException,
  InvalidParameterException,
  ListClustersCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  PlatformUnknownException,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateClusterCommand,
  UpdateClusterSettingsCommand,
  paginateListClusters,
  paginateListTaskDefinitionFamilies,
  paginateListTaskDefinitions,
  paginateListTasks,
  waitUntilTasksRunning,
  waitUntilTasksStopped,
  type RegisterTaskDefinitionCommandInput,
  type RunTaskCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import { createSubnet, defaultNetwork, type Ec2Target } from '../helpers/ec2-query.js';
import { startPier, type PierProcess } from '../helpers/pier-process.js';
import { TestHost } from '../helpers/test-host.js';

/** The default subnet of the test host's zone, a second subnet there, and the default VPC's group (set in before()). */
let SUBNET = '';
let SUBNET_2 = '';
let SECURITY_GROUP = '';
let VPC = '';
let ec2Target: Ec2Target;
let NETWORK = { awsvpcConfiguration: { subnets: [] as string[] } };

let pier: PierProcess;
let ecs: ECSClient;
let host: TestHost;
let counter = 0;
/** A name no other test in this file uses. */
const unique = (base: string): string => `${base}-${process.pid}-${++counter}`;

function taskDefinition(family: string, extra: Partial<RegisterTaskDefinitionCommandInput> = {}): RegisterTaskDefinitionCommandInput {
  return {
    family,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image: 'public.ecr.aws/docker/library/nginx:latest', essential: true }],
    ...extra,
  };
}

async function registerFamily(family: string, extra: Partial<RegisterTaskDefinitionCommandInput> = {}): Promise<string> {
  const out = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(family, extra)));
  return out.taskDefinition!.taskDefinitionArn!;
}

async function createCluster(name: string): Promise<string> {
  const out = await ecs.send(new CreateClusterCommand({ clusterName: name }));
  return out.cluster!.clusterArn!;
}

async function runTasks(input: Partial<RunTaskCommandInput> & { taskDefinition: string }): Promise<Task[]> {
  const out = await ecs.send(new RunTaskCommand({ launchType: 'FARGATE', networkConfiguration: NETWORK, ...input }));
  assert.deepEqual(out.failures, [], `RunTask failures: ${JSON.stringify(out.failures)}`);
  return out.tasks!;
}

async function describeTask(cluster: string, taskArn: string): Promise<Task> {
  const out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
  assert.equal(out.tasks?.length, 1, `DescribeTasks found ${taskArn}: ${JSON.stringify(out.failures)}`);
  return out.tasks[0]!;
}

/** Asserts that `p` rejects with the SDK's typed exception `cls`, HTTP `status` and a matching message. */
async function rejectsWith<T extends ECSServiceException>(
  p: Promise<unknown>, cls: abstract new (...args: never[]) => T, message: string | RegExp, status = 400,
): Promise<T> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected ${cls.name}, but the call succeeded`);
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${(caught as Error)?.name}: ${(caught as Error)?.message}`);
  assert.ok(caught instanceof ECSServiceException);
  assert.equal(caught.name, cls.name);
  assert.equal(caught.$metadata.httpStatusCode, status);
  assert.equal(caught.$fault, status >= 500 ? 'server' : 'client');
  assert.match(caught.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/, 'x-amzn-RequestId reaches the SDK');
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  return caught;
}

function assertNearNow(value: unknown, what: string, slackMs = 120_000): void {
  assert.ok(value instanceof Date, `${what} deserializes as a Date, got ${typeof value} ${String(value)}`);
  assert.ok(!Number.isNaN(value.getTime()), `${what} is a valid Date`);
  assert.ok(Math.abs(value.getTime() - Date.now()) < slackMs, `${what} ${value.toISOString()} is near now`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

before(async () => {
  pier = await startPier();
  ecs = new ECSClient({
    endpoint: pier.endpoint,
    region: pier.region,
    credentials: { accessKeyId: pier.accessKeyId, secretAccessKey: pier.secretAccessKey },
    maxAttempts: 1,
  });
  host = await TestHost.register(pier.endpoint, pier.dataDir, { capacity: { cpu: 64 * 1024, memory: 256 * 1024, ephemeralStorageGiB: 10_000 } });
  const target = { endpoint: pier.endpoint, region: pier.region, credentials: pier };
  ec2Target = target;
  const net = await defaultNetwork(target);
  VPC = net.vpcId;
  SUBNET = net.subnetByZone.get(`${pier.region}a`)!;
  SUBNET_2 = await createSubnet(target, net.vpcId, '172.31.240.0/24', `${pier.region}a`);
  SECURITY_GROUP = net.securityGroupId;
  NETWORK = { awsvpcConfiguration: { subnets: [SUBNET] } };
});

after(async () => {
  ecs?.destroy();
  await pier?.destroy();
});

describe('clusters', () => {
  test('create, describe with include, list, update, put capacity providers, delete', async () => {
    const name = unique('sdk-cluster');
    const created = await ecs.send(new CreateClusterCommand({
      clusterName: name,
      tags: [{ key: 'team', value: 'platform' }],
      settings: [{ name: 'containerInsights', value: 'disabled' }],
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    }));
    assert.equal(created.$metadata.httpStatusCode, 200);
    const arn = `arn:aws:ecs:${pier.region}:`;
    assert.ok(created.cluster?.clusterArn?.startsWith(arn), created.cluster?.clusterArn);
    assert.match(created.cluster!.clusterArn!, new RegExp(`^arn:aws:ecs:${pier.region}:\\d{12}:cluster/${name}$`));
    assert.equal(created.cluster?.clusterName, name);
    assert.equal(created.cluster?.status, 'ACTIVE');
    assert.deepEqual(created.cluster?.capacityProviders, ['FARGATE', 'FARGATE_SPOT']);
    assert.deepEqual(created.cluster?.defaultCapacityProviderStrategy, [{ capacityProvider: 'FARGATE', weight: 1 }]);

    // CreateCluster on an existing ACTIVE cluster returns it (idempotent).
    const again = await ecs.send(new CreateClusterCommand({ clusterName: name }));
    assert.equal(again.cluster?.clusterArn, created.cluster?.clusterArn);

    const described = await ecs.send(new DescribeClustersCommand({
      clusters: [name, created.cluster!.clusterArn!, 'no-such-cluster-sdk'], include: ['TAGS', 'SETTINGS', 'STATISTICS'],
    }));
    assert.equal(described.clusters?.length, 2, 'name and ARN both resolve');
    const c = described.clusters![0]!;
    assert.deepEqual(c.tags, [{ key: 'team', value: 'platform' }]);
    assert.deepEqual(c.settings, [{ name: 'containerInsights', value: 'disabled' }]);
    assert.equal(c.runningTasksCount, 0);
    assert.equal(c.pendingTasksCount, 0);
    assert.ok(c.statistics?.some((s) => s.name === 'runningFargateTasksCount' && s.value === '0'), JSON.stringify(c.statistics));
    assert.deepEqual(described.failures, [{ arn: `arn:aws:ecs:${pier.region}:${c.clusterArn!.split(':')[4]}:cluster/no-such-cluster-sdk`, reason: 'MISSING' }]);

    const plain = await ecs.send(new DescribeClustersCommand({ clusters: [name] }));
    assert.deepEqual(plain.clusters?.[0]?.tags ?? [], [], 'tags only with include=TAGS');

    const listed = await ecs.send(new ListClustersCommand({}));
    assert.ok(listed.clusterArns?.includes(created.cluster!.clusterArn!));

    const updated = await ecs.send(new UpdateClusterCommand({ cluster: name, settings: [{ name: 'containerInsights', value: 'enabled' }] }));
    assert.deepEqual(updated.cluster?.settings, [{ name: 'containerInsights', value: 'enabled' }]);
    const updated2 = await ecs.send(new UpdateClusterSettingsCommand({ cluster: created.cluster!.clusterArn!, settings: [{ name: 'containerInsights', value: 'enhanced' }] }));
    assert.deepEqual(updated2.cluster?.settings, [{ name: 'containerInsights', value: 'enhanced' }]);

    const put = await ecs.send(new PutClusterCapacityProvidersCommand({
      cluster: name, capacityProviders: ['FARGATE_SPOT'], defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 2, base: 1 }],
    }));
    assert.deepEqual(put.cluster?.capacityProviders, ['FARGATE_SPOT'], 'PutClusterCapacityProviders replaces the list');
    assert.deepEqual(put.cluster?.defaultCapacityProviderStrategy, [{ capacityProvider: 'FARGATE_SPOT', weight: 2, base: 1 }]);
    const afterPut = await ecs.send(new DescribeClustersCommand({ clusters: [name] }));
    assert.deepEqual(afterPut.clusters?.[0]?.capacityProviders, ['FARGATE_SPOT']);

    await rejectsWith(ecs.send(new PutClusterCapacityProvidersCommand({
      cluster: name, capacityProviders: ['FARGATE'], defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    })), InvalidParameterException, /not associated with the cluster/);

    const deleted = await ecs.send(new DeleteClusterCommand({ cluster: name }));
    assert.equal(deleted.cluster?.status, 'INACTIVE');
    const listedAfter = await ecs.send(new ListClustersCommand({}));
    assert.ok(!listedAfter.clusterArns?.includes(created.cluster!.clusterArn!), 'deleted clusters leave ListClusters');
    const describedAfter = await ecs.send(new DescribeClustersCommand({ clusters: [name] }));
    assert.equal(describedAfter.clusters?.[0]?.status, 'INACTIVE', 'deleted clusters stay describable as INACTIVE');
  });

  test('errors on clusters surface as typed SDK exceptions', async () => {
    await rejectsWith(ecs.send(new DeleteClusterCommand({ cluster: unique('missing') })), ClusterNotFoundException, 'Cluster not found.');
    await rejectsWith(ecs.send(new UpdateClusterCommand({ cluster: unique('missing'), settings: [] })), ClusterNotFoundException, 'Cluster not found.');
    await rejectsWith(ecs.send(new ListTasksCommand({ cluster: unique('missing') })), ClusterNotFoundException, 'Cluster not found.');
    await rejectsWith(ecs.send(new CreateClusterCommand({ clusterName: 'bad name!' })), InvalidParameterException, /Cluster name/);
    await rejectsWith(ecs.send(new CreateClusterCommand({ clusterName: unique('c'), capacityProviders: ['MY_ASG'] })),
      InvalidParameterException, /capacity provider 'MY_ASG'/);
    await rejectsWith(ecs.send(new UpdateClusterSettingsCommand({ cluster: 'default', settings: [{ name: 'containerInsights', value: 'sometimes' }] })),
      InvalidParameterException, /containerInsights/);

    const name = unique('gone');
    await createCluster(name);
    await ecs.send(new DeleteClusterCommand({ cluster: name }));
    await rejectsWith(ecs.send(new DeleteClusterCommand({ cluster: name })), ClusterNotFoundException, 'Cluster not found.');
  });

  test('a cluster with tasks cannot be deleted: ClusterContainsTasksException', async () => {
    const cluster = unique('busy');
    await createCluster(cluster);
    const family = unique('busy-fam');
    await registerFamily(family);
    const [task] = await runTasks({ cluster, taskDefinition: family });
    await rejectsWith(ecs.send(new DeleteClusterCommand({ cluster })), ClusterContainsTasksException, 'The Cluster cannot be deleted while Tasks are active.');
    await ecs.send(new StopTaskCommand({ cluster, task: task!.taskArn! }));
    await host.exitTask(task!.taskArn!, { app: 143 });
    const deleted = await ecs.send(new DeleteClusterCommand({ cluster }));
    assert.equal(deleted.cluster?.status, 'INACTIVE');
  });
});

describe('task definitions', () => {
  test('register, describe, list, families, deregister, delete', async () => {
    const family = unique('sdk-td');
    const reg1 = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(family, {
      tags: [{ key: 'app', value: 'web' }],
      cpu: '.25 vCPU',
      memory: '0.5GB',
    })));
    const td1 = reg1.taskDefinition!;
    assert.match(td1.taskDefinitionArn!, new RegExp(`^arn:aws:ecs:${pier.region}:\\d{12}:task-definition/${family}:1$`));
    assert.equal(td1.revision, 1);
    assert.equal(td1.status, 'ACTIVE');
    assert.equal(td1.cpu, '256');
    assert.equal(td1.memory, '512');
    assert.ok(td1.compatibilities?.includes('FARGATE'), JSON.stringify(td1.compatibilities));
    assert.equal(td1.containerDefinitions?.[0]?.name, 'app');
    assert.equal(td1.containerDefinitions?.[0]?.essential, true);
    assertNearNow(td1.registeredAt, 'registeredAt');
    assert.match(td1.registeredBy ?? '', /^arn:aws:iam::\d{12}:root$/);
    assert.deepEqual(reg1.tags, [{ key: 'app', value: 'web' }]);

    const reg2 = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(family, { cpu: '512', memory: '1024' })));
    assert.equal(reg2.taskDefinition?.revision, 2);

    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family }));
    assert.equal(latest.taskDefinition?.revision, 2, 'a bare family means the latest ACTIVE revision');
    assert.equal(latest.tags, undefined, 'tags only with include=TAGS');
    const byRev = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `${family}:1`, include: ['TAGS'] }));
    assert.equal(byRev.taskDefinition?.cpu, '256');
    assert.deepEqual(byRev.tags, [{ key: 'app', value: 'web' }]);
    const byArn = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: td1.taskDefinitionArn! }));
    assert.equal(byArn.taskDefinition?.revision, 1);
    assertNearNow(byArn.taskDefinition?.registeredAt, 'described registeredAt');

    const listed = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family }));
    assert.deepEqual(listed.taskDefinitionArns, [td1.taskDefinitionArn, reg2.taskDefinition!.taskDefinitionArn]);
    const desc = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, sort: 'DESC' }));
    assert.deepEqual(desc.taskDefinitionArns, [reg2.taskDefinition!.taskDefinitionArn, td1.taskDefinitionArn]);
    const families = await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: family }));
    assert.deepEqual(families.families, [family]);

    const dereg = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: `${family}:1` }));
    assert.equal(dereg.taskDefinition?.status, 'INACTIVE');
    assertNearNow(dereg.taskDefinition?.deregisteredAt, 'deregisteredAt');
    const activeOnly = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family }));
    assert.deepEqual(activeOnly.taskDefinitionArns, [reg2.taskDefinition!.taskDefinitionArn]);
    const inactive = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'INACTIVE' }));
    assert.deepEqual(inactive.taskDefinitionArns, [td1.taskDefinitionArn]);

    // A deregistered revision cannot start tasks.
    await rejectsWith(ecs.send(new RunTaskCommand({ taskDefinition: `${family}:1`, launchType: 'FARGATE', networkConfiguration: NETWORK })),
      ClientException, 'TaskDefinition is inactive');

    const deleted = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [`${family}:1`, `${family}:2`, `${family}:99`] }));
    assert.equal(deleted.taskDefinitions?.length, 1);
    assert.equal(deleted.taskDefinitions?.[0]?.status, 'DELETE_IN_PROGRESS');
    assertNearNow(deleted.taskDefinitions?.[0]?.deleteRequestedAt, 'deleteRequestedAt');
    assert.equal(deleted.failures?.length, 2);
    assert.match(deleted.failures?.find((f) => f.arn?.endsWith(`${family}:2`))?.reason ?? '', /ACTIVE/);
    assert.match(deleted.failures?.find((f) => f.arn?.endsWith(`${family}:99`))?.reason ?? '', /does not exist/);

    // Revision numbers are never reused, even after deletion.
    const reg3 = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(family)));
    assert.equal(reg3.taskDefinition?.revision, 3);
  });

  test('ListTaskDefinitionFamilies: by default ACTIVE and INACTIVE families; status narrows', async () => {
    const live = unique('fam-live');
    const retired = unique('fam-retired');
    await registerFamily(live);
    await registerFamily(retired);
    await registerFamily(retired);
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: `${retired}:1` }));
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: `${retired}:2` }));
    const prefix = live.slice(0, live.indexOf('-live'));
    const family = async (status?: 'ACTIVE' | 'INACTIVE' | 'ALL'): Promise<string[]> =>
      ((await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: prefix, ...(status ? { status } : {}) }))).families ?? [])
        .filter((f) => f === live || f === retired);
    assert.deepEqual(await family('ACTIVE'), [live]);
    assert.deepEqual(await family('INACTIVE'), [retired], 'INACTIVE: families without an ACTIVE revision');
    assert.deepEqual((await family('ALL')).sort(), [live, retired].sort());
    // The ECS API reference: "By default, both ACTIVE and INACTIVE task definition families are listed."
    assert.deepEqual((await family()).sort(), [live, retired].sort(), 'no status lists ACTIVE and INACTIVE families');
  });

  test('errors on task definitions surface as typed SDK exceptions', async () => {
    await rejectsWith(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: unique('nope') })), ClientException, 'Unable to describe task definition.');
    await rejectsWith(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `${unique('nope')}:7` })), ClientException, 'Unable to describe task definition.');
    await rejectsWith(ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(unique('bad'), { cpu: '256', memory: '4096' }))),
      ClientException, /^No Fargate configuration exists for given values/);
    await rejectsWith(ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(unique('bad'), { cpu: '300' }))),
      ClientException, /cpu/i);
    await rejectsWith(ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(unique('bad'), { networkMode: 'bridge' }))),
      ClientException, /awsvpc/);
    await rejectsWith(ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: unique('nope') })), ClientException, /revision/);
  });
});

describe('tasks', () => {
  let cluster: string;
  let clusterArn: string;
  let family: string;
  let tdArn: string;

  before(async () => {
    cluster = unique('sdk-tasks');
    clusterArn = await createCluster(cluster);
    family = unique('sdk-task-fam');
    tdArn = await registerFamily(family, { containerDefinitions: [{ name: 'app', image: 'nginx' }, { name: 'sidecar', image: 'busybox', essential: false }] });
  });

  test('RunTask places tasks on the test host; DescribeTasks, ListTasks with filters, StopTask', async () => {
    const out = await ecs.send(new RunTaskCommand({
      cluster, taskDefinition: family, count: 2, launchType: 'FARGATE', startedBy: 'sdk-test',
      networkConfiguration: { awsvpcConfiguration: { subnets: [SUBNET, SUBNET_2], securityGroups: [SECURITY_GROUP] } },
      tags: [{ key: 'run', value: '1' }],
      overrides: { containerOverrides: [{ name: 'app', environment: [{ name: 'MODE', value: 'test' }] }] },
    }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.deepEqual(out.failures, []);
    assert.equal(out.tasks?.length, 2);
    for (const t of out.tasks!) {
      assert.match(t.taskArn!, new RegExp(`^arn:aws:ecs:${pier.region}:\\d{12}:task/${cluster}/[0-9a-f]{32}$`));
      assert.equal(t.clusterArn, clusterArn);
      assert.equal(t.taskDefinitionArn, tdArn);
      assert.equal(t.lastStatus, 'PROVISIONING');
      assert.equal(t.desiredStatus, 'RUNNING');
      assert.equal(t.launchType, 'FARGATE');
      assert.equal(t.platformVersion, '1.4.0');
      assert.equal(t.platformFamily, 'Linux');
      assert.equal(t.cpu, '256');
      assert.equal(t.memory, '512');
      assert.equal(t.group, `family:${family}`);
      assert.equal(t.startedBy, 'sdk-test');
      assert.equal(t.version, 1);
      assert.match(t.availabilityZone ?? '', new RegExp(`^${pier.region}[a-z]$`));
      assert.deepEqual(t.containers?.map((c) => [c.name, c.lastStatus]), [['app', 'PENDING'], ['sidecar', 'PENDING']]);
      assert.equal(t.attachments?.[0]?.type, 'ElasticNetworkInterface');
      assert.equal(t.attachments?.[0]?.status, 'PRECREATED');
      assert.ok(t.overrides?.containerOverrides?.some((o) => o.name === 'app' && o.environment?.[0]?.value === 'test'), JSON.stringify(t.overrides));
      assertNearNow(t.createdAt, 'task createdAt');
      assert.equal(t.startedAt, undefined);
    }
    const subnets = out.tasks!.map((t) => t.attachments?.[0]?.details?.find((d) => d.name === 'subnetId')?.value).sort();
    assert.deepEqual(subnets, [SUBNET, SUBNET_2].sort(), 'tasks are spread over the given subnets');
    const [a, b] = out.tasks! as [Task, Task];

    // The test host sees both and walks one to RUNNING.
    const assigned = await host.tasks();
    assert.ok(assigned.tasks.some((t) => t.taskArn === a.taskArn));
    await host.runTask(a.taskArn!, ['app', 'sidecar']);

    const described = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [a.taskArn!, b.taskArn!.split('/').pop()!, 'ffffffffffffffffffffffffffffffff'], include: ['TAGS'] }));
    assert.equal(described.tasks?.length, 2);
    const da = described.tasks!.find((t) => t.taskArn === a.taskArn)!;
    assert.equal(da.lastStatus, 'RUNNING');
    assert.equal(da.connectivity, 'CONNECTED');
    assertNearNow(da.startedAt, 'startedAt');
    assertNearNow(da.pullStartedAt, 'pullStartedAt');
    assertNearNow(da.pullStoppedAt, 'pullStoppedAt');
    assertNearNow(da.connectivityAt, 'connectivityAt');
    assert.ok(da.version! > 1);
    assert.deepEqual(da.tags, [{ key: 'run', value: '1' }]);
    assert.deepEqual(described.failures, [{ arn: `${clusterArn.replace(':cluster/', ':task/')}/ffffffffffffffffffffffffffffffff`, reason: 'MISSING' }]);

    const counts = await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
    assert.equal(counts.clusters?.[0]?.runningTasksCount, 1);
    assert.equal(counts.clusters?.[0]?.pendingTasksCount, 1);

    // ListTasks: defaults to desiredStatus RUNNING; filters by family and startedBy.
    const all = await ecs.send(new ListTasksCommand({ cluster }));
    assert.deepEqual([...all.taskArns!].sort(), [a.taskArn, b.taskArn].sort());
    const byFamily = await ecs.send(new ListTasksCommand({ cluster, family }));
    assert.equal(byFamily.taskArns?.length, 2);
    const byOtherFamily = await ecs.send(new ListTasksCommand({ cluster, family: unique('other') }));
    assert.deepEqual(byOtherFamily.taskArns, []);
    const byStartedBy = await ecs.send(new ListTasksCommand({ cluster, startedBy: 'sdk-test' }));
    assert.equal(byStartedBy.taskArns?.length, 2);
    const byOtherStarter = await ecs.send(new ListTasksCommand({ cluster, startedBy: 'someone-else' }));
    assert.deepEqual(byOtherStarter.taskArns, []);
    const byLaunchType = await ecs.send(new ListTasksCommand({ cluster, launchType: 'EC2' }));
    assert.deepEqual(byLaunchType.taskArns, []);

    // StopTask: desiredStatus STOPPED at once, lastStatus still what the host last said.
    const stopped = await ecs.send(new StopTaskCommand({ cluster, task: a.taskArn!, reason: 'done testing' }));
    assert.equal(stopped.task?.desiredStatus, 'STOPPED');
    assert.equal(stopped.task?.lastStatus, 'RUNNING');
    assert.equal(stopped.task?.stopCode, 'UserInitiated');
    assert.equal(stopped.task?.stoppedReason, 'done testing');
    assertNearNow(stopped.task?.stoppingAt, 'stoppingAt');

    const running = await ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'RUNNING' }));
    assert.deepEqual(running.taskArns, [b.taskArn]);
    const stoppedList = await ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'STOPPED' }));
    assert.deepEqual(stoppedList.taskArns, [a.taskArn]);

    await host.exitTask(a.taskArn!, { app: 0, sidecar: 0 });
    const final = await describeTask(cluster, a.taskArn!);
    assert.equal(final.lastStatus, 'STOPPED');
    assert.equal(final.stopCode, 'UserInitiated', 'the first stop reason wins');
    assertNearNow(final.stoppedAt, 'stoppedAt');
    assertNearNow(final.executionStoppedAt, 'executionStoppedAt');
    assert.deepEqual(final.containers?.map((c) => [c.name, c.lastStatus, c.exitCode]), [['app', 'STOPPED', 0], ['sidecar', 'STOPPED', 0]]);

    // Stopping the never-started one too.
    const stopB = await ecs.send(new StopTaskCommand({ cluster, task: b.taskArn! }));
    assert.equal(stopB.task?.stoppedReason, 'Task stopped by user');
    await host.exitTask(b.taskArn!, { app: 137 });
  });

  test('RunTask and StopTask errors are typed', async () => {
    await rejectsWith(ecs.send(new RunTaskCommand({ cluster: unique('nowhere'), taskDefinition: family, networkConfiguration: NETWORK })),
      ClusterNotFoundException, 'Cluster not found.');
    await rejectsWith(ecs.send(new RunTaskCommand({ cluster, taskDefinition: family, launchType: 'FARGATE' })),
      InvalidParameterException, "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    await rejectsWith(ecs.send(new RunTaskCommand({ cluster, taskDefinition: unique('missing-fam'), networkConfiguration: NETWORK })),
      ClientException, 'Unable to describe task definition.');
    await rejectsWith(ecs.send(new RunTaskCommand({ cluster, taskDefinition: family, count: 11, networkConfiguration: NETWORK })),
      InvalidParameterException, /count/);
    await rejectsWith(ecs.send(new RunTaskCommand({ cluster, taskDefinition: family, networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-nothex'] } } })),
      InvalidParameterException, /subnet/);
    await rejectsWith(ecs.send(new RunTaskCommand({ cluster, taskDefinition: family, networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } } })),
      InvalidParameterException, /The subnet ID 'subnet-0123456789abcdef0' does not exist/);
    await rejectsWith(ecs.send(new RunTaskCommand({ cluster, taskDefinition: family, networkConfiguration: { awsvpcConfiguration: { subnets: [SUBNET], securityGroups: ['sg-0123456789abcdef0'] } } })),
      InvalidParameterException, /The security group 'sg-0123456789abcdef0' does not exist/);
    await rejectsWith(ecs.send(new RunTaskCommand({ cluster, taskDefinition: family, platformVersion: '9.9.9', networkConfiguration: NETWORK })),
      PlatformUnknownException, /9\.9\.9/);
    await rejectsWith(ecs.send(new StopTaskCommand({ cluster, task: 'ffffffffffffffffffffffffffffffff' })),
      InvalidParameterException, 'The referenced task was not found.');
    await rejectsWith(ecs.send(new DescribeTasksCommand({ cluster: unique('nowhere'), tasks: ['ffffffffffffffffffffffffffffffff'] })),
      ClusterNotFoundException, 'Cluster not found.');
  });

  test('clientToken: a replay returns the same tasks; other parameters give ConflictException with resourceIds', async () => {
    const clientToken = unique('token');
    const first = await runTasks({ cluster, taskDefinition: family, clientToken, count: 2 });
    const replay = await runTasks({ cluster, taskDefinition: family, clientToken, count: 2 });
    assert.deepEqual(replay.map((t) => t.taskArn).sort(), first.map((t) => t.taskArn).sort());
    const listed = await ecs.send(new ListTasksCommand({ cluster, family }));
    for (const t of first) assert.ok(listed.taskArns?.includes(t.taskArn!));

    const conflict = await rejectsWith(
      ecs.send(new RunTaskCommand({ cluster, taskDefinition: family, clientToken, count: 1, launchType: 'FARGATE', networkConfiguration: NETWORK })),
      ConflictException, /clientToken/);
    assert.deepEqual([...(conflict.resourceIds ?? [])].sort(), first.map((t) => t.taskArn).sort());
    for (const t of first) await ecs.send(new StopTaskCommand({ cluster, task: t.taskArn! }));
    for (const t of first) await host.exitTask(t.taskArn!, { app: 143 });
  });
});

describe('tags', () => {
  test('tag, list and untag clusters, task definitions and tasks', async () => {
    const cluster = unique('sdk-tags');
    const clusterArn = await createCluster(cluster);
    const family = unique('sdk-tags-fam');
    const tdArn = await registerFamily(family);
    const [task] = await runTasks({ cluster, taskDefinition: family });

    for (const arn of [clusterArn, tdArn, task!.taskArn!]) {
      await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] }));
      await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'b', value: '3' }] }));
      const listed = await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
      assert.deepEqual([...listed.tags!].sort((x, y) => x.key!.localeCompare(y.key!)), [{ key: 'a', value: '1' }, { key: 'b', value: '3' }], arn);
      await ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a'] }));
      const afterUntag = await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
      assert.deepEqual(afterUntag.tags, [{ key: 'b', value: '3' }], arn);
    }
    const withTags = await ecs.send(new DescribeClustersCommand({ clusters: [cluster], include: ['TAGS'] }));
    assert.deepEqual(withTags.clusters?.[0]?.tags, [{ key: 'b', value: '3' }]);

    // StopTask deletes the task's tags.
    await ecs.send(new StopTaskCommand({ cluster, task: task!.taskArn! }));
    const afterStop = await ecs.send(new ListTagsForResourceCommand({ resourceArn: task!.taskArn! }));
    assert.deepEqual(afterStop.tags, []);
    await host.exitTask(task!.taskArn!, { app: 143 });

    const missing = clusterArn.replace(`cluster/${cluster}`, `cluster/${unique('no-such')}`);
    await rejectsWith(ecs.send(new TagResourceCommand({ resourceArn: missing, tags: [{ key: 'a', value: '1' }] })),
      InvalidParameterException, 'The specified resource could not be found.');
    await rejectsWith(ecs.send(new ListTagsForResourceCommand({ resourceArn: 'not-an-arn' })), InvalidParameterException, /ARN/);
    await rejectsWith(ecs.send(new TagResourceCommand({ resourceArn: clusterArn, tags: [{ key: 'aws:reserved', value: 'x' }] })),
      InvalidParameterException, /aws:/);
  });
});

describe('paginators', () => {
  async function collect<T>(pages: AsyncIterable<T>, pick: (page: T) => string[] | undefined): Promise<{ items: string[]; pages: number }> {
    const items: string[] = [];
    let count = 0;
    for await (const page of pages) {
      count += 1;
      items.push(...(pick(page) ?? []));
      assert.ok(count < 200, 'paginator terminates');
    }
    return { items, pages: count };
  }

  function assertEachOnce(items: string[], expected: string[], what: string): void {
    assert.equal(new Set(items).size, items.length, `${what}: no item is returned twice: ${JSON.stringify(items)}`);
    const missing = expected.filter((e) => !items.includes(e));
    assert.deepEqual(missing, [], `${what}: every item is returned`);
  }

  test('paginateListClusters walks every page, each cluster once', async () => {
    const prefix = unique('pgc');
    const arns: string[] = [];
    for (let i = 0; i < 7; i++) arns.push(await createCluster(`${prefix}-${i}`));
    const { items, pages } = await collect(paginateListClusters({ client: ecs, pageSize: 2 }, {}), (p) => p.clusterArns);
    assertEachOnce(items, arns, 'ListClusters');
    const all = await ecs.send(new ListClustersCommand({ maxResults: 100 }));
    assert.deepEqual([...items].sort(), [...all.clusterArns!].sort(), 'the pages together equal one big page');
    assert.equal(pages, Math.ceil(all.clusterArns!.length / 2));
  });

  // ListTaskDefinitions' familyPrefix is the full family name (as ECS documents it), so the walk lists
  // everything and keeps this test's families; other tests' revisions on the same server are ignored.
  async function walkTaskDefinitions(families: string[]): Promise<void> {
    const expected: string[] = [];
    for (const family of families) {
      for (let i = 0; i < 3; i++) expected.push(await registerFamily(family));
    }
    const mine = (arns: string[]): string[] => arns.filter((a) => expected.includes(a));
    const missing: Record<string, string[]> = {};
    const walked: Record<string, string[]> = {};
    for (const sort of ['ASC', 'DESC'] as const) {
      const { items } = await collect(paginateListTaskDefinitions({ client: ecs, pageSize: 2 }, { sort }), (p) => p.taskDefinitionArns);
      const single = await ecs.send(new ListTaskDefinitionsCommand({ sort, maxResults: 100 }));
      assert.deepEqual([...mine(single.taskDefinitionArns!)].sort(), [...expected].sort(), `one big ${sort} page has every revision`);
      assert.equal(new Set(items).size, items.length, `${sort}: no revision is returned twice`);
      missing[sort] = expected.filter((e) => !items.includes(e)).map((arn) => arn.slice(arn.indexOf('/') + 1));
      walked[sort] = mine(items);
    }
    assert.deepEqual(missing, { ASC: [], DESC: [] }, 'every revision is returned when walking pages of 2');
    const single = await ecs.send(new ListTaskDefinitionsCommand({ sort: 'ASC', maxResults: 100 }));
    assert.deepEqual(walked.ASC, mine(single.taskDefinitionArns!), 'pages in order equal one big page');
    assert.deepEqual(walked.DESC, [...mine(single.taskDefinitionArns!)].reverse());
    const exact = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: families[0]! }));
    assert.deepEqual(exact.taskDefinitionArns, expected.filter((a) => a.includes(`/${families[0]}:`)), 'familyPrefix names one whole family');
  }

  test('paginateListTaskDefinitions walks every page, each revision once', async () => {
    const base = unique('pgt');
    await walkTaskDefinitions([`${base}-a`, `${base}-b`, `${base}-c`]);
  });

  test('paginateListTaskDefinitions also returns families whose name extends another family (web, web-worker, web2)', async () => {
    const base = unique('pgx');
    await walkTaskDefinitions([base, `${base}-worker`, `${base}2`, `${base}_x`]);
  });

  test('paginateListTaskDefinitionFamilies walks every page, each family once', async () => {
    const base = unique('pgf');
    const families = [base, `${base}-a`, `${base}-b`, `${base}0`, `${base}_z`];
    for (const f of families) await registerFamily(f);
    const { items } = await collect(paginateListTaskDefinitionFamilies({ client: ecs, pageSize: 2 }, { familyPrefix: base }), (p) => p.families);
    assertEachOnce(items, families, 'ListTaskDefinitionFamilies');
    assert.equal(items.length, families.length);
    assert.deepEqual(items, [...families].sort());
  });

  test('paginateListTasks walks every page, each task once', async () => {
    const cluster = unique('pg-tasks');
    await createCluster(cluster);
    const family = unique('pg-task-fam');
    await registerFamily(family);
    const tasks = [...await runTasks({ cluster, taskDefinition: family, count: 5 }), ...await runTasks({ cluster, taskDefinition: family, count: 2 })];
    const arns = tasks.map((t) => t.taskArn!);
    const { items, pages } = await collect(paginateListTasks({ client: ecs, pageSize: 2 }, { cluster }), (p) => p.taskArns);
    assertEachOnce(items, arns, 'ListTasks');
    assert.equal(items.length, 7);
    assert.equal(pages, 4);
    const { items: byFamily } = await collect(paginateListTasks({ client: ecs, pageSize: 3 }, { cluster, family }), (p) => p.taskArns);
    assert.deepEqual([...byFamily].sort(), [...arns].sort());
    for (const arn of arns) {
      await ecs.send(new StopTaskCommand({ cluster, task: arn }));
      await host.exitTask(arn, { app: 143 });
    }
    const { items: stopped } = await collect(paginateListTasks({ client: ecs, pageSize: 2 }, { cluster, desiredStatus: 'STOPPED' }), (p) => p.taskArns);
    assert.deepEqual([...stopped].sort(), [...arns].sort());
  });
});

describe('waiters', () => {
  const waiterConfig = (): { client: ECSClient; minDelay: number; maxDelay: number; maxWaitTime: number } =>
    ({ client: ecs, minDelay: 0.2, maxDelay: 0.5, maxWaitTime: 20 });

  test('waitUntilTasksRunning and waitUntilTasksStopped succeed as the host reports transitions', async () => {
    const cluster = unique('sdk-wait');
    await createCluster(cluster);
    const family = unique('sdk-wait-fam');
    await registerFamily(family);
    const tasks = await runTasks({ cluster, taskDefinition: family, count: 2 });
    const arns = tasks.map((t) => t.taskArn!);

    const started = Date.now();
    const waiting = waitUntilTasksRunning(waiterConfig(), { cluster, tasks: arns });
    await sleep(600);
    for (const arn of arns) {
      await host.report(arn, { lastStatus: 'PENDING', pullStartedAt: Date.now(), pullStoppedAt: Date.now() });
    }
    await sleep(400);
    for (const arn of arns) await host.report(arn, { lastStatus: 'RUNNING', containers: [{ name: 'app', lastStatus: 'RUNNING' }] });
    const running = await waiting;
    assert.equal(running.state, 'SUCCESS');
    assert.ok(Date.now() - started >= 900, 'the waiter waited for the transitions');
    const now = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }));
    assert.deepEqual(now.tasks?.map((t) => t.lastStatus), ['RUNNING', 'RUNNING']);

    for (const arn of arns) await ecs.send(new StopTaskCommand({ cluster, task: arn }));
    const waitingStop = waitUntilTasksStopped(waiterConfig(), { cluster, tasks: arns });
    await sleep(500);
    for (const arn of arns) await host.report(arn, { lastStatus: 'STOPPING' });
    await sleep(300);
    for (const arn of arns) await host.exitTask(arn, { app: 143 });
    const stopped = await waitingStop;
    assert.equal(stopped.state, 'SUCCESS');
    const final = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }));
    assert.deepEqual(final.tasks?.map((t) => t.lastStatus), ['STOPPED', 'STOPPED']);
  });

  test('waitUntilTasksRunning fails fast when a task stops or is missing', async () => {
    const cluster = unique('sdk-wait-fail');
    await createCluster(cluster);
    const family = unique('sdk-wait-fail-fam');
    await registerFamily(family);
    const [task] = await runTasks({ cluster, taskDefinition: family });
    const started = Date.now();
    const waiting = waitUntilTasksRunning(waiterConfig(), { cluster, tasks: [task!.taskArn!] });
    await sleep(300);
    await host.report(task!.taskArn!, { lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: pull access denied' });
    await assert.rejects(waiting, (err: Error) => {
      assert.match(err.message, /FAILURE/);
      return true;
    });
    assert.ok(Date.now() - started < 10_000, 'a STOPPED task fails the waiter at once');
    const t = await describeTask(cluster, task!.taskArn!);
    assert.equal(t.stopCode, 'TaskFailedToStart');
    assert.equal(t.stoppedReason, 'CannotPullContainerError: pull access denied');

    await assert.rejects(
      waitUntilTasksRunning(waiterConfig(), { cluster, tasks: ['0123456789abcdef0123456789abcdef'] }),
      (err: Error) => /FAILURE/.test(err.message));
  });
});

describe('RunTask and the VPC: every task an address of its own', () => {
  let cluster: string;
  let family: string;

  before(async () => {
    cluster = unique('ipam');
    await createCluster(cluster);
    family = unique('ipam-fam');
    await registerFamily(family);
  });

  /** The task's address as its host is told (the ENI the control plane allocated). */
  async function addressesOf(arns: string[]): Promise<Map<string, string>> {
    const assigned = (await host.tasks()).tasks.filter((t) => arns.includes(t.taskArn));
    return new Map(assigned.map((t) => [t.taskArn, t.eni?.privateIpv4Address ?? '']));
  }

  async function stopAll(arns: string[]): Promise<void> {
    for (const arn of arns) {
      await ecs.send(new StopTaskCommand({ cluster, task: arn }));
      await host.exitTask(arn, { app: 143 });
    }
  }

  test('50 concurrent RunTasks never share an address', async () => {
    const outs = await Promise.all(Array.from({ length: 50 }, () => ecs.send(new RunTaskCommand({
      cluster, taskDefinition: family, launchType: 'FARGATE', networkConfiguration: NETWORK,
    }))));
    const arns = outs.flatMap((o) => o.tasks!.map((t) => t.taskArn!));
    assert.equal(arns.length, 50, JSON.stringify(outs.flatMap((o) => o.failures)));
    const ips = [...(await addressesOf(arns)).values()];
    assert.equal(ips.length, 50);
    assert.equal(new Set(ips).size, 50, 'fifty distinct addresses');
    for (const ip of ips) assert.match(ip, /^172\.31\.(\d|1[0-5])\.\d+$/, `${ip} is in the zone-a default subnet 172.31.0.0/20`);
    await stopAll(arns);
  });

  test('a full /28 fails placement with a clear reason while another subnet keeps launching; a stopped task frees its address', async () => {
    const small = await createSubnet(ec2Target, VPC, '172.31.241.0/28', `${pier.region}a`);
    const inSmall = { awsvpcConfiguration: { subnets: [small] } };
    const first = await runTasks({ cluster, taskDefinition: family, count: 10, networkConfiguration: inSmall });
    const eleventh = await runTasks({ cluster, taskDefinition: family, networkConfiguration: inSmall });
    const held = [...first, ...eleventh].map((t) => t.taskArn!);
    const ips = [...(await addressesOf(held)).values()].sort((a, b) => Number(a.split('.')[3]) - Number(b.split('.')[3]));
    assert.deepEqual(ips, Array.from({ length: 11 }, (_, i) => `172.31.241.${i + 4}`), 'AWS reserves .0-.3 and .15 of a /28: eleven addresses');

    const full = await ecs.send(new RunTaskCommand({ cluster, taskDefinition: family, launchType: 'FARGATE', networkConfiguration: inSmall }));
    assert.deepEqual(full.tasks, []);
    assert.equal(full.failures?.length, 1);
    assert.equal(full.failures![0]!.reason, 'RESOURCE:ENI');
    assert.match(full.failures![0]!.detail ?? '', new RegExp(`No free IPv4 address is left in subnet ${small}`));
    const elsewhere = await runTasks({ cluster, taskDefinition: family, networkConfiguration: NETWORK });
    assert.equal(elsewhere.length, 1, 'a task in another subnet still launches');

    await stopAll([held[0]!]);
    const again = await runTasks({ cluster, taskDefinition: family, networkConfiguration: inSmall });
    assert.equal((await addressesOf([again[0]!.taskArn!])).get(again[0]!.taskArn!), ips[0], 'the freed address is handed out again');
    await stopAll([...held.slice(1), again[0]!.taskArn!, elsewhere[0]!.taskArn!]);
  });
});
