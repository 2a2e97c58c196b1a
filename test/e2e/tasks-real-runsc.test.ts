/**
 * Real tasks in gVisor sandboxes (the default runtime), driven the way a user would: the AWS CLI v2
 * (and the SDK for polling) against `pier up` running its own host agent as root, images pulled
 * from a registry with basic auth through `--registry-config`. Covers exit codes and the waiters,
 * dependsOn with a shared task volume and network namespace, health checks, OOM, the task disk
 * size, StopTask with stopTimeout, pull failures, persistent (EFS) volumes, and that nothing is
 * left on the host afterwards. The scenarios are in tasks-real-support.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import * as scenario from './tasks-real-support.test.js';
import { RealEnv } from './tasks-real-support.test.js';

describe('real tasks, runsc (pier up with its agent)', () => {
  let env: RealEnv;

  before(async () => {
    env = await RealEnv.start({ agent: true, registryAuth: 'basic', registryConfig: true });
  });
  after(async () => {
    await env?.teardown();
  });

  test('exit codes 0 and 3, EssentialContainerExited, the tasks-running and tasks-stopped waiters, timestamps, runtimeId, imageDigest',
    (t) => scenario.exitCodesAndWaiters(env, t));

  test('dependsOn SUCCESS orders an init container before the app through a shared volume; a sidecar reaches the app on 127.0.0.1',
    (t) => scenario.dependsOn(env, t));

  test('health checks: a passing check makes container and task HEALTHY, a failing one UNHEALTHY while the task keeps running',
    (t) => scenario.health(env, t));

  test('a container allocating more than the task memory ends with 137 and OutOfMemoryError',
    (t) => scenario.oom(env, t));

  test('task disk: / is 20 GiB by default and 21 GiB with ephemeralStorage 21 in the definition; writes to a volume, the root filesystem and /tmp land on the sparse task disk; a full task disk gives ENOSPC',
    (t) => scenario.taskDisk(env, t, 'definition'));

  test('StopTask: SIGTERM, stopTimeout, SIGKILL (137); a container that exits on SIGTERM reports 143 quickly; stoppedReason is the caller\'s',
    (t) => scenario.stopTask(env, t));

  test('pull failures: a missing repository or tag stops the task with CannotPullContainerError naming it; the credentials from --registry-config work',
    (t) => scenario.pullFailures(env, t));

  test('persistent volume (EFS): two tasks append to one file, a third reads both lines; DeleteFileSystem is refused while a task uses it',
    (t) => scenario.persistentVolume(env, t));

  test('nothing is left on the host once every task is STOPPED and pier has exited', () => env.assertNothingLeft());
});
