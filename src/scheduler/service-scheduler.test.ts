import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeploymentRecord } from '../store/store.js';
import {
  circuitBreakerThreshold, reconcileService, throttleDelayMs, type SchedulerTask, type ServicePlan, type ServiceSnapshot,
} from './service-scheduler.js';

const NOW = 1_000_000_000;
const TD1 = 'arn:aws:ecs:us-east-1:1:task-definition/web:1';
const TD2 = 'arn:aws:ecs:us-east-1:1:task-definition/web:2';
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function deployment(id: string, extra: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id, status: 'PRIMARY', taskDefinition: TD1, desiredCount: 3, failedTasks: 0, rolloutState: 'COMPLETED',
    rolloutStateReason: '', createdAt: NOW - 3_600_000, updatedAt: NOW - 3_600_000, ...extra,
  };
}

let n = 0;
/** A task RUNNING for an hour (healthy), of deployment d1, in zone a, unless told otherwise. */
function task(extra: Partial<SchedulerTask> = {}): SchedulerTask {
  n += 1;
  return {
    id: `t${String(n).padStart(3, '0')}`, deploymentId: 'd1', lastStatus: 'RUNNING', desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN', startedAtMs: NOW - 3_600_000, availabilityZone: ZONES[0], ...extra,
  };
}
const pending = (extra: Partial<SchedulerTask> = {}): SchedulerTask => task({ lastStatus: 'PENDING', startedAtMs: undefined, ...extra });
const failed = (extra: Partial<SchedulerTask> = {}): SchedulerTask => task({
  lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stoppingAtMs: NOW - 1000, ...extra,
});

function snapshot(extra: Partial<ServiceSnapshot> = {}): ServiceSnapshot {
  return {
    name: 'web', status: 'ACTIVE', desiredCount: 3, minimumHealthyPercent: 100, maximumPercent: 200,
    healthCheckGracePeriodSeconds: 0, deployments: [deployment('d1')], tasks: [], zones: ZONES,
    healthChecked: new Set(), state: {}, recentEvents: [], ...extra,
  };
}

let ids = 0;
const plan = (s: ServiceSnapshot, now = NOW): ServicePlan => reconcileService(s, { now, settleMs: 40_000, newDeploymentId: () => `ecs-svc/new${++ids}` });
const stoppedIds = (p: ServicePlan): string[] => p.stop.map((s) => s.taskId).sort();

describe('desired count', () => {
  test('an empty service starts desiredCount tasks, one per zone of its subnets', () => {
    const p = plan(snapshot());
    assert.equal(p.start.length, 3);
    assert.deepEqual(p.start.map((s) => s.availabilityZone), ZONES);
    assert.ok(p.start.every((s) => s.deploymentId === 'd1'));
    assert.deepEqual(p.stop, []);
  });

  test('a STOPPED task is replaced in the zone that lost it', () => {
    const tasks = [task({ availabilityZone: ZONES[0] }), task({ availabilityZone: ZONES[1] }), failed({ availabilityZone: ZONES[2] })];
    const p = plan(snapshot({ tasks }));
    assert.deepEqual(p.start.map((s) => s.availabilityZone), [ZONES[2]]);
  });

  test('spread: new tasks go to the zones holding fewest of the service tasks', () => {
    const tasks = [task({ availabilityZone: ZONES[0] }), task({ availabilityZone: ZONES[0] })];
    const p = plan(snapshot({ desiredCount: 5, tasks }));
    assert.deepEqual(p.start.map((s) => s.availabilityZone), [ZONES[1], ZONES[2], ZONES[1]]);
  });

  test('no subnets: starts without a zone preference', () => {
    assert.deepEqual(plan(snapshot({ zones: [], desiredCount: 1 })).start.map((s) => s.availabilityZone), [undefined]);
  });

  test('at desiredCount and settled: nothing to do, a steady-state event (once)', () => {
    const s = snapshot({ tasks: [task(), task(), task()] });
    const p = plan(s);
    assert.deepEqual([p.start, p.stop], [[], []]);
    assert.deepEqual(p.events, ['(service web) has reached a steady state.']);
    const again = plan({ ...s, recentEvents: [{ message: p.events[0]!, createdAt: NOW - 60_000 }] });
    assert.deepEqual(again.events, [], 'a repeat within 6 h is suppressed');
    const later = plan({ ...s, recentEvents: [{ message: p.events[0]!, createdAt: NOW - 7 * 3600_000 }] });
    assert.equal(later.events.length, 1);
  });

  test('a task still settling (RUNNING < 40 s, no health check) is not yet healthy: no steady state, a requeue', () => {
    const p = plan(snapshot({ tasks: [task(), task(), task({ startedAtMs: NOW - 10_000 })] }));
    assert.deepEqual(p.events, []);
    assert.equal(p.requeueAfterMs, 30_000);
  });

  test('scale-in stops the excess: pending first, then the zone with most tasks; the stop event lists them', () => {
    const a1 = task({ availabilityZone: ZONES[0] });
    const a2 = task({ availabilityZone: ZONES[0] });
    const b1 = task({ availabilityZone: ZONES[1] });
    const c1 = pending({ availabilityZone: ZONES[2] });
    const p = plan(snapshot({ desiredCount: 2, tasks: [a1, a2, b1, c1] }));
    assert.deepEqual(p.stop.map((s) => s.taskId), [c1.id, a1.id].length === 2 ? [c1.id, p.stop[1]!.taskId] : []);
    assert.ok([a1.id, a2.id].includes(p.stop[1]!.taskId), 'the second comes from the zone holding two');
    assert.ok(p.stop.every((s) => s.reason === 'Scaling activity initiated by (deployment d1)' && !s.failed));
    assert.ok(p.events.includes(`(service web) has stopped 2 running tasks: (task ${p.stop[0]!.taskId}) (task ${p.stop[1]!.taskId}).`));
    assert.deepEqual(p.start, []);
  });

  test('scale-in skips protected tasks; with every task protected it waits', () => {
    const prot = task({ protectedUntilMs: NOW + 60_000 });
    const free = task();
    assert.deepEqual(stoppedIds(plan(snapshot({ desiredCount: 1, tasks: [prot, free] }))), [free.id]);
    const all = [task({ protectedUntilMs: NOW + 1 }), task({ protectedUntilMs: NOW + 1 })];
    assert.deepEqual(plan(snapshot({ desiredCount: 1, tasks: all })).stop, []);
    const expired = [task({ protectedUntilMs: NOW - 1 }), task({ protectedUntilMs: NOW + 1 })];
    assert.deepEqual(stoppedIds(plan(snapshot({ desiredCount: 1, tasks: expired }))), [expired[0]!.id]);
  });

  test('desiredCount 0 stops every unprotected task', () => {
    assert.equal(plan(snapshot({ desiredCount: 0, tasks: [task(), pending()] })).stop.length, 2);
  });

  test('tasks still stopping count against maximumPercent', () => {
    const stopping = task({ desiredStatus: 'STOPPED', stopCode: 'UserInitiated' });
    const p = plan(snapshot({ desiredCount: 2, maximumPercent: 100, tasks: [task(), stopping] }));
    assert.equal(p.start.length, 0);
  });
});

describe('health', () => {
  test('an UNHEALTHY task past the grace period is stopped as failed and replaced', () => {
    const sick = task({ healthStatus: 'UNHEALTHY', startedAtMs: NOW - 120_000 });
    const p = plan(snapshot({ desiredCount: 1, healthCheckGracePeriodSeconds: 60, tasks: [sick], healthChecked: new Set([TD1]) }));
    assert.deepEqual(p.stop, [{ taskId: sick.id, reason: 'Task failed container health checks', failed: true }]);
    assert.equal(p.start.length, 1);
    assert.equal(p.deployments[0]!.failedTasks, 1);
  });

  test('within the grace period it is left alone and looked at again when the period ends', () => {
    const sick = task({ healthStatus: 'UNHEALTHY', startedAtMs: NOW - 20_000 });
    const p = plan(snapshot({ desiredCount: 1, healthCheckGracePeriodSeconds: 60, tasks: [sick], healthChecked: new Set([TD1]) }));
    assert.deepEqual(p.stop, []);
    assert.equal(p.requeueAfterMs, 40_000);
  });

  test('with health checks a task is healthy only when HEALTHY (UNKNOWN is not)', () => {
    const s = snapshot({ desiredCount: 1, healthChecked: new Set([TD1]), deployments: [deployment('d1', { rolloutState: 'IN_PROGRESS' })] });
    assert.equal(plan({ ...s, tasks: [task({ healthStatus: 'UNKNOWN' })] }).deployments[0]!.rolloutState, 'IN_PROGRESS');
    assert.equal(plan({ ...s, tasks: [task({ healthStatus: 'HEALTHY' })] }).deployments[0]!.rolloutState, 'COMPLETED');
  });
});

describe('rolling deployments', () => {
  const old = (): SchedulerTask[] => [task(), task({ availabilityZone: ZONES[1] }), task({ availabilityZone: ZONES[2] })];
  const deploying = (extra: Partial<ServiceSnapshot> = {}): ServiceSnapshot => snapshot({
    deployments: [deployment('d2', { taskDefinition: TD2, rolloutState: 'IN_PROGRESS', createdAt: NOW - 1000 }), deployment('d1', { status: 'ACTIVE' })],
    ...extra,
  });

  test('min 100 / max 200: all new tasks start first, no old task stops until new ones are healthy', () => {
    const p = plan(deploying({ tasks: old() }));
    assert.equal(p.start.length, 3);
    assert.ok(p.start.every((s) => s.deploymentId === 'd2'));
    assert.deepEqual(p.stop, []);
  });

  test('min 100: as many old tasks stop as new ones became healthy', () => {
    const tasks = [...old(), task({ deploymentId: 'd2' }), pending({ deploymentId: 'd2' }), pending({ deploymentId: 'd2' })];
    const p = plan(deploying({ tasks }));
    assert.equal(p.stop.length, 1);
    assert.ok(tasks.slice(0, 3).some((t) => t.id === p.stop[0]!.taskId));
    assert.deepEqual(p.start, []);
  });

  test('min 50 / max 100 with 4: two old stop first, nothing starts past 4 tasks', () => {
    const tasks = [...old(), task()];
    const p = plan(deploying({ desiredCount: 4, minimumHealthyPercent: 50, maximumPercent: 100, tasks }));
    assert.equal(p.stop.length, 2);
    assert.equal(p.start.length, 0, 'the two stopping still count against the 4');
    const next = plan(deploying({
      desiredCount: 4, minimumHealthyPercent: 50, maximumPercent: 100,
      tasks: [tasks[0]!, tasks[1]!, { ...tasks[2]!, desiredStatus: 'STOPPED', lastStatus: 'STOPPED', stopCode: 'ServiceSchedulerInitiated' },
        { ...tasks[3]!, desiredStatus: 'STOPPED', lastStatus: 'STOPPED', stopCode: 'ServiceSchedulerInitiated' }],
    }));
    assert.equal(next.start.length, 2, 'once they are gone two new ones start');
    assert.deepEqual(next.stop, [], 'and the two old healthy ones stay for the 50 %');
  });

  test('percent arithmetic: cap floor(desired×max/100), floor ceil(desired×min/100)', () => {
    // desired 3, max 150 → 4 tasks at most; min 50 → 2 healthy at least.
    const p = plan(deploying({ maximumPercent: 150, minimumHealthyPercent: 50, tasks: old() }));
    assert.equal(p.start.length, 1);
    assert.equal(p.stop.length, 1);
  });

  test('old tasks not yet healthy stop whatever min says; protected old tasks do not', () => {
    const prot = task({ protectedUntilMs: NOW + 60_000 });
    const tasks = [pending(), prot, task(), task({ deploymentId: 'd2' }), task({ deploymentId: 'd2' }), task({ deploymentId: 'd2' })];
    const p = plan(deploying({ tasks }));
    assert.deepEqual(stoppedIds(p), [tasks[0]!.id, tasks[2]!.id].sort());
  });

  test('the old deployment is dropped once its tasks are STOPPED and the new one COMPLETED with its events', () => {
    const tasks = [failed({ stopCode: 'ServiceSchedulerInitiated' }), task({ deploymentId: 'd2' }), task({ deploymentId: 'd2' }), task({ deploymentId: 'd2' })];
    const p = plan(deploying({ tasks }));
    assert.deepEqual(p.deployments.map((d) => [d.id, d.status, d.rolloutState, d.rolloutStateReason]), [['d2', 'PRIMARY', 'COMPLETED', 'ECS deployment d2 completed.']]);
    assert.deepEqual(p.events, ['(service web) (deployment d2) deployment completed.', '(service web) has reached a steady state.']);
    assert.equal(p.state.lastCompleted?.id, 'd2');
  });

  test('old deployments show their remaining tasks as desiredCount; the primary the service desired count', () => {
    const tasks = [...old(), task({ deploymentId: 'd2' })];
    const p = plan(deploying({ tasks }));
    assert.deepEqual(p.deployments.map((d) => d.desiredCount), [3, 2]);
  });

  test('min 100 / max 100: no room either way, the deployment-configuration event', () => {
    const p = plan(deploying({ maximumPercent: 100, tasks: old() }));
    assert.deepEqual([p.start.length, p.stop.length], [0, 0]);
    assert.match(p.events.join('\n'), /unable to stop or start tasks during a deployment because of the service deployment configuration/);
  });
});

describe('circuit breaker', () => {
  test('threshold: min(max(ceil(desired/2), 3), 200)', () => {
    assert.deepEqual([0, 1, 3, 6, 7, 10, 100, 400, 1000].map(circuitBreakerThreshold), [3, 3, 3, 3, 4, 5, 50, 200, 200]);
  });

  const breaking = (failures: number, rollback: boolean, lastCompleted = true): ServicePlan => {
    const tasks = [task(), task(), task(), ...Array.from({ length: failures }, () => failed({ deploymentId: 'd2' }))];
    return plan(snapshot({
      circuitBreaker: { enable: true, rollback },
      deployments: [deployment('d2', { taskDefinition: TD2, rolloutState: 'IN_PROGRESS', createdAt: NOW - 60_000 }), deployment('d1', { status: 'ACTIVE' })],
      tasks, state: lastCompleted ? { lastCompleted: deployment('d1') } : {},
    }));
  };

  test('below the threshold the deployment goes on and counts failedTasks', () => {
    const p = breaking(2, true);
    assert.equal(p.deployments[0]!.rolloutState, 'IN_PROGRESS');
    assert.equal(p.deployments[0]!.failedTasks, 2);
    assert.equal(p.start.length, 3);
  });

  test('at the threshold with rollback: FAILED, a new PRIMARY on the last COMPLETED definition', () => {
    const p = breaking(3, true);
    const [back, ...rest] = p.deployments;
    assert.equal(back!.status, 'PRIMARY');
    assert.equal(back!.taskDefinition, TD1);
    assert.equal(back!.rolloutState, 'IN_PROGRESS');
    assert.match(back!.rolloutStateReason, /circuit breaker: rolling back to deploymentId d1/);
    assert.deepEqual(rest.map((d) => d.id), ['d1'], 'the failed deployment has no task left: INACTIVE, dropped');
    assert.equal(p.taskDefinition, TD1);
    assert.ok(p.events.includes('(service web) (deployment d2) deployment failed: tasks failed to start.'));
    assert.ok(p.events.includes('(service web) rolling back to deployment d1.'));
    // The rollback is a deployment of its own: the d1 tasks are replaced by its tasks, rolling as usual.
    assert.ok(p.start.every((s) => s.deploymentId === back!.id));
    const withTasks = breaking(3, true);
    assert.ok(withTasks.deployments.every((d) => d.id !== 'd2' || (d.status === 'ACTIVE' && d.rolloutState === 'FAILED')));
  });

  test('a failed deployment whose tasks are still stopping stays listed as ACTIVE and FAILED', () => {
    const tasks = [task(), ...Array.from({ length: 3 }, () => failed({ deploymentId: 'd2', lastStatus: 'STOPPING' }))];
    const p = plan(snapshot({
      desiredCount: 1, circuitBreaker: { enable: true, rollback: true }, tasks, state: { lastCompleted: deployment('d1') },
      deployments: [deployment('d2', { taskDefinition: TD2, rolloutState: 'IN_PROGRESS', createdAt: NOW - 60_000 }), deployment('d1', { status: 'ACTIVE' })],
    }));
    assert.deepEqual(p.deployments.slice(1).map((d) => [d.id, d.status, d.rolloutState, d.rolloutStateReason]),
      [['d2', 'ACTIVE', 'FAILED', 'ECS deployment circuit breaker: tasks failed to start.'], ['d1', 'ACTIVE', 'COMPLETED', '']]);
  });

  test('at the threshold without rollback (or nothing to roll back to): FAILED stays PRIMARY, nothing new starts, old tasks stay', () => {
    for (const p of [breaking(3, false), breaking(3, true, false)]) {
      assert.equal(p.deployments[0]!.id, 'd2');
      assert.equal(p.deployments[0]!.rolloutState, 'FAILED');
      assert.deepEqual(p.start, []);
      assert.deepEqual(p.stop, []);
    }
  });

  test('disabled: failures are counted but never fail the deployment', () => {
    const tasks = Array.from({ length: 10 }, () => failed());
    const p = plan(snapshot({ deployments: [deployment('d1', { rolloutState: 'IN_PROGRESS', createdAt: NOW - 120_000 })], tasks }));
    assert.equal(p.deployments[0]!.rolloutState, 'IN_PROGRESS');
    assert.equal(p.deployments[0]!.failedTasks, 10);
  });

  test('failedTasks never goes down when stopped tasks are purged', () => {
    const p = plan(snapshot({ deployments: [deployment('d1', { failedTasks: 7 })], tasks: [task(), task(), task()] }));
    assert.equal(p.deployments[0]!.failedTasks, 7);
  });

  test('what counts as failed: never started, essential exit, health; not user or scheduler stops', () => {
    const tasks = [failed({ stopCode: 'TaskFailedToStart' }), failed(), failed({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed container health checks' }),
      failed({ stopCode: 'UserInitiated' }), failed({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Scaling activity initiated by (deployment d1)' })];
    assert.equal(plan(snapshot({ tasks })).deployments[0]!.failedTasks, 3);
  });
});

describe('launch throttling', () => {
  test('delay: none below 3 consecutive failures, then 10 s doubling up to 15 min', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 20].map(throttleDelayMs), [0, 0, 0, 10_000, 20_000, 40_000, 900_000]);
  });

  test('three quick failures hold starts back, with an event and a requeue at the end of the delay', () => {
    const tasks = [failed({ stoppingAtMs: NOW - 3000 }), failed({ stoppingAtMs: NOW - 2000 }), failed({ stoppingAtMs: NOW - 1000 })];
    const p = plan(snapshot({ desiredCount: 1, tasks }));
    assert.deepEqual(p.start, []);
    assert.equal(p.requeueAfterMs, 9_000);
    assert.deepEqual(p.events, ['(service web) is unable to consistently start tasks successfully.']);
    assert.equal(plan(snapshot({ desiredCount: 1, tasks }), NOW + 9_000).start.length, 1, 'after the delay it tries again');
  });

  test('a task that proved healthy since resets the streak; so does a new deployment', () => {
    const fails = [failed({ stoppingAtMs: NOW - 300_000 }), failed({ stoppingAtMs: NOW - 290_000 }), failed({ stoppingAtMs: NOW - 280_000 })];
    assert.equal(plan(snapshot({ desiredCount: 2, tasks: [...fails, task({ startedAtMs: NOW - 100_000 })] })).start.length, 1);
    const fresh = snapshot({ desiredCount: 1, tasks: fails.map((t) => ({ ...t, stoppingAtMs: NOW - 1000 })), deployments: [deployment('d1', { createdAt: NOW - 500 })] });
    assert.equal(plan(fresh).start.length, 1);
  });

  test('placement failures the controller recorded count too', () => {
    const p = plan(snapshot({ desiredCount: 1, state: { placementFailures: 4, lastPlacementFailureAt: NOW - 5_000 } }));
    assert.deepEqual(p.start, []);
    assert.equal(p.requeueAfterMs, 15_000);
  });
});

describe('capacity providers', () => {
  test('base then weight per launched task, counting the deployment tasks already running', () => {
    const strategy = [{ capacityProvider: 'FARGATE', base: 1, weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 3 }];
    const p = plan(snapshot({ desiredCount: 5, deployments: [deployment('d1', { capacityProviderStrategy: strategy })] }));
    assert.equal(p.start[0]!.capacityProviderName, 'FARGATE', 'the base first');
    assert.deepEqual(p.start.map((s) => s.capacityProviderName).sort(), ['FARGATE', 'FARGATE', 'FARGATE_SPOT', 'FARGATE_SPOT', 'FARGATE_SPOT']);
    const more = plan(snapshot({
      desiredCount: 2, deployments: [deployment('d1', { capacityProviderStrategy: strategy })],
      tasks: [task({ capacityProviderName: 'FARGATE' })],
    }));
    assert.deepEqual(more.start.map((s) => s.capacityProviderName), ['FARGATE_SPOT']);
  });

  test('a launch type: no provider named', () => {
    assert.deepEqual(plan(snapshot({ desiredCount: 1 })).start.map((s) => s.capacityProviderName), [undefined]);
  });
});

describe('deletion', () => {
  test('DRAINING stops every task (protected too) and is INACTIVE once they are STOPPED', () => {
    const tasks = [task(), task({ protectedUntilMs: NOW + 60_000 }), pending()];
    const p = plan(snapshot({ status: 'DRAINING', desiredCount: 0, tasks }));
    assert.equal(p.stop.length, 3);
    assert.equal(p.status, 'DRAINING');
    const gone = plan(snapshot({ status: 'DRAINING', desiredCount: 0, tasks: [failed({ stopCode: 'ServiceSchedulerInitiated' })] }));
    assert.equal(gone.status, 'INACTIVE');
    assert.deepEqual(gone.deployments, []);
  });
});

describe('safety properties over generated snapshots', () => {
  test('never more than max% live+stopping after starts; never below min% healthy through deployment stops', () => {
    let seed = 7;
    const rnd = (k: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % k;
    };
    for (let round = 0; round < 500; round++) {
      const desired = rnd(8);
      const min = [0, 50, 100][rnd(3)]!;
      const max = [100, 150, 200][rnd(3)]!;
      const tasks: SchedulerTask[] = [];
      for (let i = rnd(12); i > 0; i--) {
        const kind = rnd(4);
        const dep = rnd(2) ? 'd2' : 'd1';
        tasks.push(kind === 0 ? pending({ deploymentId: dep }) : kind === 1 ? failed({ deploymentId: dep }) : task({ deploymentId: dep, availabilityZone: ZONES[rnd(3)] }));
      }
      const s = snapshot({
        desiredCount: desired, minimumHealthyPercent: min, maximumPercent: max, tasks,
        deployments: [deployment('d2', { taskDefinition: TD2, rolloutState: 'IN_PROGRESS', createdAt: NOW - 10 }), deployment('d1', { status: 'ACTIVE' })],
      });
      const p = plan(s);
      const liveBefore = tasks.filter((t) => t.desiredStatus !== 'STOPPED');
      const after = liveBefore.length - p.stop.length + p.start.length;
      if (p.start.length > 0) assert.ok(after <= Math.floor((desired * max) / 100), `round ${round}: ${after} live > max`);
      const healthyBefore = liveBefore.filter((t) => t.lastStatus === 'RUNNING').length;
      const healthyStopped = p.stop.filter((x) => liveBefore.find((t) => t.id === x.taskId)?.lastStatus === 'RUNNING'
        && liveBefore.find((t) => t.id === x.taskId)?.deploymentId === 'd1').length;
      const floor = Math.ceil((desired * min) / 100);
      if (healthyStopped > 0) assert.ok(healthyBefore - healthyStopped >= Math.min(floor, healthyBefore), `round ${round}: below min healthy`);
      assert.equal(new Set(p.stop.map((x) => x.taskId)).size, p.stop.length, 'no task stopped twice');
    }
  });
});

describe('load balancers', () => {
  const lb = { loadBalanced: { deregistrationDelayMs: 30_000 } };

  test('a task counts as healthy only once its targets are', () => {
    const s = snapshot({ ...lb, desiredCount: 1, deployments: [deployment('d1', { rolloutState: 'IN_PROGRESS' })] });
    assert.equal(plan({ ...s, tasks: [task({ targetHealth: 'pending' })] }).deployments[0]!.rolloutState, 'IN_PROGRESS');
    assert.equal(plan({ ...s, tasks: [task({ targetHealth: 'healthy' })] }).deployments[0]!.rolloutState, 'COMPLETED');
  });

  test('a RUNNING task to stop drains first: deregistered now, stopped with its reason once the delay is over', () => {
    const a = task({ targetHealth: 'healthy' });
    const b = task({ targetHealth: 'healthy' });
    const first = plan(snapshot({ ...lb, desiredCount: 1, tasks: [a, b] }));
    assert.equal(first.drain.length, 1);
    assert.deepEqual(first.stop, []);
    assert.equal(first.requeueAfterMs, 30_000);
    assert.ok(first.events.includes('(service web) has begun draining connections on 1 tasks.'));
    const drained = first.drain[0]!.taskId;
    assert.deepEqual(Object.keys(first.state.draining ?? {}), [drained]);
    const during = plan(snapshot({ ...lb, desiredCount: 1, tasks: [a, b], state: first.state }), NOW + 10_000);
    assert.deepEqual([during.drain, during.stop], [[], []], 'nothing more while it drains');
    const done = plan(snapshot({ ...lb, desiredCount: 1, tasks: [a, b], state: first.state }), NOW + 30_000);
    assert.deepEqual(done.stop, [{ taskId: drained, reason: 'Scaling activity initiated by (deployment d1)', failed: false }]);
    assert.equal(done.state.draining, undefined);
  });

  test('a draining task counts against maximumPercent and is no longer healthy', () => {
    const a = task({ targetHealth: 'healthy' });
    const s = snapshot({ ...lb, desiredCount: 1, maximumPercent: 100, tasks: [a], state: { draining: { [a.id]: { since: NOW, reason: 'r', failed: false } } } });
    assert.deepEqual(plan(s).start, [], 'the draining task still holds its place');
  });

  test('tasks not yet RUNNING stop at once; with a delay of 0 nothing drains', () => {
    assert.equal(plan(snapshot({ ...lb, desiredCount: 0, tasks: [pending()] })).stop.length, 1);
    const p = plan(snapshot({ loadBalanced: { deregistrationDelayMs: 0 }, desiredCount: 0, tasks: [task({ targetHealth: 'healthy' })] }));
    assert.deepEqual([p.stop.length, p.drain.length], [1, 0]);
  });

  test('a target failing its health checks past the grace period: drained and replaced, counted as failed', () => {
    const TG = 'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/tg/0123456789abcdef';
    const sick = task({ targetHealth: 'unhealthy', unhealthyTargetGroup: TG, startedAtMs: NOW - 120_000 });
    const p = plan(snapshot({ ...lb, desiredCount: 1, healthCheckGracePeriodSeconds: 60, tasks: [sick] }));
    assert.deepEqual(p.drain, [{ taskId: sick.id, reason: `Task failed ELB health checks in (target-group ${TG})`, failed: true }]);
    assert.equal(p.start.length, 1);
    const young = task({ targetHealth: 'unhealthy', startedAtMs: NOW - 10_000 });
    assert.deepEqual(plan(snapshot({ ...lb, desiredCount: 1, healthCheckGracePeriodSeconds: 60, tasks: [young] })).drain, []);
  });
});
