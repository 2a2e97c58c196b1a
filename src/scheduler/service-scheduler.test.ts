import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServicePlan, ServiceSnapshot } from './service-scheduler.js';
import type { SchedulerTask } from './service-task.js';
import {
  deployment, failed, NOW, pending, plan, snapshot, startFailed, task, TD1, TD2, ZONES,
} from './service-snapshot-support.test.js';

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
    const p = plan(snapshot({
      desiredCount: 1, healthCheckGracePeriodSeconds: 60, tasks: [sick], healthChecked: new Set([TD1]),
      deployments: [deployment('d1', { rolloutState: 'IN_PROGRESS' })],
    }));
    assert.deepEqual(p.stop, [{ taskId: sick.id, reason: 'Task failed container health checks', failed: true }]);
    assert.equal(p.start.length, 1);
    assert.equal(p.deployments[0]!.failedTasks, 1, 'a failed task to the circuit breaker (stage 2)');
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
  /** A service of 3 on d1 (COMPLETED) updated to d2 whose tasks fail as told. */
  const updating = (d2Tasks: SchedulerTask[], opts: { rollback?: boolean; lastCompleted?: boolean; enable?: boolean } = {}): ServicePlan => plan(snapshot({
    circuitBreaker: { enable: opts.enable ?? true, rollback: opts.rollback ?? true },
    deployments: [deployment('d2', { taskDefinition: TD2, rolloutState: 'IN_PROGRESS', createdAt: NOW - 60_000 }), deployment('d1', { status: 'ACTIVE' })],
    tasks: [task(), task(), task(), ...d2Tasks], state: opts.lastCompleted === false ? {} : { lastCompleted: deployment('d1') },
  }));
  const neverStarted = (k: number): SchedulerTask[] => Array.from({ length: k }, () => startFailed({ deploymentId: 'd2' }));

  test('stage 1: tasks that never reach RUNNING count; below the threshold (10 for 3) the deployment goes on', () => {
    const p = updating(neverStarted(9));
    assert.equal(p.deployments[0]!.rolloutState, 'IN_PROGRESS');
    assert.equal(p.deployments[0]!.failedTasks, 9);
  });

  test('tasks that reached RUNNING and then exited are no failures to it, however many', () => {
    const p = updating(Array.from({ length: 20 }, () => failed({ deploymentId: 'd2', startedAtMs: NOW - 5000 })));
    assert.equal(p.deployments[0]!.rolloutState, 'IN_PROGRESS');
    assert.equal(p.deployments[0]!.failedTasks, 0);
  });

  test('stage 2: once a task ran, start failures stop counting and health-check stops count', () => {
    const ran = task({ deploymentId: 'd2', startedAtMs: NOW - 30_000, healthStatus: 'UNKNOWN' });
    const health = (k: number): SchedulerTask[] => Array.from({ length: k }, () => failed({
      deploymentId: 'd2', startedAtMs: NOW - 20_000, stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed container health checks',
    }));
    const s = snapshot({
      circuitBreaker: { enable: true, rollback: true }, healthChecked: new Set([TD2]), state: { lastCompleted: deployment('d1') },
      deployments: [deployment('d2', { taskDefinition: TD2, rolloutState: 'IN_PROGRESS', createdAt: NOW - 60_000 }), deployment('d1', { status: 'ACTIVE' })],
    });
    const late = neverStarted(5).map((t) => ({ ...t, stoppingAtMs: NOW - 1000 }));
    const p = plan({ ...s, tasks: [task(), task(), task(), ran, ...late, ...health(4)] });
    assert.equal(p.deployments[0]!.failedTasks, 4, 'the start failures after a task ran are not counted');
    assert.equal(p.state.circuitBreaker?.runningAt, NOW - 30_000);
    assert.equal(plan({ ...s, tasks: [task(), task(), task(), ran, ...health(10)] }).deployments[1]!.rolloutState, 'FAILED');
  });

  test('a task RUNNING with its health checks passed ends the watch: failedTasks back to 0, no trip afterwards', () => {
    const ok = task({ deploymentId: 'd2', startedAtMs: NOW - 30_000 });
    const p = updating([...neverStarted(9), ok]);
    assert.equal(p.deployments[0]!.failedTasks, 0);
    assert.equal(p.state.circuitBreaker?.passedAt, NOW);
    const later = plan(snapshot({
      circuitBreaker: { enable: true, rollback: true }, state: p.state,
      deployments: [deployment('d2', { taskDefinition: TD2, rolloutState: 'IN_PROGRESS', createdAt: NOW - 60_000 })], tasks: neverStarted(15),
    }), NOW + 60_000);
    assert.deepEqual([later.deployments[0]!.rolloutState, later.deployments[0]!.failedTasks], ['IN_PROGRESS', 0]);
  });

  test('at the threshold with rollback: FAILED, a new PRIMARY on the last COMPLETED definition, which is not COMPLETED any more', () => {
    const p = updating(neverStarted(10));
    const [back, ...rest] = p.deployments;
    assert.deepEqual([back!.status, back!.taskDefinition, back!.rolloutState, back!.failedTasks], ['PRIMARY', TD1, 'IN_PROGRESS', 0]);
    assert.equal(back!.rolloutStateReason, 'ECS deployment circuit breaker: rolling back to deploymentId d1.');
    assert.deepEqual(rest.map((d) => [d.id, d.status, d.rolloutState, d.failedTasks, d.desiredCount]), [['d2', 'ACTIVE', 'FAILED', 10, 0], ['d1', 'ACTIVE', 'COMPLETED', 0, 3]],
      'the failed deployment stays listed (ACTIVE, no tasks) while the rollback is under way');
    assert.equal(p.taskDefinition, TD1);
    assert.deepEqual(p.events.slice(0, 2), ['(service web) (deployment d2) deployment failed: tasks failed to start.', '(service web) rolling back to deployment d1.']);
    assert.ok(p.start.length > 0 && p.start.every((s) => s.deploymentId === back!.id), 'the rollback rolls out as a deployment of its own');
    assert.equal(p.state.lastCompleted, undefined);
  });

  test('the FAILED deployment is dropped when the rollback completes', () => {
    const p = plan(snapshot({
      circuitBreaker: { enable: true, rollback: true }, tasks: [task({ deploymentId: 'r' }), task({ deploymentId: 'r' }), task({ deploymentId: 'r' })],
      deployments: [deployment('r', { rolloutState: 'IN_PROGRESS' }), deployment('d2', { status: 'ACTIVE', rolloutState: 'FAILED', desiredCount: 0, failedTasks: 10 })],
    }));
    assert.deepEqual(p.deployments.map((d) => [d.id, d.rolloutState]), [['r', 'COMPLETED']]);
    assert.equal(p.state.lastCompleted?.id, 'r', 'eligible for a rollback again');
  });

  test('a rollback that fails too has nothing to return to: FAILED, stalled', () => {
    const p = plan(snapshot({
      circuitBreaker: { enable: true, rollback: true }, state: {},
      deployments: [deployment('d3', { rolloutState: 'IN_PROGRESS', createdAt: NOW - 60_000 })], tasks: neverStarted(10).map((t) => ({ ...t, deploymentId: 'd3' })),
    }));
    assert.deepEqual(p.deployments.map((d) => [d.id, d.status, d.rolloutState]), [['d3', 'PRIMARY', 'FAILED']]);
    assert.deepEqual(p.start, []);
  });

  test('a failed deployment whose tasks are still stopping stays listed as ACTIVE and FAILED', () => {
    const p = updating(neverStarted(10).map((t, i) => (i === 0 ? { ...t, lastStatus: 'STOPPING' } : t)));
    assert.deepEqual(p.deployments.slice(1).map((d) => [d.id, d.status, d.rolloutState, d.rolloutStateReason]),
      [['d2', 'ACTIVE', 'FAILED', 'ECS deployment circuit breaker: tasks failed to start.'], ['d1', 'ACTIVE', 'COMPLETED', '']]);
  });

  test('at the threshold without rollback (or nothing to roll back to): FAILED stays PRIMARY, nothing new starts, old tasks stay', () => {
    for (const p of [updating(neverStarted(10), { rollback: false }), updating(neverStarted(10), { lastCompleted: false })]) {
      assert.deepEqual([p.deployments[0]!.id, p.deployments[0]!.rolloutState], ['d2', 'FAILED']);
      assert.deepEqual([p.start, p.stop, p.taskDefinition], [[], [], undefined]);
    }
  });

  test('disabled: failures are counted but never fail the deployment', () => {
    const p = updating(neverStarted(12), { enable: false });
    assert.deepEqual([p.deployments[0]!.rolloutState, p.deployments[0]!.failedTasks], ['IN_PROGRESS', 12]);
  });

  test('what counts in stage 1: tasks stopped on their own before RUNNING; not user or scheduler stops', () => {
    const tasks = [startFailed({ deploymentId: 'd2' }), startFailed({ deploymentId: 'd2', stopCode: 'EssentialContainerExited' }),
      startFailed({ deploymentId: 'd2', stopCode: 'UserInitiated' }), startFailed({ deploymentId: 'd2', stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Scaling activity initiated by (deployment d2)' })];
    assert.equal(updating(tasks).deployments[0]!.failedTasks, 2);
  });
});

describe('launch throttling', () => {
  test('a round of start failures is retried at once; the next waits the backoff, with an event and a requeue', () => {
    const round = (k: number, at: number): SchedulerTask[] => Array.from({ length: k }, () => startFailed({ stoppingAtMs: at }));
    assert.equal(plan(snapshot({ tasks: round(3, NOW - 100) })).start.length, 3, 'first round: at once');
    const p = plan(snapshot({ tasks: round(4, NOW - 1000) }));
    assert.deepEqual(p.start, []);
    assert.equal(p.requeueAfterMs, 9_000);
    assert.deepEqual(p.events, ['(service web) is unable to consistently start tasks successfully.']);
    assert.equal(plan(snapshot({ tasks: round(4, NOW - 1000) }), NOW + 9_000).start.length, 3, 'after the wait all missing tasks start');
  });

  test('tasks stopped after RUNNING (exit, health) never throttle', () => {
    const ran = Array.from({ length: 9 }, () => failed({ startedAtMs: NOW - 5000, stoppingAtMs: NOW - 100 }));
    assert.equal(plan(snapshot({ deployments: [deployment('d1', { createdAt: NOW - 60_000 })], tasks: ran })).start.length, 3);
  });

  test('a deployment of 3 whose tasks never start: retries wait 0, 10 s, 20 s; the breaker trips at 10 failures and rolls back', () => {
    let now = NOW;
    let state = { lastCompleted: deployment('d1') } as ServicePlan['state'];
    let deployments = [deployment('d2', { taskDefinition: TD2, rolloutState: 'IN_PROGRESS', createdAt: NOW }), deployment('d1', { status: 'ACTIVE' })];
    const tasks: SchedulerTask[] = [task(), task(), task()];
    const launches: number[] = [];
    for (let pass = 0; pass < 50 && deployments[0]!.id === 'd2'; pass++) {
      const p = plan(snapshot({ circuitBreaker: { enable: true, rollback: true }, deployments, tasks, state }), now);
      if (p.start.length) launches.push(now - NOW);
      // Each launched task fails to start 2 s later.
      for (const s of p.start) tasks.push(startFailed({ deploymentId: s.deploymentId, stoppingAtMs: now + 2000 }));
      ({ state, deployments } = { state: p.state, deployments: [...p.deployments] });
      now += p.start.length ? 2000 : p.requeueAfterMs ?? 1000;
    }
    assert.equal(deployments[0]!.rolloutStateReason, 'ECS deployment circuit breaker: rolling back to deploymentId d1.');
    assert.deepEqual([deployments[1]!.id, deployments[1]!.rolloutState, deployments[1]!.failedTasks], ['d2', 'FAILED', 12]);
    // Each round fails 2 s after its launch: round 2 at once, round 3 10 s and round 4 20 s after that; the rollback at once.
    assert.deepEqual(launches, [0, 2000, 4000 + 10_000, 16_000 + 20_000, 38_000]);
    assert.equal(deployments[0]!.taskDefinition, TD1);
  });

  test('a task that reached RUNNING since resets the streak; so does a new deployment', () => {
    const fails = Array.from({ length: 6 }, (_, i) => startFailed({ stoppingAtMs: NOW - 300_000 + i }));
    assert.equal(plan(snapshot({ desiredCount: 2, tasks: [...fails, task({ startedAtMs: NOW - 100_000 })] })).start.length, 1);
    const fresh = snapshot({ desiredCount: 1, tasks: fails.map((t) => ({ ...t, stoppingAtMs: NOW - 1000 })), deployments: [deployment('d1', { createdAt: NOW - 500 })] });
    assert.equal(plan(fresh).start.length, 1);
  });

  test('placement failures the controller recorded count too', () => {
    const p = plan(snapshot({ desiredCount: 1, state: { placementFailures: 3, lastPlacementFailureAt: NOW - 5_000 } }));
    assert.deepEqual(p.start, []);
    assert.equal(p.requeueAfterMs, 15_000, 'round 3 of a service of 1: twice the backoff after the last failure');
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
