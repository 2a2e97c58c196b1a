import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planContainers, stopOrder, taskHealth, type ContainerView } from './container-plan.js';

const c = (name: string, over: Partial<ContainerView> = {}): ContainerView => ({
  name, essential: true, dependsOn: [], startTimeoutMs: 120_000, phase: 'waiting', health: 'UNKNOWN', ...over,
});

describe('container plan (dependsOn, essential)', () => {
  test('containers without dependencies start together', () => {
    const p = planContainers([c('app'), c('sidecar', { essential: false })], 0);
    assert.deepEqual(p.start, ['app', 'sidecar']);
    assert.equal(p.stopTask, undefined);
    assert.equal(p.essentialsRunning, false);
  });

  test('START waits for the dependency to start; COMPLETE and SUCCESS for it to exit; HEALTHY for a passing check', () => {
    const views = [
      c('init', { essential: false, phase: 'running' }),
      c('a', { dependsOn: [{ containerName: 'init', condition: 'START' }] }),
      c('b', { dependsOn: [{ containerName: 'init', condition: 'COMPLETE' }] }),
      c('d', { dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }] }),
      c('e', { dependsOn: [{ containerName: 'init', condition: 'HEALTHY' }] }),
    ];
    assert.deepEqual(planContainers(views, 0).start, ['a']);
    const healthy = views.map((v) => (v.name === 'init' ? { ...v, health: 'HEALTHY' as const } : v));
    assert.deepEqual(planContainers(healthy, 0).start, ['a', 'e']);
    const exited0 = views.map((v) => (v.name === 'init' ? { ...v, phase: 'exited' as const, exitCode: 0 } : v));
    assert.deepEqual(planContainers(exited0, 0).start, ['a', 'b', 'd']);
  });

  test('SUCCESS after a non-zero exit can never be met: the dependent never starts and, if essential, the task fails to start', () => {
    const p = planContainers([
      c('migrate', { essential: false, phase: 'exited', exitCode: 2 }),
      c('app', { dependsOn: [{ containerName: 'migrate', condition: 'SUCCESS' }] }),
    ], 0);
    assert.deepEqual(p.start, []);
    assert.equal(p.neverStart[0]!.name, 'app');
    assert.match(p.neverStart[0]!.reason, /exited with 2/);
    assert.equal(p.stopTask?.stopCode, 'TaskFailedToStart');
    assert.match(p.stopTask!.reason, /^CannotStartContainerError: essential container 'app'/);
  });

  test('HEALTHY on a dependency that exited can never be met', () => {
    const p = planContainers([
      c('db', { essential: false, phase: 'exited', exitCode: 0 }),
      c('app', { essential: false, dependsOn: [{ containerName: 'db', condition: 'HEALTHY' }] }),
      c('main'),
    ], 0);
    assert.equal(p.neverStart[0]!.name, 'app');
    assert.equal(p.stopTask, undefined, 'a non-essential container that cannot start does not stop the task');
  });

  test('startTimeout: waiting longer than it gives up', () => {
    const views = [c('db', { essential: false, phase: 'running' }), c('app', { startTimeoutMs: 10_000, dependsOn: [{ containerName: 'db', condition: 'HEALTHY' }] })];
    assert.deepEqual(planContainers(views, 10_000).neverStart, []);
    const late = planContainers(views, 10_001);
    assert.match(late.neverStart[0]!.reason, /startTimeout \(10 s\)/);
    assert.equal(late.stopTask?.stopCode, 'TaskFailedToStart');
  });

  test('an essential container exiting stops the task; a non-essential one does not', () => {
    const nonEssential = planContainers([c('app', { phase: 'running' }), c('job', { essential: false, phase: 'exited', exitCode: 1 })], 0);
    assert.equal(nonEssential.stopTask, undefined);
    assert.equal(nonEssential.essentialsRunning, true);
    const essential = planContainers([c('app', { phase: 'exited', exitCode: 0 }), c('side', { essential: false, phase: 'running' })], 0);
    assert.deepEqual(essential.stopTask, { stopCode: 'EssentialContainerExited', reason: 'Essential container in task exited' });
  });

  test('stop order: dependents first, then what they depend on', () => {
    const waves = stopOrder([
      { name: 'proxy', dependsOn: [{ containerName: 'app', condition: 'START' }] },
      { name: 'app', dependsOn: [{ containerName: 'db', condition: 'HEALTHY' }] },
      { name: 'db', dependsOn: [] },
      { name: 'logger', dependsOn: [] },
    ]);
    assert.deepEqual(waves, [['proxy', 'logger'], ['app'], ['db']]);
  });

  test('task health aggregates essential containers only', () => {
    assert.equal(taskHealth([{ essential: true, health: 'HEALTHY' }, { essential: false, health: 'UNHEALTHY' }]), 'HEALTHY');
    assert.equal(taskHealth([{ essential: true, health: 'HEALTHY' }, { essential: true, health: 'UNKNOWN' }]), 'UNKNOWN');
    assert.equal(taskHealth([{ essential: true, health: 'UNHEALTHY' }, { essential: true, health: 'UNKNOWN' }]), 'UNHEALTHY');
  });
});
