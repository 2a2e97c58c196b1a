/**
 * Services with the real AWS CLI v2 against a real `pier up` whose hosts are test hosts speaking
 * the agent protocol (three, one per availability zone), driven by a small stand-in agent that
 * runs what it is given, stops what it is told to, and fails to start tasks of a "crash" revision:
 * bad inputs and their errors, desired count kept across a task's death, AZ spread, rolling
 * update to COMPLETED, the circuit breaker rolling back, task protection on scale-in, ListServices
 * pages, cluster counts, DeleteService with and without force, the services-stable and
 * services-inactive waiters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startPier, type PierProcess } from '../helpers/pier-process.js';
import { TestHost } from '../helpers/test-host.js';
import { Aws, debianCli, defaultNetwork, lastSegment, sleep, taskDefinitionJson, until as untilTrue } from './aws-cli-support.test.js';

const PIER_ARGS = ['--host-lost-after-seconds', '600', '--service-launch-backoff-seconds', '1'];

/** Stands in for agents: runs new tasks, stops tasks asked to stop, fails to start tasks of crashing definitions. */
class StandInAgents {
  private stopped = false;
  private readonly loop: Promise<void>;
  readonly crashing = new Set<string>();
  /** When set, the first host reports every registered target healthy, except these addresses (unhealthy). */
  reportTargets = false;
  readonly unhealthy = new Set<string>();
  constructor(private readonly hosts: TestHost[]) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      for (const host of this.hosts) {
        const { tasks } = await host.tasks().catch(() => ({ tasks: [] as Awaited<ReturnType<TestHost['tasks']>>['tasks'] }));
        // A report can race the control plane (a task stopped meanwhile): the next round sees it again.
        for (const t of tasks) await this.drive(host, t).catch(() => undefined);
      }
      if (this.reportTargets) await this.reportHealth().catch(() => undefined);
      await sleep(100);
    }
  }

  private async drive(host: TestHost, t: Awaited<ReturnType<TestHost['tasks']>>['tasks'][number]): Promise<void> {
    const containers = ((t.taskDefinition.containerDefinitions ?? []) as { name: string }[]).map((c) => c.name);
    if (t.desiredStatus === 'STOPPED') {
      await host.exitTask(t.taskArn, Object.fromEntries(containers.map((c) => [c, 143])));
    } else if (t.lastStatus === 'PROVISIONING') {
      if ([...this.crashing].some((family) => String(t.taskDefinition.taskDefinitionArn).includes(`/${family}:`))) {
        await host.exitTask(t.taskArn, {}, { stopCode: 'TaskFailedToStart', stoppedReason: "CannotStartContainerError: essential container 'app' will not start" });
      } else {
        await host.runTask(t.taskArn, containers);
      }
    }
  }

  private async reportHealth(): Promise<void> {
    const host = this.hosts[0]!;
    const { targetGroups } = await host.loadBalancers();
    await host.reportTargetHealth(targetGroups.flatMap((g) => g.targets.filter((t) => t.drainingSinceMs === undefined).map((t) => ({
      targetGroupArn: g.targetGroupArn, id: t.id, port: t.port,
      ...(this.unhealthy.has(t.id) ? { state: 'unhealthy' as const, reason: 'Target.ResponseCodeMismatch', description: 'Health checks failed with these codes: [503]' } : { state: 'healthy' as const }),
    }))));
  }

  /** An essential container of the task exits (the task died on its own). */
  async kill(taskArn: string): Promise<void> {
    for (const host of this.hosts) {
      if ((await host.tasks()).tasks.some((t) => t.taskArn === taskArn)) await host.exitTask(taskArn, { app: 137 });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

describe('AWS CLI v2: services (test hosts in three zones)', () => {
  let pier: PierProcess | undefined;
  let agents: StandInAgents | undefined;
  let aws: Aws;
  let network = { subnets: [] as string[], shorthand: '' };

  const describeService = (name: string, cluster = 'svc'): any => aws.ok(['describe-services', '--cluster', cluster, '--services', name]).services[0];
  const serviceTasks = (name: string, cluster = 'svc'): any[] => {
    const arns = aws.ok(['list-tasks', '--cluster', cluster, '--service-name', name]).taskArns as string[];
    return arns.length ? aws.ok(['describe-tasks', '--cluster', cluster, '--tasks', ...arns]).tasks : [];
  };
  const until = <T>(what: string, fn: () => T | undefined | false, timeoutMs = 60_000): Promise<T> => untilTrue(what, fn, timeoutMs, { everyMs: 300 });
  const steady = (name: string, taskDefinition: string) => until(`${name} steady on ${taskDefinition}`, () => {
    const s = describeService(name);
    return s.deployments.length === 1 && s.deployments[0].rolloutState === 'COMPLETED' && s.runningCount === s.desiredCount
      && s.taskDefinition.endsWith(`/${taskDefinition}`) && s;
  });

  before(async () => {
    pier = await startPier({ args: PIER_ARGS, env: { PIER_SERVICE_TASK_SETTLE_SECONDS: '1' } });
    aws = new Aws(debianCli(), pier);
    network = defaultNetwork(aws);
    const zones = ['a', 'b', 'c'].map((z) => `${pier!.region}${z}`);
    const hosts = [];
    for (const z of zones) hosts.push(await TestHost.register(pier.endpoint, pier.dataDir, { availabilityZone: z }));
    agents = new StandInAgents(hosts);
    aws.ok(['create-cluster', '--cluster-name', 'svc']);
    const app = { name: 'app', image: 'busybox', portMappings: [{ containerPort: 80 }] };
    for (const family of ['web', 'web', 'crash']) aws.ok(['register-task-definition', '--cli-input-json', taskDefinitionJson(family, { containerDefinitions: [app] })]);
    agents.crashing.add('crash');
  });
  after(async () => {
    await agents?.stop();
    await pier?.destroy();
  });

  test('bad input gets ECS errors and makes nothing', () => {
    const base = ['create-service', '--service-name', 'bad', '--task-definition', 'web:1', '--desired-count', '1', '--network-configuration', network.shorthand];
    aws.fail([...base, '--cluster', 'nope'], 'ClusterNotFoundException', 'CreateService', 'Cluster not found.');
    aws.fail(['create-service', '--cluster', 'svc', '--service-name', 'bad', '--task-definition', 'nothere:1', '--desired-count', '1', '--network-configuration', network.shorthand],
      'ClientException', 'CreateService', 'Unable to describe task definition.');
    aws.fail([...base.slice(0, 5), '--cluster', 'svc', '--desired-count', '-1', '--network-configuration', network.shorthand], 'InvalidParameterException', 'CreateService', /desiredCount/);
    aws.fail(['create-service', '--cluster', 'svc', '--service-name', 'bad', '--task-definition', 'web:1', '--desired-count', '1'],
      'InvalidParameterException', 'CreateService', "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    aws.fail([...base, '--cluster', 'svc', '--load-balancers', 'targetGroupArn=arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789abcdef,containerName=app,containerPort=8080'],
      'InvalidParameterException', 'CreateService', 'The container app did not have a container port 8080 defined.');
    aws.fail([...base, '--cluster', 'svc', '--deployment-configuration', 'maximumPercent=50'], 'InvalidParameterException', 'CreateService', /maximumPercent/);
    aws.fail(['update-service', '--cluster', 'svc', '--service', 'ghost', '--desired-count', '2'], 'ServiceNotFoundException', 'UpdateService', 'Service not found.');
    aws.fail(['delete-service', '--cluster', 'svc', '--service', 'ghost'], 'ServiceNotFoundException', 'DeleteService', 'Service not found.');
    aws.fail(['list-services', '--cluster', 'nope'], 'ClusterNotFoundException', 'ListServices', 'Cluster not found.');
    const missing = aws.ok(['describe-services', '--cluster', 'svc', '--services', 'ghost']);
    assert.deepEqual(missing.services, []);
    assert.equal(missing.failures[0].reason, 'MISSING');
    assert.match(missing.failures[0].arn, /:service\/svc\/ghost$/);
    assert.deepEqual(aws.ok(['list-services', '--cluster', 'svc']).serviceArns, []);
    assert.deepEqual(aws.ok(['list-tasks', '--cluster', 'svc']).taskArns, []);
  });

  test('create: 3 tasks, one per zone, group service:web, startedBy the deployment; COMPLETED, steady, services-stable', async () => {
    const created = aws.ok(['create-service', '--cluster', 'svc', '--service-name', 'web', '--task-definition', 'web:1', '--desired-count', '3',
      '--network-configuration', network.shorthand, '--deployment-configuration', 'deploymentCircuitBreaker={enable=true,rollback=true},maximumPercent=200,minimumHealthyPercent=100',
      '--tags', 'key=team,value=web', '--propagate-tags', 'SERVICE']).service;
    assert.equal(created.status, 'ACTIVE');
    assert.equal(created.launchType, 'FARGATE');
    assert.equal(created.deployments.length, 1);
    assert.match(created.deployments[0].id, /^ecs-svc\/\d{19}$/);
    assert.equal(created.deployments[0].rolloutState, 'IN_PROGRESS');
    assert.deepEqual(created.deploymentConfiguration.deploymentCircuitBreaker, { enable: true, rollback: true });
    const again = aws.ok(['create-service', '--cluster', 'svc', '--service-name', 'web', '--task-definition', 'web:1', '--desired-count', '3',
      '--network-configuration', network.shorthand, '--deployment-configuration', 'deploymentCircuitBreaker={enable=true,rollback=true},maximumPercent=200,minimumHealthyPercent=100',
      '--tags', 'key=team,value=web', '--propagate-tags', 'SERVICE']).service;
    assert.equal(again.deployments[0].id, created.deployments[0].id, 'the same request again returns the service');
    aws.fail(['create-service', '--cluster', 'svc', '--service-name', 'web', '--task-definition', 'web:1', '--desired-count', '2', '--network-configuration', network.shorthand],
      'InvalidParameterException', 'CreateService', 'Creation of service was not idempotent.');

    const s = await steady('web', 'web:1');
    assert.equal(aws.run(['ecs', 'wait', 'services-stable', '--cluster', 'svc', '--services', 'web']).status, 0);
    const tasks = serviceTasks('web');
    assert.equal(tasks.length, 3);
    assert.deepEqual(tasks.map((t) => t.availabilityZone).sort(), ['a', 'b', 'c'].map((z) => `${pier!.region}${z}`));
    assert.ok(tasks.every((t) => t.group === 'service:web' && t.startedBy === created.deployments[0].id));
    const tagged = aws.ok(['describe-tasks', '--cluster', 'svc', '--tasks', tasks[0].taskArn, '--include', 'TAGS']).tasks[0];
    assert.deepEqual(tagged.tags, [{ key: 'team', value: 'web' }], 'propagateTags SERVICE');
    const messages = s.events.map((e: any) => e.message);
    assert.equal(messages[0], '(service web) has reached a steady state.', 'newest first');
    assert.ok(messages.includes(`(service web) (deployment ${created.deployments[0].id}) deployment completed.`));
    assert.ok(messages.some((m: string) => /^\(service web\) has started 3 tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/.test(m)), messages.join('\n'));
    const cluster = aws.ok(['describe-clusters', '--clusters', 'svc']).clusters[0];
    assert.equal(cluster.activeServicesCount, 1);
    assert.equal(cluster.runningTasksCount, 3);
  });

  test('a task that dies is replaced in its zone; the service is back at 3', async () => {
    const before = serviceTasks('web');
    const victim = before[0];
    await agents!.kill(victim.taskArn);
    const after = await until('a replacement', () => {
      const ts = serviceTasks('web');
      return ts.length === 3 && ts.every((t) => t.lastStatus === 'RUNNING') && !ts.some((t) => t.taskArn === victim.taskArn) && ts;
    });
    const replacement = after.find((t: any) => !before.some((b: any) => b.taskArn === t.taskArn));
    assert.equal(replacement.availabilityZone, victim.availabilityZone);
    const s = describeService('web');
    assert.equal(s.runningCount, 3);
    assert.ok(s.events.some((e: any) => e.message === `(service web) has started 1 tasks: (task ${lastSegment(replacement.taskArn)}).`));
  });

  test('update to web:2 rolls forward: a new PRIMARY, the old ACTIVE until replaced, then one COMPLETED deployment', async () => {
    const oldTasks = serviceTasks('web').map((t) => t.taskArn);
    const updated = aws.ok(['update-service', '--cluster', 'svc', '--service', 'web', '--task-definition', 'web:2']).service;
    assert.equal(updated.deployments.length, 2);
    assert.deepEqual(updated.deployments.map((d: any) => [d.status, d.rolloutState]), [['PRIMARY', 'IN_PROGRESS'], ['ACTIVE', 'COMPLETED']]);
    const s = await steady('web', 'web:2');
    assert.equal(s.deployments[0].id, updated.deployments[0].id);
    const stopped = aws.ok(['describe-tasks', '--cluster', 'svc', '--tasks', ...oldTasks]).tasks;
    assert.ok(stopped.every((t: any) => t.desiredStatus === 'STOPPED' && t.stopCode === 'ServiceSchedulerInitiated'
      && t.stoppedReason === `Scaling activity initiated by (deployment ${updated.deployments[0].id})`), JSON.stringify(stopped.map((t: any) => t.stoppedReason)));
    assert.ok(s.events.some((e: any) => /^\(service web\) has stopped \d running tasks: /.test(e.message)));
  });

  test('a revision that cannot start trips the circuit breaker (10 failed tasks) and rolls back to web:2', async () => {
    const updated = aws.ok(['update-service', '--cluster', 'svc', '--service', 'web', '--task-definition', 'crash:1']).service;
    const failedId = updated.deployments[0].id;
    const s = await steady('web', 'web:2');
    assert.notEqual(s.deployments[0].id, failedId);
    assert.match(s.deployments[0].rolloutStateReason, /completed\.$/);
    const messages = s.events.map((e: any) => e.message);
    assert.ok(messages.includes(`(service web) (deployment ${failedId}) deployment failed: tasks failed to start.`), messages.join('\n'));
    assert.ok(messages.some((m: string) => m.startsWith('(service web) rolling back to deployment ')));
  });

  test('scale-in stops unprotected tasks first; task protection is shown and expires as asked', async () => {
    const tasks = serviceTasks('web');
    const keep = tasks[1].taskArn;
    const prot = aws.ok(['update-task-protection', '--cluster', 'svc', '--tasks', keep, '--protection-enabled', '--expires-in-minutes', '30']);
    assert.equal(prot.protectedTasks[0].protectionEnabled, true);
    const exp = prot.protectedTasks[0].expirationDate;
    assert.ok(Math.abs(new Date(exp).getTime() - Date.now() - 30 * 60_000) < 60_000, `expirationDate ${exp}`);
    const got = aws.ok(['get-task-protection', '--cluster', 'svc', '--tasks', keep, tasks[0].taskArn, 'deadbeef']);
    assert.deepEqual(got.protectedTasks.map((p: any) => p.protectionEnabled), [true, false]);
    assert.equal(got.failures[0].reason, 'TASK_NOT_VALID');
    aws.ok(['update-service', '--cluster', 'svc', '--service', 'web', '--desired-count', '1']);
    const left = await until('scale-in to 1', () => {
      const ts = serviceTasks('web');
      return ts.length === 1 && ts;
    });
    assert.equal(left[0].taskArn, keep);
    assert.equal(describeService('web').deployments.length, 1, 'changing only desiredCount starts no deployment');
    aws.ok(['update-task-protection', '--cluster', 'svc', '--tasks', keep, '--no-protection-enabled']);
    assert.equal(aws.ok(['get-task-protection', '--cluster', 'svc', '--tasks', keep]).protectedTasks[0].protectionEnabled, false);
  });

  test('ListServices pages and filters by launch type', () => {
    for (const name of ['api', 'batch']) {
      aws.ok(['create-service', '--cluster', 'svc', '--service-name', name, '--task-definition', 'web', '--desired-count', '0', '--network-configuration', network.shorthand]);
    }
    // --page-size 1: the CLI follows nextToken through three calls of one service each.
    assert.deepEqual(aws.ok(['list-services', '--cluster', 'svc', '--page-size', '1']).serviceArns.map(lastSegment), ['api', 'batch', 'web']);
    const page = aws.ok(['list-services', '--cluster', 'svc', '--page-size', '2', '--max-items', '2']);
    assert.deepEqual(page.serviceArns.map(lastSegment), ['api', 'batch']);
    assert.ok(page.NextToken);
    const rest = aws.ok(['list-services', '--cluster', 'svc', '--page-size', '2', '--starting-token', page.NextToken]);
    assert.deepEqual(rest.serviceArns.map(lastSegment), ['web']);
    aws.fail(['list-services', '--cluster', 'svc', '--max-results', '101', '--no-paginate'], 'InvalidParameterException', 'ListServices', /maxResults/);
    assert.equal(aws.ok(['list-services', '--cluster', 'svc', '--launch-type', 'FARGATE']).serviceArns.length, 3);
    assert.deepEqual(aws.ok(['list-services', '--cluster', 'svc', '--launch-type', 'EC2']).serviceArns, []);
  });

  test('behind a target group: tasks registered, COMPLETED only once targets are healthy; a failing target is drained and its task replaced', async () => {
    const elb = (args: string[]): any => aws.ok(args, 'elbv2');
    const vpcId = (aws.ok(['describe-subnets', '--subnet-ids', network.subnets[0]!], 'ec2').Subnets[0]).VpcId;
    const lbArn = elb(['create-load-balancer', '--name', 'svc-lb', '--subnets', ...network.subnets]).LoadBalancers[0].LoadBalancerArn;
    const tgArn = elb(['create-target-group', '--name', 'svc-tg', '--protocol', 'HTTP', '--port', '80', '--vpc-id', vpcId, '--target-type', 'ip']).TargetGroups[0].TargetGroupArn;
    elb(['modify-target-group-attributes', '--target-group-arn', tgArn, '--attributes', 'Key=deregistration_delay.timeout_seconds,Value=2']);
    const create = ['create-service', '--cluster', 'svc', '--service-name', 'lb', '--task-definition', 'web:2', '--desired-count', '2',
      '--network-configuration', network.shorthand, '--load-balancers', `targetGroupArn=${tgArn},containerName=app,containerPort=80`];
    aws.fail(create, 'InvalidParameterException', 'CreateService', `The target group with targetGroupArn ${tgArn} does not have an associated load balancer.`);
    elb(['create-listener', '--load-balancer-arn', lbArn, '--protocol', 'HTTP', '--port', String(20000 + Math.floor(Math.random() * 20000)), '--default-actions', `Type=forward,TargetGroupArn=${tgArn}`]);
    const created = aws.ok(create).service;
    assert.deepEqual(created.loadBalancers, [{ targetGroupArn: tgArn, containerName: 'app', containerPort: 80 }]);
    const health = (): [string, string][] => (elb(['describe-target-health', '--target-group-arn', tgArn]).TargetHealthDescriptions as any[])
      .map((d) => [d.Target.Id, d.TargetHealth.State] as [string, string]).sort();
    const ipOf = (t: any): string => t.attachments[0].details.find((d: any) => d.name === 'privateIPv4Address').value;
    await until('both targets registered', () => health().length === 2 && health().every(([, st]) => st === 'initial'));
    let s = describeService('lb');
    assert.equal(s.runningCount, 2);
    assert.equal(s.deployments[0].rolloutState, 'IN_PROGRESS', 'not COMPLETED while the targets are not healthy');
    assert.deepEqual(health().map(([ip]) => ip), serviceTasks('lb').map(ipOf).sort());
    assert.ok(s.events.some((e: any) => e.message.startsWith(`(service lb) registered `) && e.message.endsWith(`targets in (target-group ${tgArn})`)));

    agents!.reportTargets = true;
    await until('COMPLETED once healthy', () => describeService('lb').deployments[0].rolloutState === 'COMPLETED');

    const [sick] = serviceTasks('lb');
    agents!.unhealthy.add(ipOf(sick));
    const stopped = await until('the task stopped after the delay', () => {
      const t = aws.ok(['describe-tasks', '--cluster', 'svc', '--tasks', sick.taskArn]).tasks[0];
      return t.desiredStatus === 'STOPPED' && t;
    });
    assert.equal(stopped.stoppedReason, `Task failed ELB health checks in (target-group ${tgArn})`);
    s = await until('back at 2 healthy', () => {
      const svc = describeService('lb');
      return svc.runningCount === 2 && health().filter(([, st]) => st === 'healthy').length === 2 && svc;
    });
    const drained = s.events.find((e: any) => e.message === '(service lb) has begun draining connections on 1 tasks.');
    assert.ok(drained, JSON.stringify(s.events.slice(0, 8)));
    const ms = (v: unknown): number => (typeof v === 'number' ? v * 1000 : Date.parse(String(v)));
    assert.ok(ms(stopped.stoppingAt) - ms(drained.createdAt) >= 1900, `stopped ${stopped.stoppingAt}, at least the 2 s delay after draining began ${drained.createdAt}`);
    aws.ok(['delete-service', '--cluster', 'svc', '--service', 'lb', '--force']);
    await until('lb INACTIVE with no targets left', () => describeService('lb').status === 'INACTIVE' && health().every(([, st]) => st === 'draining'));
    agents!.reportTargets = false;
  });

  test('DeleteService: refused above 0 without force; DRAINING then INACTIVE with force; DeleteCluster waits for services', async () => {
    aws.fail(['delete-service', '--cluster', 'svc', '--service', 'web'], 'InvalidParameterException', 'DeleteService', 'The service cannot be stopped while it is scaled above 0.');
    assert.equal(describeService('web').status, 'ACTIVE', 'the refused delete changed nothing');
    aws.fail(['delete-cluster', '--cluster', 'svc'], 'ClusterContainsServicesException', 'DeleteCluster', 'The Cluster cannot be deleted while Services are active.');
    const deleted = aws.ok(['delete-service', '--cluster', 'svc', '--service', 'web', '--force']).service;
    assert.equal(deleted.status, 'DRAINING');
    assert.equal(deleted.desiredCount, 0);
    aws.fail(['update-service', '--cluster', 'svc', '--service', 'web', '--desired-count', '2'], 'ServiceNotActiveException', 'UpdateService', 'Service was not ACTIVE.');
    await until('web INACTIVE', () => describeService('web').status === 'INACTIVE');
    assert.equal(aws.run(['ecs', 'wait', 'services-inactive', '--cluster', 'svc', '--services', 'web']).status, 0);
    assert.deepEqual(aws.ok(['list-tasks', '--cluster', 'svc', '--service-name', 'web']).taskArns, []);
    for (const name of ['api', 'batch']) aws.ok(['delete-service', '--cluster', 'svc', '--service', name]);
    await until('all INACTIVE', () => aws.ok(['describe-services', '--cluster', 'svc', '--services', 'api', 'batch']).services.every((s: any) => s.status === 'INACTIVE'));
    assert.equal(aws.ok(['describe-clusters', '--clusters', 'svc']).clusters[0].activeServicesCount, 0);
    aws.ok(['delete-cluster', '--cluster', 'svc']);
  });
});
