/**
 * A service of real tasks in gVisor sandboxes (`pier up` with its agent, images from a local
 * registry), driven with the AWS CLI v2: three tasks and `aws ecs wait services-stable`; a task
 * stopped from outside is replaced; an update to a new revision rolls forward to COMPLETED; a
 * revision whose container cannot start trips the circuit breaker (10 failed tasks, the launches
 * throttled in between) and rolls back; DeleteService --force drains everything and
 * `aws ecs wait services-inactive` returns; nothing is left behind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeServicesCommand, type Service } from '@aws-sdk/client-ecs';
import { sleep, until as untilTrue } from './aws-cli-support.test.js';
import { HOLD, RealEnv } from './tasks-real-support.test.js';

describe('services with real tasks (runsc, pier up with its agent)', () => {
  let env: RealEnv;
  const cluster = ['--cluster', 'default'];

  before(async () => {
    // Tasks without health checks count as healthy this long after RUNNING (ECS: 40 s).
    process.env.PIER_SERVICE_TASK_SETTLE_SECONDS = '2';
    // Restarts of tasks that keep failing to start wait 1 s, then 2 s (default 10 s, then 20 s).
    env = await RealEnv.start({ agent: true, registryAuth: 'basic', registryConfig: true, pierArgs: ['--service-launch-backoff-seconds', '1'] });
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

  /** DescribeServices through the SDK every 200 ms until the deployment is FAILED. */
  const tripped = async (deploymentId: string, timeoutMs: number): Promise<Service> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = (await env.ecs.send(new DescribeServicesCommand({ cluster: 'default', services: ['web'] }))).services![0]!;
      if (s.deployments?.some((d) => d.id === deploymentId && d.rolloutState === 'FAILED')) return s;
      if (Date.now() > end) assert.fail(`${deploymentId} not FAILED in ${timeoutMs / 1000} s: ${JSON.stringify(s.deployments)}`);
      await sleep(200);
    }
  };

  test('a service of 3 real tasks becomes stable; services-stable returns', async () => {
    for (let i = 1; i <= 2; i++) env.registerTaskDefinition('web', [{ name: 'app', command: HOLD, environment: [{ name: 'REV', value: String(i) }] }]);
    // web:3 cannot start: its entry point is not in the image, so its tasks never reach RUNNING.
    env.registerTaskDefinition('web', [{ name: 'app', entryPoint: ['/no/such/binary'] }]);
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

  test('a revision whose container cannot start trips the circuit breaker after 10 failed tasks and rolls back to web:2', async () => {
    const completed = describeService().deployments[0].id as string;
    const startedAt = Date.now();
    const updated = env.aws.ok(['update-service', ...cluster, '--service', 'web', '--task-definition', 'web:3']).service;
    const failedId = updated.deployments[0].id as string;
    // The failed deployment is listed (ACTIVE, FAILED) only while the rollback rolls out, seconds:
    // the SDK looks often enough to see it, where a CLI process per look may not.
    const rolling = await tripped(failedId, 120_000);
    const trippedAfter = (Date.now() - startedAt) / 1000;
    const [back, failed] = [rolling.deployments![0]!, rolling.deployments!.find((d) => d.id === failedId)!];
    assert.deepEqual([failed.status, failed.rolloutStateReason, failed.desiredCount], ['ACTIVE', 'ECS deployment circuit breaker: tasks failed to start.', 0]);
    assert.ok(failed.failedTasks! >= 10, `failedTasks ${failed.failedTasks}`);
    assert.deepEqual([back.status, back.rolloutState, back.rolloutStateReason],
      ['PRIMARY', 'IN_PROGRESS', `ECS deployment circuit breaker: rolling back to deploymentId ${completed}.`]);
    assert.match(back.taskDefinition!, /:task-definition\/web:2$/);
    assert.match(rolling.taskDefinition!, /:task-definition\/web:2$/);

    const s = await steadyOn('2');
    assert.deepEqual(s.deployments.map((d: any) => d.id), [back.id], 'the failed deployment is gone once the rollback completed');
    const messages: string[] = s.events.map((e: any) => e.message);
    for (const m of [`(service web) (deployment ${failedId}) deployment failed: tasks failed to start.`, `(service web) rolling back to deployment ${completed}.`,
      '(service web) is unable to consistently start tasks successfully.', `(service web) (deployment ${back.id}) deployment completed.`]) {
      assert.ok(messages.includes(m), `${m}\nnot in:\n${messages.slice(0, 30).join('\n')}`);
    }
    // The failed tasks never ran: stopped by the agent with ECS's start error. Tasks the failed
    // deployment was still starting when it tripped are stopped by the rollback instead.
    const stopped = env.aws.ok(['list-tasks', ...cluster, '--started-by', failedId, '--desired-status', 'STOPPED']).taskArns as string[];
    for (const a of stopped) env.tasks.add(a);
    assert.ok(stopped.length >= 10, `${stopped.length} stopped tasks of ${failedId}`);
    const all = env.aws.ok(['describe-tasks', ...cluster, '--tasks', ...stopped.slice(0, 100)]).tasks as any[];
    const tasks = all.filter((t) => t.stopCode === 'TaskFailedToStart');
    assert.ok(tasks.length >= 10, `${tasks.length} of ${all.length} failed to start`);
    for (const t of all) {
      if (t.stopCode === 'TaskFailedToStart') assert.match(t.stoppedReason, /^CannotStartContainerError: /);
      else assert.deepEqual([t.stopCode, t.stoppedReason], ['ServiceSchedulerInitiated', `Scaling activity initiated by (deployment ${back.id})`], JSON.stringify(t));
      assert.equal(t.startedAt, undefined);
    }
    console.log(`circuit breaker: tripped after ${trippedAfter.toFixed(1)} s, steady on web:2 after ${((Date.now() - startedAt) / 1000).toFixed(1)} s; `
      + `${failed.failedTasks} failed tasks, e.g. ${tasks[0].stoppedReason}`);
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
