/**
 * Fargate Spot on real sandboxes (runc, for speed; the mechanics are the runtime's stop path): a
 * host of 1024 CPU units full of Spot tasks gives up the youngest when an on-demand task needs the
 * room. The interrupted task shows SpotInterruption at once, keeps running for the notice while its
 * metadata endpoint says when its stop begins, then gets SIGTERM; the on-demand task fits after.
 * The operator's drill (`pier spot interrupt`) does the same on demand.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { PIER_MAIN } from '../helpers/pier-process.js';
import { container, RealEnv, sleep, summary } from './tasks-real-support.test.js';

const NOTICE_S = 15;

/**
 * Polls its Spot notice; on SIGTERM exits 42 if it had seen the notice (and saves the notice's
 * time in its exit path: 43 means SIGTERM came with no notice seen).
 */
const WATCH_NOTICE = [
  'trap \'if [ -s /tmp/notice ]; then exit 42; else exit 43; fi\' TERM',
  'while :; do',
  '  if [ ! -s /tmp/notice ] && timeout 2 wget -q -O /tmp/n "$ECS_CONTAINER_METADATA_URI_V4/spot/interruption" 2>/dev/null; then mv /tmp/n /tmp/notice; fi',
  '  sleep 0.3 & wait $!',
  'done',
].join('\n');

describe('Fargate Spot on real sandboxes (runc)', () => {
  let env: RealEnv;
  let cluster = '';
  const spot: string[] = [];

  before(async () => {
    env = await RealEnv.start({
      agent: true, registryAuth: 'none',
      pierArgs: ['--runtime', 'runc', '--cpu', '1024', '--spot-notice-seconds', String(NOTICE_S)],
    });
    // The suite's helpers describe tasks in the default cluster; give it both providers.
    cluster = env.aws.ok(['create-cluster', '--cluster-name', 'default', '--capacity-providers', 'FARGATE', 'FARGATE_SPOT']).cluster.clusterName;
    env.registerTaskDefinition('half', [{ name: 'app', command: WATCH_NOTICE }], { cpu: '512', memory: '1024' });
  });
  after(async () => {
    await env?.teardown();
  });

  const run = (strategy: string[]): { tasks: { taskArn: string }[]; failures: { reason: string; detail?: string }[] } => {
    const out = env.aws.ok(['run-task', '--cluster', cluster, '--task-definition', 'half', ...strategy,
      '--network-configuration', env.defaultNetwork().shorthand]);
    for (const t of out.tasks) env.tasks.add(t.taskArn);
    return out;
  };
  const SPOT = ['--capacity-provider-strategy', 'capacityProvider=FARGATE_SPOT,weight=1'];
  const ON_DEMAND = ['--launch-type', 'FARGATE'];

  test('an on-demand task that does not fit interrupts the youngest Spot task, which sees its notice before SIGTERM', async () => {
    for (let i = 0; i < 2; i++) {
      const out = run(SPOT);
      assert.deepEqual(out.failures, []);
      spot.push(out.tasks[0]!.taskArn);
      const t = await env.waitRunning(spot[i]!);
      assert.equal(t.capacityProviderName, 'FARGATE_SPOT');
    }

    const refused = run(ON_DEMAND);
    const interruptedAt = Date.now();
    assert.equal(refused.tasks.length, 0);
    assert.equal(refused.failures[0]?.reason, 'RESOURCE:FARGATE');
    assert.match(refused.failures[0]?.detail ?? '', /Fargate Spot task\(s\) .*interrupted to make room/);

    const young = await env.describe(spot[1]!);
    assert.equal(young.desiredStatus, 'STOPPED', summary(young));
    assert.equal(young.stopCode, 'SpotInterruption');
    assert.equal(young.stoppedReason, 'Your Spot Task was interrupted.');
    assert.equal(young.lastStatus, 'RUNNING', 'it runs on through its notice');
    const old = await env.describe(spot[0]!);
    assert.equal(old.desiredStatus, 'RUNNING', 'only as many as needed are interrupted');

    // A second on-demand task waiting for the same room interrupts nobody else.
    assert.equal(run(ON_DEMAND).failures[0]?.reason, 'RESOURCE:FARGATE');
    assert.equal((await env.describe(spot[0]!)).desiredStatus, 'RUNNING');

    // The clock runs from the interruption, not from the calls above (slow on a busy machine).
    await sleep(Math.max(0, interruptedAt + NOTICE_S * 1000 - 3000 - Date.now()));
    assert.equal((await env.describe(spot[1]!)).lastStatus, 'RUNNING', 'still running before the notice ends');
    const stopped = await env.waitStopped(spot[1]!, 60_000);
    assert.equal(container(stopped, 'app').exitCode, 42, 'the task read its notice before SIGTERM (43: it did not)');
    assert.equal(stopped.stopCode, 'SpotInterruption');
    assert.ok(stopped.stoppedAt!.getTime() - interruptedAt >= NOTICE_S * 1000 - 500, `stopped ${stopped.stoppedAt!.getTime() - interruptedAt} ms after the notice`);

    const placed = run(ON_DEMAND);
    assert.deepEqual(placed.failures, [], 'the room is free now');
    const onDemand = await env.waitRunning(placed.tasks[0]!.taskArn);
    assert.equal(onDemand.capacityProviderName ?? 'FARGATE', 'FARGATE');
  });

  test('pier spot interrupt gives the youngest Spot task its notice; unknown tasks and on-demand ones are refused', async () => {
    const out = execFileSync(process.execPath, [PIER_MAIN, 'spot', 'interrupt', '--data-dir', env.dataDir, '--cluster', cluster, '--json'], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), { taskArns: [spot[0]] });
    const t = await env.describe(spot[0]!);
    assert.equal(t.stopCode, 'SpotInterruption');
    assert.equal(t.lastStatus, 'RUNNING');
    const stopped = await env.waitStopped(spot[0]!, 60_000);
    assert.equal(container(stopped, 'app').exitCode, 42);

    const none = execFileSync(process.execPath, [PIER_MAIN, 'spot', 'interrupt', '--data-dir', env.dataDir, '--cluster', cluster], { encoding: 'utf8' });
    assert.match(none, /no running Fargate Spot task to interrupt/);
    const onDemand = [...env.tasks].find((a) => !spot.includes(a) && a.includes(`:task/${cluster}/`))!;
    assert.throws(() => execFileSync(process.execPath, [PIER_MAIN, 'spot', 'interrupt', '--data-dir', env.dataDir, '--cluster', cluster, '--task', onDemand],
      { encoding: 'utf8', stdio: 'pipe' }), /does not run on FARGATE_SPOT capacity/);
    assert.equal((await env.describe(onDemand)).desiredStatus, 'RUNNING', 'a refused drill changes nothing');
    assert.throws(() => execFileSync(process.execPath, [PIER_MAIN, 'spot', 'interrupt', '--data-dir', env.dataDir, '--cluster', 'nope'],
      { encoding: 'utf8', stdio: 'pipe' }), /Cluster not found/);
  });

  test('a Spot service\'s interrupted task is replaced as soon as its notice is given, before its stop', async () => {
    for (const arn of env.tasks) if ((await env.describe(arn)).desiredStatus === 'RUNNING') await env.ecs.send(new StopTaskCommand({ task: arn }));
    for (const arn of env.tasks) await env.waitStopped(arn);
    env.aws.ok(['create-service', '--service-name', 'spotty', '--task-definition', 'half', '--desired-count', '1',
      '--capacity-provider-strategy', 'capacityProvider=FARGATE_SPOT,weight=1', '--network-configuration', env.defaultNetwork().shorthand]);
    const serviceTasks = async (): Promise<string[]> => {
      const arns = env.aws.ok(['list-tasks', '--service-name', 'spotty']).taskArns as string[];
      for (const a of arns) env.tasks.add(a);
      return arns;
    };
    let first: string | undefined;
    for (let i = 0; i < 150 && !first; i++) {
      first = (await serviceTasks())[0];
      if (!first) await sleep(200);
    }
    assert.ok(first, 'the service started a task');
    await env.waitRunning(first);
    const drill = JSON.parse(execFileSync(process.execPath, [PIER_MAIN, 'spot', 'interrupt', '--data-dir', env.dataDir, '--task', first, '--json'], { encoding: 'utf8' }));
    assert.deepEqual(drill.taskArns, [first]);

    let replacement: string | undefined;
    for (let i = 0; i < 150 && !replacement; i++) {
      replacement = (await serviceTasks()).find((a) => a !== first);
      if (!replacement) await sleep(200);
    }
    assert.ok(replacement, 'the service replaced the interrupted task');
    const stopped = await env.waitStopped(first, 60_000);
    assert.equal(stopped.stopCode, 'SpotInterruption');
    const next = await env.waitRunning(replacement);
    assert.equal(next.capacityProviderName, 'FARGATE_SPOT');
    assert.ok(next.createdAt!.getTime() < stopped.stoppedAt!.getTime(), 'the replacement was started before the interrupted task stopped');
    assert.ok(next.startedAt!.getTime() < stopped.stoppedAt!.getTime(), 'and was running before it stopped');

    env.aws.ok(['delete-service', '--service', 'spotty', '--force']);
    await env.waitStopped(replacement, 60_000);
  });

  test('nothing is left on the host', async () => {
    await env.assertNothingLeft();
  });
});
