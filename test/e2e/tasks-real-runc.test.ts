/**
 * The same real-task scenarios with `pier up --runtime runc` (namespaces and cgroups, no gVisor):
 * exit codes, dependsOn with shared volume and network namespace, health checks (runc exec), OOM
 * through the container's memory cgroup, the task disk size (21 GiB through a RunTask override),
 * StopTask with stopTimeout, and nothing left on the host. Images come from a registry without auth.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as scenario from './tasks-real-support.test.js';
import { container, RealEnv, summary, taskIdOf } from './tasks-real-support.test.js';

describe('real tasks, runc (pier up --runtime runc)', () => {
  let env: RealEnv;

  before(async () => {
    env = await RealEnv.start({ agent: true, registryAuth: 'none', pierArgs: ['--runtime', 'runc'] });
  });
  after(async () => {
    await env?.teardown();
  });

  test('exit codes 0 and 3 with EssentialContainerExited, runtimeId and imageDigest', async () => {
    env.app();
    const zero = env.runCommand('app', 'app', 'sleep 1; exit 0');
    const three = env.runCommand('app', 'app', 'sleep 1; exit 3');
    for (const [arn, code] of [[zero, 0], [three, 3]] as const) {
      const t = await env.waitStopped(arn);
      const c = container(t, 'app');
      assert.equal(c.exitCode, code, summary(t));
      assert.equal(t.stopCode, 'EssentialContainerExited', summary(t));
      assert.equal(t.stoppedReason, 'Essential container in task exited');
      assert.match(c.runtimeId ?? '', new RegExp(`^${taskIdOf(arn)}-\\d+$`));
      assert.equal(c.imageDigest, env.digest);
      assert.ok(t.pullStartedAt! <= t.pullStoppedAt! && t.pullStoppedAt! <= t.startedAt! && t.startedAt! <= t.stoppedAt!, summary(t));
    }
  });

  test('dependsOn SUCCESS orders an init container before the app through a shared volume; a sidecar reaches the app on 127.0.0.1',
    (t) => scenario.dependsOn(env, t));

  test('health checks: a passing check makes container and task HEALTHY, a failing one UNHEALTHY while the task keeps running',
    (t) => scenario.health(env, t));

  test('a container allocating more than the task memory ends with 137 and OutOfMemoryError', (t) => scenario.oom(env, t));

  test('task disk: / is 20 GiB by default and 21 GiB with a RunTask ephemeralStorage override; writes to a volume, the root filesystem and /tmp land on the sparse task disk; a full task disk gives ENOSPC',
    (t) => scenario.taskDisk(env, t, 'override'));

  test('StopTask: SIGTERM, stopTimeout, SIGKILL (137); a container that exits on SIGTERM reports 143 quickly; stoppedReason is the caller\'s',
    (t) => scenario.stopTask(env, t));

  test('nothing is left on the host once every task is STOPPED and pier has exited', () => env.assertNothingLeft());
});
