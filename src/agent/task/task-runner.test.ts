/**
 * TaskRunner against the fake runtime (which passes the same contract suite as runc and runsc)
 * and in-memory stand-ins for images, storage and network: ECS container semantics, reports,
 * clean-up and adoption after an agent "crash", without root.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ContainerDefinition } from '../../ecs/task-definition/types.js';
import { silentLogger } from '../../lib/logger.js';
import type { Assignment, TaskReport } from '../../protocol/agent.js';
import { ImagePullError, type ImageStore, type PulledImage } from '../images/image-store.js';
import { FakeRuntime, type FakeBehaviour } from '../runtime/fake.js';
import { TaskStateStore } from '../state/task-state.js';
import type { PersistentVolumes, TaskDisk, TaskStorage } from '../storage/task-storage.js';
import type { RunnerDeps, TaskNetwork } from './runner-deps.js';
import { TaskRunner } from './task-runner.js';

const root = mkdtempSync(join(tmpdir(), 'pier-runner-'));
after(() => rmSync(root, { recursive: true, force: true }));

class Calls {
  readonly log: string[] = [];
  add(s: string): void {
    this.log.push(s);
  }
}

function fakes(calls: Calls, failPull?: string): Pick<RunnerDeps, 'images' | 'storage' | 'volumes' | 'network'> {
  const images: ImageStore = {
    async pull(reference, holder): Promise<PulledImage> {
      calls.add(`pull ${reference}`);
      if (failPull && reference.includes(failPull)) throw new ImagePullError(`${reference}: not found`);
      return { reference, manifestDigest: 'sha256:' + 'a'.repeat(64), configDigest: 'sha256:' + 'b'.repeat(64), config: {}, layers: [{ diffId: 'x', dir: `/layers/${holder}`, size: 1 }] };
    },
    async release(holder) { calls.add(`release ${holder}`); },
    async garbageCollect() { return { removedLayers: 0, freedBytes: 0 }; },
  };
  const storage: TaskStorage = {
    async createTaskDisk(taskId, sizeGiB): Promise<TaskDisk> { calls.add(`disk ${sizeGiB}`); return { taskId, mountPoint: join(root, taskId, 'disk'), sizeGiB }; },
    async mountRootfs(disk, name) { return join(root, disk.taskId, 'rootfs', name); },
    async taskVolumeDir(disk, name) { return join(root, disk.taskId, 'vol', name); },
    async destroyTask(taskId) { calls.add(`destroy-storage ${taskId}`); },
    async listTasks() { return []; },
    async usage() { return { usedBytes: 0, sizeBytes: 0 }; },
  };
  const volumes: PersistentVolumes = { async pathFor(id) { return join(root, 'efs', id); }, async remove() {}, async list() { return []; } };
  const network: TaskNetwork = {
    pathFor: (id) => `/var/run/netns/test-${id}`,
    async create(id) { calls.add('netns'); return `/var/run/netns/test-${id}`; },
    async destroy() { calls.add('destroy-netns'); },
    async list() { return []; },
  };
  return { images, storage, volumes, network };
}

let seq = 0;
function setup(containers: ContainerDefinition[], behaviour: Record<string, FakeBehaviour>, opts: { failPull?: string } = {}) {
  const calls = new Calls();
  const reports: TaskReport[] = [];
  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  const taskId = (++seq).toString(16).padStart(32, '0');
  const runtime = new FakeRuntime({ script: (c) => behaviour[c.id.split('-')[1] === undefined ? '' : containers[Number(c.id.split('-')[1])]!.name!] });
  const stateStore = new TaskStateStore(join(root, 'state'));
  const deps: RunnerDeps = {
    ...fakes(calls, opts.failPull), runtime, stateStore, clock, log: silentLogger, region: 'us-east-1',
    runtimeDir: join(root, 'sandboxes'),
    buildSpec: (input) => ({ process: { env: [] }, annotations: {}, root: { path: input.rootfs } }),
    pullOptions: () => ({}),
    report: async (_arn, r) => {
      reports.push(r);
      return true;
    },
  };
  const assignment: Assignment = {
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/default/${taskId}`, taskId,
    clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default', desiredStatus: 'RUNNING', lastStatus: 'PROVISIONING', version: 1,
    taskDefinition: { family: 'f', containerDefinitions: containers }, overrides: {}, size: { cpu: 256, memory: 512, ephemeralStorageGiB: 20 },
  };
  return { calls, reports, deps, assignment, stateStore, taskId, advance: (ms: number) => { offset += ms; } };
}

const statuses = (reports: TaskReport[]): string[] => reports.map((r) => r.lastStatus).filter((s, i, a) => s !== a[i - 1]);
const last = (reports: TaskReport[]): TaskReport => reports[reports.length - 1]!;
const container = (r: TaskReport, name: string) => r.containers!.find((c) => c.name === name)!;

describe('TaskRunner (fake runtime)', () => {
  test('runs to completion: statuses in order, exit code, EssentialContainerExited, everything cleaned up', async () => {
    const s = setup([{ name: 'app', image: 'img:1' }], { app: { runMs: 150, exitCode: 3 } });
    const runner = TaskRunner.fresh(s.deps, s.assignment);
    await runner.done;
    assert.deepEqual(statuses(s.reports), ['PENDING', 'RUNNING', 'STOPPING', 'DEPROVISIONING', 'STOPPED']);
    const final = last(s.reports);
    assert.equal(final.stopCode, 'EssentialContainerExited');
    assert.equal(final.stoppedReason, 'Essential container in task exited');
    assert.equal(container(final, 'app').exitCode, 3);
    assert.equal(container(final, 'app').runtimeId, `${s.taskId}-0`);
    assert.ok(final.pullStartedAt! <= final.pullStoppedAt!);
    for (const step of ['netns', 'disk 20', 'pull img:1', 'destroy-storage ' + s.taskId, 'destroy-netns', 'release ' + s.taskId]) {
      assert.ok(s.calls.log.includes(step), `expected ${step} in ${s.calls.log.join(', ')}`);
    }
    assert.equal(s.stateStore.load(s.taskId), undefined, 'state file removed after a clean stop');
  });

  test('dependsOn SUCCESS: the app starts only after init exits 0; a non-essential exit does not stop the task', async () => {
    const s = setup([
      { name: 'init', image: 'img', essential: false },
      { name: 'app', image: 'img', dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }] },
    ], { init: { runMs: 300, exitCode: 0 }, app: { runMs: 200, exitCode: 0 } });
    await TaskRunner.fresh(s.deps, s.assignment).done;
    const running = s.reports.find((r) => r.lastStatus === 'RUNNING')!;
    assert.equal(container(running, 'init').lastStatus, 'STOPPED', 'task is RUNNING only once the essential app runs, after init finished');
    assert.equal(container(running, 'init').exitCode, 0);
    assert.equal(container(running, 'app').lastStatus, 'RUNNING');
    assert.equal(last(s.reports).stopCode, 'EssentialContainerExited');
  });

  test('dependsOn SUCCESS that fails: the essential app never starts and the task fails to start', async () => {
    const s = setup([
      { name: 'migrate', image: 'img', essential: false },
      { name: 'app', image: 'img', dependsOn: [{ containerName: 'migrate', condition: 'SUCCESS' }] },
    ], { migrate: { runMs: 50, exitCode: 2 }, app: {} });
    await TaskRunner.fresh(s.deps, s.assignment).done;
    const final = last(s.reports);
    assert.equal(final.stopCode, 'TaskFailedToStart');
    assert.match(final.stoppedReason!, /essential container 'app' will not start: dependency 'migrate' exited with 2/);
    assert.equal(container(final, 'app').exitCode, undefined);
    assert.ok(!statuses(s.reports).includes('RUNNING'));
  });

  test('a failed pull stops the task with CannotPullContainerError and cleans up', async () => {
    const s = setup([{ name: 'app', image: 'registry.local/missing:1' }], { app: {} }, { failPull: 'missing' });
    await TaskRunner.fresh(s.deps, s.assignment).done;
    const final = last(s.reports);
    assert.equal(final.lastStatus, 'STOPPED');
    assert.equal(final.stopCode, 'TaskFailedToStart');
    assert.equal(final.stoppedReason, 'CannotPullContainerError: registry.local/missing:1: not found');
    assert.ok(s.calls.log.includes('destroy-netns'));
  });

  test('StopTask: SIGTERM ignored → SIGKILL after stopTimeout (137); the user reason is kept', async () => {
    const s = setup([{ name: 'app', image: 'img', stopTimeout: 2 }], { app: { onSignal: { SIGTERM: 'ignore' } } });
    const runner = TaskRunner.fresh(s.deps, s.assignment);
    while (!s.reports.some((r) => r.lastStatus === 'RUNNING')) await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    runner.update({ ...s.assignment, desiredStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'maintenance' });
    await runner.done;
    const took = Date.now() - t0;
    assert.ok(took >= 1900 && took < 6000, `stop took ${took} ms with stopTimeout 2 s`);
    const final = last(s.reports);
    assert.equal(container(final, 'app').exitCode, 137);
    assert.equal(final.stopCode, 'UserInitiated');
    assert.equal(final.stoppedReason, 'maintenance');
  });

  test('a container that exits on SIGTERM stops at once with 143', async () => {
    const s = setup([{ name: 'app', image: 'img' }], { app: {} });
    const runner = TaskRunner.fresh(s.deps, s.assignment);
    while (!s.reports.some((r) => r.lastStatus === 'RUNNING')) await new Promise((r) => setTimeout(r, 20));
    runner.update({ ...s.assignment, desiredStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' });
    await runner.done;
    assert.equal(container(last(s.reports), 'app').exitCode, 143);
  });

  test('OOM: exit 137 with the ECS reason', async () => {
    const s = setup([{ name: 'app', image: 'img' }], { app: { runMs: 100, oom: true } });
    await TaskRunner.fresh(s.deps, s.assignment).done;
    const c = container(last(s.reports), 'app');
    assert.equal(c.exitCode, 137);
    assert.equal(c.reason, 'OutOfMemoryError: Container killed due to memory usage');
  });

  test('health checks: a passing check makes the container and the task HEALTHY; a failing one UNHEALTHY', async () => {
    const s = setup([{ name: 'app', image: 'img', healthCheck: { command: ['CMD-SHELL', 'true'], interval: 5, retries: 1 } }], { app: { exec: { exitCode: 0 } } });
    const runner = TaskRunner.fresh(s.deps, s.assignment);
    for (let i = 0; i < 100 && !s.reports.some((r) => r.healthStatus === 'HEALTHY'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(s.reports.find((r) => r.healthStatus === 'HEALTHY') && container(last(s.reports), 'app').healthStatus, 'HEALTHY');
    runner.update({ ...s.assignment, desiredStatus: 'STOPPED' });
    await runner.done;

    const u = setup([{ name: 'app', image: 'img', healthCheck: { command: ['CMD', 'false'], interval: 5, retries: 1 } }], { app: { exec: { exitCode: 1 } } });
    const r2 = TaskRunner.fresh(u.deps, u.assignment);
    for (let i = 0; i < 100 && !u.reports.some((r) => r.healthStatus === 'UNHEALTHY'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(last(u.reports).healthStatus, 'UNHEALTHY');
    assert.equal(last(u.reports).lastStatus, 'RUNNING', 'a standalone task keeps running when unhealthy');
    r2.update({ ...u.assignment, desiredStatus: 'STOPPED' });
    await r2.done;
  });

  test('restartPolicy restarts a container that ran long enough, in place; ignored exit codes do not restart', async () => {
    const s = setup([{ name: 'app', image: 'img', restartPolicy: { enabled: true, restartAttemptPeriod: 60, ignoredExitCodes: [0] } }], { app: { runMs: 100, exitCode: 1 } });
    s.advance(0);
    const runner = TaskRunner.fresh(s.deps, s.assignment);
    while (!s.reports.some((r) => r.lastStatus === 'RUNNING')) await new Promise((r) => setTimeout(r, 10));
    s.advance(61_000); // the container has "run" past restartAttemptPeriod
    for (let i = 0; i < 50 && (s.deps.stateStore.load(s.taskId)?.containers[0]?.restartCount ?? 0) < 1; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok((s.deps.stateStore.load(s.taskId)?.containers[0]?.restartCount ?? 0) >= 1, 'restarted in place');
    assert.ok(!s.reports.some((r) => r.lastStatus === 'STOPPING'), 'the task did not stop');
    runner.update({ ...s.assignment, desiredStatus: 'STOPPED' });
    await runner.done;
  });

  test('adoption: a runner detached mid-run (agent crash) is replaced by one from the state file, which reports the exit that happened meanwhile', async () => {
    const s = setup([{ name: 'app', image: 'img' }], { app: { runMs: 700, exitCode: 5 } });
    const first = TaskRunner.fresh(s.deps, s.assignment);
    while (!s.reports.some((r) => r.lastStatus === 'RUNNING')) await new Promise((r) => setTimeout(r, 10));
    first.detach();
    await first.done;
    const reportsBefore = s.reports.length;
    await new Promise((r) => setTimeout(r, 900)); // the container exits while no runner watches
    assert.equal(s.reports.length, reportsBefore, 'nobody reported while detached');
    const state = s.stateStore.load(s.taskId)!;
    assert.equal(state.phase, 'running');
    await new TaskRunner(s.deps, state).done;
    const final = last(s.reports);
    assert.equal(final.lastStatus, 'STOPPED');
    assert.equal(container(final, 'app').exitCode, 5);
    assert.equal(final.stopCode, 'EssentialContainerExited');
  });
});
