import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  circuitBreakerThreshold, recordPlacementFailures, trackDeployment, tripCircuitBreaker, type CircuitBreakerProgress,
} from './deployment-circuit-breaker.js';
import type { SchedulerTask } from './service-task.js';
import { deployment, failed, NOW, startFailed, task, TD2 } from './service-snapshot-support.test.js';

const d2 = deployment('d2', { taskDefinition: TD2, rolloutState: 'IN_PROGRESS', createdAt: NOW - 60_000 });
const running = (t: SchedulerTask): boolean => t.desiredStatus !== 'STOPPED' && t.lastStatus === 'RUNNING';
const track = (tasks: SchedulerTask[], progress?: CircuitBreakerProgress, passing = running) =>
  trackDeployment({ deployment: d2, progress, tasks, failingNow: new Set(), passing, now: NOW });
const mine = (t: Partial<SchedulerTask>): Partial<SchedulerTask> => ({ deploymentId: 'd2', ...t });

describe('threshold', () => {
  test('clamp(ceil(0.5 × desiredCount), 10, 200): the developer guide examples', () => {
    assert.deepEqual([0, 1, 3, 20, 21, 25, 30, 400, 800, 1000].map(circuitBreakerThreshold), [10, 10, 10, 10, 11, 13, 15, 200, 200, 200]);
  });
});

describe('counting', () => {
  test('stage 1: each task of the deployment that stopped before RUNNING; other deployments and stops by users are not', () => {
    const tasks = [startFailed(mine({})), startFailed(mine({})), startFailed({ deploymentId: 'd1' }), startFailed(mine({ stopCode: 'UserInitiated' }))];
    assert.deepEqual(track(tasks), { progress: { deploymentId: 'd2' }, failedTasks: 2 });
  });

  test('stage 2 begins when a task reaches RUNNING: later start failures are not counted, health-check stops are', () => {
    const ran = task(mine({ startedAtMs: NOW - 10_000, healthStatus: 'UNKNOWN' }));
    const tasks = [startFailed(mine({ stoppingAtMs: NOW - 20_000 })), ran, startFailed(mine({ stoppingAtMs: NOW - 5000 })),
      failed(mine({ startedAtMs: NOW - 8000, stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed container health checks' })),
      failed(mine({ startedAtMs: NOW - 8000, stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed ELB health checks in (target-group arn:tg)' })),
      failed(mine({ startedAtMs: NOW - 8000 }))];
    const out = track(tasks, undefined, () => false);
    assert.deepEqual(out, { progress: { deploymentId: 'd2', runningAt: NOW - 10_000 }, failedTasks: 3 });
  });

  test('health-check stops this pass plans count at once', () => {
    const sick = task(mine({ healthStatus: 'UNHEALTHY' }));
    const out = trackDeployment({ deployment: d2, progress: undefined, tasks: [sick], failingNow: new Set([sick.id]), passing: () => false, now: NOW });
    assert.equal(out.failedTasks, 1);
  });

  test('a task RUNNING with its checks passed ends the watch: failedTasks 0 from then on, whatever fails later', () => {
    const first = track([startFailed(mine({})), task(mine({ startedAtMs: NOW - 1000 }))]);
    assert.deepEqual(first, { progress: { deploymentId: 'd2', runningAt: NOW - 1000, passedAt: NOW }, failedTasks: 0 });
    const later = track(Array.from({ length: 12 }, () => startFailed(mine({}))), first.progress);
    assert.equal(later.failedTasks, 0);
  });

  test('a count never goes down when stopped tasks are purged; progress of another deployment is not reused', () => {
    const out = trackDeployment({ deployment: { ...d2, failedTasks: 7 }, progress: { deploymentId: 'd1', passedAt: 1 }, tasks: [], failingNow: new Set(), passing: running, now: NOW });
    assert.deepEqual(out, { progress: { deploymentId: 'd2' }, failedTasks: 7 });
  });

  test('launches that found no capacity count in stage 1 only', () => {
    const p = recordPlacementFailures(recordPlacementFailures(undefined, 'd2', 2), 'd2', 1);
    assert.deepEqual(p, { deploymentId: 'd2', placementFailures: 3 });
    assert.equal(track([startFailed(mine({}))], p).failedTasks, 4);
    assert.deepEqual(recordPlacementFailures({ deploymentId: 'd2', runningAt: 5 }, 'd2', 4), { deploymentId: 'd2', runningAt: 5 });
    assert.deepEqual(recordPlacementFailures(p, 'd3', 1), { deploymentId: 'd3', placementFailures: 1 });
  });
});

describe('tripping', () => {
  const d1 = deployment('d1', { status: 'ACTIVE' });
  const trip = (failedTasks: number, extra: { rollback?: boolean; enable?: boolean; lastCompleted?: boolean; desiredCount?: number } = {}) => tripCircuitBreaker({
    service: 'web', deployments: [{ ...d2, failedTasks }, d1], circuitBreaker: { enable: extra.enable ?? true, rollback: extra.rollback ?? true },
    desiredCount: extra.desiredCount ?? 3, lastCompleted: extra.lastCompleted === false ? undefined : deployment('d1'), now: NOW, newDeploymentId: () => 'ecs-svc/9',
  });

  test('below the threshold, or disabled: nothing', () => {
    assert.equal(trip(9), undefined);
    assert.equal(trip(14, { desiredCount: 30 }), undefined);
    assert.equal(trip(50, { enable: false }), undefined);
    assert.ok(trip(15, { desiredCount: 30 }));
  });

  test('with rollback: a new PRIMARY of the last COMPLETED deployment, the failed one ACTIVE, and the events', () => {
    const t = trip(10)!;
    assert.deepEqual(t.deployments.map((d) => [d.id, d.status, d.taskDefinition, d.rolloutState, d.rolloutStateReason]), [
      ['ecs-svc/9', 'PRIMARY', deployment('d1').taskDefinition, 'IN_PROGRESS', 'ECS deployment circuit breaker: rolling back to deploymentId d1.'],
      ['d2', 'ACTIVE', TD2, 'FAILED', 'ECS deployment circuit breaker: tasks failed to start.'],
      ['d1', 'ACTIVE', d1.taskDefinition, 'COMPLETED', ''],
    ]);
    assert.equal(t.taskDefinition, deployment('d1').taskDefinition);
    assert.deepEqual(t.events, ['(service web) (deployment d2) deployment failed: tasks failed to start.', '(service web) rolling back to deployment d1.']);
  });

  test('without rollback, or with no COMPLETED deployment: FAILED stays PRIMARY, no task definition change', () => {
    for (const t of [trip(10, { rollback: false }), trip(10, { lastCompleted: false })]) {
      assert.deepEqual(t!.deployments.map((d) => [d.id, d.status, d.rolloutState]), [['d2', 'PRIMARY', 'FAILED'], ['d1', 'ACTIVE', 'COMPLETED']]);
      assert.equal(t!.taskDefinition, undefined);
      assert.deepEqual(t!.events, ['(service web) (deployment d2) deployment failed: tasks failed to start.']);
    }
  });

  test('only an IN_PROGRESS PRIMARY trips', () => {
    const done = tripCircuitBreaker({
      service: 'web', deployments: [{ ...d2, rolloutState: 'COMPLETED', failedTasks: 99 }], circuitBreaker: { enable: true, rollback: true },
      desiredCount: 3, lastCompleted: undefined, now: NOW, newDeploymentId: () => 'x',
    });
    assert.equal(done, undefined);
  });
});
