/**
 * A service of real tasks in gVisor sandboxes (`pier up` with its agent, images from a local
 * registry), driven with the AWS CLI v2: three tasks and `aws ecs wait services-stable`; a task
 * stopped from outside is replaced; an update to a new revision rolls forward to COMPLETED; a
 * revision whose container exits at once trips the circuit breaker and rolls back; DeleteService
 * --force drains everything and `aws ecs wait services-inactive` returns; nothing is left behind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { until as untilTrue } from './aws-cli-support.test.js';
import { HOLD, RealEnv } from './tasks-real-support.test.js';

describe('services with real tasks (runsc, pier up with its agent)', () => {
  let env: RealEnv;
  const cluster = ['--cluster', 'default'];

  before(async () => {
    // Tasks without health checks count as healthy this long after RUNNING (ECS: 40 s).
    process.env.PIER_SERVICE_TASK_SETTLE_SECONDS = '2';
    env = await RealEnv.start({ agent: true, registryAuth: 'basic', registryConfig: true });
  });
  after(async () => {
    await env?.teardown();
  });

  const describeService = (): any => env.aws.ok(['describe-services', ...cluster, '--services', 'web']).services[0];
  /** The service's tasks that are not asked to stop; every task seen is tracked for the leftover checks. */
  const liveTasks = (): string[] => {
    const arns = env.aws.ok(['list-tasks', ...cluster, '--service-name', 'web']).taskArns as string[];
    for (const a of arns) env.tasks.add(a);
    return arns;
  };
  const until = <T>(what: string, fn: () => T | undefined | false, timeoutMs = 120_000): Promise<T> => untilTrue(what, fn, timeoutMs, { context: describeService });
  const steadyOn = (revision: string) => until(`steady on ${revision}`, () => {
    liveTasks();
    const s = describeService();
    return s.deployments.length === 1 && s.deployments[0].rolloutState === 'COMPLETED' && s.runningCount === 3
      && s.pendingCount === 0 && s.taskDefinition.endsWith(`:${revision}`) && s;
  });

  test('a service of 3 real tasks becomes stable; services-stable returns', async () => {
    for (let i = 1; i <= 2; i++) env.registerTaskDefinition('web', [{ name: 'app', command: HOLD, environment: [{ name: 'REV', value: String(i) }] }]);
    env.registerTaskDefinition('web', [{ name: 'app', command: 'exit 1' }]);
    const created = env.aws.ok(['create-service', ...cluster, '--service-name', 'web', '--task-definition', 'web:1', '--desired-count', '3',
      '--network-configuration', env.defaultNetwork().shorthand,
      '--deployment-configuration', 'deploymentCircuitBreaker={enable=true,rollback=true},maximumPercent=200,minimumHealthyPercent=100']).service;
    assert.equal(created.desiredCount, 3);
    const s = await steadyOn('1');
    const waited = await env.aws.start(['wait', 'services-stable', ...cluster, '--services', 'web']).done;
    assert.equal(waited.status, 0, `aws ecs wait services-stable: ${waited.stderr}`);
    const tasks = env.aws.ok(['describe-tasks', ...cluster, '--tasks', ...liveTasks()]).tasks;
    assert.ok(tasks.every((t: any) => t.lastStatus === 'RUNNING' && t.group === 'service:web' && t.startedBy === s.deployments[0].id));
  });

  test('a task stopped from outside is replaced: the service is back at 3 RUNNING', async () => {
    const before = liveTasks();
    const victim = before[0]!;
    env.aws.ok(['stop-task', ...cluster, '--task', victim, '--reason', 'chaos']);
    const s = await until('a replacement', () => {
      const now = liveTasks();
      const svc = describeService();
      return !now.includes(victim) && now.length === 3 && svc.runningCount === 3 && svc;
    });
    assert.ok(s.events.some((e: any) => /^\(service web\) has started 1 tasks: \(task [0-9a-f]{32}\)\.$/.test(e.message)), JSON.stringify(s.events.slice(0, 5)));
    await env.waitStopped(victim);
  });

  test('an update to web:2 rolls forward to COMPLETED and the web:1 tasks are stopped by the scheduler', async () => {
    const old = liveTasks();
    const updated = env.aws.ok(['update-service', ...cluster, '--service', 'web', '--task-definition', 'web:2']).service;
    assert.equal(updated.deployments[0].rolloutState, 'IN_PROGRESS');
    const s = await steadyOn('2');
    assert.equal(s.deployments[0].id, updated.deployments[0].id);
    assert.match(s.deployments[0].rolloutStateReason, /completed\.$/);
    for (const arn of old) {
      const t = await env.waitStopped(arn);
      assert.equal(t.stopCode, 'ServiceSchedulerInitiated');
    }
  });

  test('a revision whose container exits at once trips the circuit breaker and rolls back to web:2', async () => {
    const updated = env.aws.ok(['update-service', ...cluster, '--service', 'web', '--task-definition', 'web:3']).service;
    const failedId = updated.deployments[0].id;
    const s = await steadyOn('2');
    const messages: string[] = s.events.map((e: any) => e.message);
    assert.ok(messages.includes(`(service web) (deployment ${failedId}) deployment failed: tasks failed to start.`), messages.slice(0, 10).join('\n'));
    assert.notEqual(s.deployments[0].id, failedId);
  });

  test('DeleteService --force drains the service to INACTIVE; services-inactive returns', async () => {
    const tasks = liveTasks();
    const deleted = env.aws.ok(['delete-service', ...cluster, '--service', 'web', '--force']).service;
    assert.equal(deleted.status, 'DRAINING');
    await until('INACTIVE', () => describeService().status === 'INACTIVE');
    const waited = await env.aws.start(['wait', 'services-inactive', ...cluster, '--services', 'web']).done;
    assert.equal(waited.status, 0, `aws ecs wait services-inactive: ${waited.stderr}`);
    for (const arn of tasks) await env.waitStopped(arn);
  });

  test('nothing is left on the host once every task is STOPPED and pier has exited', () => env.assertNothingLeft());
});
