/**
 * The service scheduler's decisions, as one pure function: a snapshot of a service (its
 * configuration, deployments, tasks, scheduler bookkeeping and recent events) and the time in,
 * a plan out: tasks to start (per deployment, zone and capacity provider), tasks to stop and why,
 * the deployments as they should now be, events to write. No clock, no ids, no store inside: the
 * controller (control-plane/controllers/service-controller.ts) reads, calls this and applies.
 *
 * Rules, in the order they apply (ECS's, see docs/services.md):
 * 1. A RUNNING task whose essential container is UNHEALTHY past healthCheckGracePeriodSeconds is
 *    stopped ("Task failed container health checks"); so is one whose ELB target is unhealthy.
 * 2-3. The deployment circuit breaker counts the PRIMARY's failedTasks in its two stages and,
 *    if enabled, fails it at clamp(ceil(desired / 2), 10, 200) and rolls back
 *    (deployment-circuit-breaker.ts).
 * 4. Rolling: at most floor(desired × maximumPercent / 100) tasks (live + still stopping), at least
 *    ceil(desired × minimumHealthyPercent / 100) healthy ones while older deployments' tasks are
 *    stopped. Healthy = RUNNING and HEALTHY when the definition has health checks, else RUNNING
 *    for `settleMs` (ECS: 40 s).
 * 5. Starts go to the zone of the service's subnets holding the fewest of its tasks, on the
 *    capacity provider the strategy's base and weight pick. Repeated start failures throttle
 *    them (launch-throttle.ts).
 * 6. Scale-in and replacement stop unprotected tasks only; not-yet-running ones first, then from
 *    the zone with most of the service's tasks.
 * 7. An older deployment with no task left is dropped (INACTIVE), a FAILED one once the PRIMARY is
 *    COMPLETED; the PRIMARY is COMPLETED when it alone runs desiredCount healthy tasks. A DRAINING service stops everything, then is INACTIVE.
 */
import type { CapacityProviderStrategyItem } from '../ecs/wire.js';
import type { DeploymentRecord } from '../store/store.js';
import { assignCapacityProviders } from './capacity-provider-strategy.js';
import { trackDeployment, tripCircuitBreaker, type CircuitBreakerProgress } from './deployment-circuit-breaker.js';
import { startFailureStreak, throttledEvent, throttleDelayMs } from './launch-throttle.js';
import { elbHealthFailed, HEALTH_FAILED, isLive, type SchedulerTask } from './service-task.js';

export type { SchedulerTask } from './service-task.js';

/** A task whose targets are being deregistered before it is stopped. */
export interface DrainingTask { readonly since: number; readonly reason: string; readonly failed: boolean }

/** What the scheduler remembers between passes (kept in the service record). */
export interface SchedulerState {
  /** Consecutive placement failures (no capacity, no address) and when the last one happened. */
  readonly placementFailures?: number;
  readonly lastPlacementFailureAt?: number;
  /** The last deployment that COMPLETED: what a circuit-breaker rollback returns to (cleared by one). */
  readonly lastCompleted?: DeploymentRecord;
  /** The circuit breaker's stage with the PRIMARY deployment. */
  readonly circuitBreaker?: CircuitBreakerProgress;
  /** Tasks draining from their target groups, by task id. */
  readonly draining?: Readonly<Record<string, DrainingTask>>;
}

export interface ServiceSnapshot {
  readonly name: string;
  readonly status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  readonly desiredCount: number;
  readonly minimumHealthyPercent: number;
  readonly maximumPercent: number;
  readonly circuitBreaker?: { readonly enable: boolean; readonly rollback: boolean };
  readonly healthCheckGracePeriodSeconds: number;
  /** The service has target groups: a RUNNING task is drained from them (this long) before it is stopped. */
  readonly loadBalanced?: { readonly deregistrationDelayMs: number };
  /** Newest (PRIMARY) first. */
  readonly deployments: readonly DeploymentRecord[];
  readonly tasks: readonly SchedulerTask[];
  /** Availability zones of the service's subnets, in subnet order (empty: no awsvpc). */
  readonly zones: readonly string[];
  /** Task definitions (ARN) whose essential containers have health checks. */
  readonly healthChecked: ReadonlySet<string>;
  readonly state: SchedulerState;
  /** Newest first; for duplicate suppression. */
  readonly recentEvents: readonly { readonly message: string; readonly createdAt: number }[];
}

export interface PlannedStart {
  readonly deploymentId: string;
  /** Zone to place in first (the service's spread), when it has subnets. */
  readonly availabilityZone: string | undefined;
  readonly capacityProviderName: string | undefined;
}

export interface PlannedStop { readonly taskId: string; readonly reason: string; readonly failed: boolean }

export interface ServicePlan {
  readonly start: readonly PlannedStart[];
  readonly stop: readonly PlannedStop[];
  /** Tasks to deregister from their target groups now; they are stopped once the delay is over. */
  readonly drain: readonly PlannedStop[];
  /** The deployments as they now are (newest first). */
  readonly deployments: readonly DeploymentRecord[];
  /** The service's task definition changes on rollback. */
  readonly taskDefinition?: string;
  readonly status: ServiceSnapshot['status'];
  readonly state: SchedulerState;
  readonly events: readonly string[];
  /** Come back this soon even if nothing changes (backoff expiry, a task settling). */
  readonly requeueAfterMs?: number;
}

export interface SchedulerOptions {
  readonly now: number;
  /** A RUNNING task without health checks counts as healthy this long after it started (ECS: 40 s). */
  readonly settleMs: number;
  /** A new deployment id (ecs-svc/…) for a rollback. */
  readonly newDeploymentId: () => string;
  /** The first throttled wait between restart attempts after repeated start failures (`--service-launch-backoff-seconds`). */
  readonly launchBackoffMs: number;
}

export const STEADY_STATE = (name: string): string => `(service ${name}) has reached a steady state.`;
/** ECS suppresses a repeated event for up to 6 hours. */
export const DUPLICATE_EVENT_WINDOW_MS = 6 * 3600_000;
const isStopping = (t: SchedulerTask): boolean => t.desiredStatus === 'STOPPED' && t.lastStatus !== 'STOPPED';

export function startedEvent(name: string, taskIds: readonly string[]): string {
  return `(service ${name}) has started ${taskIds.length} tasks: ${taskIds.map((id) => `(task ${id})`).join(' ')}.`;
}

export function stoppedEvent(name: string, taskIds: readonly string[]): string {
  return `(service ${name}) has stopped ${taskIds.length} running tasks: ${taskIds.map((id) => `(task ${id})`).join(' ')}.`;
}

export function placementFailedEvent(name: string, reason: string): string {
  return `(service ${name}) was unable to place a task. Reason: ${reason}.`;
}

export function reconcileService(svc: ServiceSnapshot, opts: SchedulerOptions): ServicePlan {
  const { now } = opts;
  const events: string[] = [];
  const stops: PlannedStop[] = [];
  let requeue: number | undefined;
  const requeueIn = (ms: number): void => {
    if (ms > 0) requeue = requeue === undefined ? ms : Math.min(requeue, ms);
  };
  const drains: PlannedStop[] = [];
  const stopped = new Set<string>();
  const draining = { ...(svc.state.draining ?? {}) };
  const stop = (t: SchedulerTask, reason: string, failed = false): void => {
    if (stopped.has(t.id)) return;
    stopped.add(t.id);
    if (svc.loadBalanced && t.lastStatus === 'RUNNING' && svc.loadBalanced.deregistrationDelayMs > 0) {
      drains.push({ taskId: t.id, reason, failed });
      draining[t.id] = { since: now, reason, failed };
      requeueIn(svc.loadBalanced.deregistrationDelayMs);
    } else {
      stops.push({ taskId: t.id, reason, failed });
    }
  };
  // Drains that are over become stops; tasks that stopped meanwhile are forgotten.
  for (const [id, d] of Object.entries(draining)) {
    const t = svc.tasks.find((x) => x.id === id);
    if (!t || !isLive(t)) {
      delete draining[id];
      continue;
    }
    stopped.add(id);
    const ends = d.since + (svc.loadBalanced?.deregistrationDelayMs ?? 0);
    if (now >= ends) {
      stops.push({ taskId: id, reason: d.reason, failed: d.failed });
      delete draining[id];
    } else {
      requeueIn(ends - now);
    }
  }
  const withDraining = (st: SchedulerState): SchedulerState => {
    const { draining: _old, ...rest } = st;
    return Object.keys(draining).length ? { ...rest, draining: { ...draining } } : rest;
  };
  const healthChecked = (t: SchedulerTask): boolean => {
    const d = svc.deployments.find((x) => x.id === t.deploymentId);
    return d !== undefined && svc.healthChecked.has(d.taskDefinition);
  };
  const healthy = (t: SchedulerTask): boolean => {
    if (!isLive(t) || stopped.has(t.id) || t.lastStatus !== 'RUNNING') return false;
    if (svc.loadBalanced && t.targetHealth !== 'healthy') return false;
    if (healthChecked(t)) return t.healthStatus === 'HEALTHY';
    const since = now - (t.startedAtMs ?? now);
    if (since < opts.settleMs) requeueIn(opts.settleMs - since);
    return since >= opts.settleMs;
  };
  const live = (): SchedulerTask[] => svc.tasks.filter((t) => isLive(t) && !stopped.has(t.id));

  // DRAINING: everything stops; INACTIVE once nothing of the service is left running.
  if (svc.status !== 'ACTIVE') {
    const primary = svc.deployments[0];
    for (const t of live()) stop(t, `Scaling activity initiated by (deployment ${primary?.id ?? 'unknown'})`);
    const remaining = svc.tasks.some((t) => t.lastStatus !== 'STOPPED');
    if (stops.length) events.push(stoppedEvent(svc.name, stops.map((s) => s.taskId)));
    return {
      start: [], stop: stops, drain: drains, deployments: remaining ? svc.deployments : [], status: remaining ? svc.status : 'INACTIVE',
      state: withDraining(svc.state), events: suppressDuplicates(events, svc, now),
      ...(requeue !== undefined ? { requeueAfterMs: requeue } : {}),
    };
  }

  // 1. Health replacement.
  const graceMs = svc.healthCheckGracePeriodSeconds * 1000;
  for (const t of live()) {
    if (t.lastStatus !== 'RUNNING' || t.healthStatus !== 'UNHEALTHY') continue;
    const since = now - (t.startedAtMs ?? now);
    if (since >= graceMs) stop(t, HEALTH_FAILED, true);
    else requeueIn(graceMs - since);
  }
  for (const t of live()) {
    if (t.lastStatus !== 'RUNNING' || t.targetHealth !== 'unhealthy') continue;
    const since = now - (t.startedAtMs ?? now);
    if (since >= graceMs) stop(t, elbHealthFailed(t.unhealthyTargetGroup), true);
    else requeueIn(graceMs - since);
  }

  // 2. The circuit breaker's count for the PRIMARY deployment while it is IN_PROGRESS.
  let deployments: DeploymentRecord[] = [...svc.deployments];
  let state = svc.state;
  const head = deployments[0];
  if (head?.rolloutState === 'IN_PROGRESS') {
    const passing = (t: SchedulerTask): boolean => isLive(t) && t.lastStatus === 'RUNNING'
      && (!svc.loadBalanced || t.targetHealth === 'healthy') && (!healthChecked(t) || t.healthStatus === 'HEALTHY');
    const failingNow = new Set([...stops.filter((s) => s.failed).map((s) => s.taskId), ...Object.keys(draining).filter((id) => draining[id]!.failed)]);
    const tracked = trackDeployment({ deployment: head, progress: state.circuitBreaker, tasks: svc.tasks, failingNow, passing, now });
    if (tracked.failedTasks !== head.failedTasks) deployments[0] = { ...head, failedTasks: tracked.failedTasks, updatedAt: now };
    state = { ...state, circuitBreaker: tracked.progress };
  }

  // 3. Circuit breaker: FAILED at the threshold, and a rollback to the last COMPLETED deployment.
  let taskDefinition: string | undefined;
  const trip = tripCircuitBreaker({
    service: svc.name, deployments, circuitBreaker: svc.circuitBreaker, desiredCount: svc.desiredCount,
    lastCompleted: state.lastCompleted, now, newDeploymentId: opts.newDeploymentId,
  });
  if (trip) {
    deployments = trip.deployments;
    events.push(...trip.events);
    if (trip.taskDefinition) {
      taskDefinition = trip.taskDefinition;
      const { lastCompleted: _returnedTo, ...rest } = state;
      state = rest;
    }
  }
  const primary = deployments[0];
  if (!primary) return { start: [], stop: stops, drain: drains, deployments, status: svc.status, state: withDraining(state), events: suppressDuplicates(events, svc, now) };

  // 4. Rolling arithmetic.
  const D = svc.desiredCount;
  const maxTotal = Math.floor((D * svc.maximumPercent) / 100);
  const minHealthy = Math.ceil((D * svc.minimumHealthyPercent) / 100);
  const protectedNow = (t: SchedulerTask): boolean => (t.protectedUntilMs ?? 0) > now;
  const scaleReason = `Scaling activity initiated by (deployment ${primary.id})`;
  const zoneCounts = (): Map<string, number> => {
    const m = new Map<string, number>(svc.zones.map((z) => [z, 0]));
    for (const t of live()) if (t.availabilityZone) m.set(t.availabilityZone, (m.get(t.availabilityZone) ?? 0) + 1);
    return m;
  };
  const stopOrder = (tasks: SchedulerTask[]): SchedulerTask[] => {
    const zones = zoneCounts();
    return [...tasks].sort((a, b) =>
      Number(healthy(a)) - Number(healthy(b))
      || (zones.get(b.availabilityZone ?? '') ?? 0) - (zones.get(a.availabilityZone ?? '') ?? 0)
      || (b.startedAtMs ?? Infinity) - (a.startedAtMs ?? Infinity)
      || (a.id < b.id ? -1 : 1));
  };

  // 6a. Scale-in of the primary: stop its excess, unprotected tasks only.
  const primaryLive = live().filter((t) => t.deploymentId === primary.id);
  const excess = primaryLive.length - D;
  if (excess > 0) for (const t of stopOrder(primaryLive.filter((x) => !protectedNow(x))).slice(0, excess)) stop(t, scaleReason);

  // 6b. Older deployments' tasks, as minimumHealthyPercent allows (a FAILED primary without rollback keeps them).
  if (primary.rolloutState !== 'FAILED') {
    const old = stopOrder(live().filter((t) => t.deploymentId !== primary.id && !protectedNow(t)));
    let healthyLeft = live().filter(healthy).length;
    for (const t of old) {
      if (!healthy(t)) stop(t, scaleReason);
      else if (healthyLeft - 1 >= minHealthy) {
        stop(t, scaleReason);
        healthyLeft -= 1;
      }
    }
  }

  // 5. Starts for the primary, within maximumPercent, unless throttled.
  const starts: PlannedStart[] = [];
  const counted = live().length + svc.tasks.filter(isStopping).length + stops.length + Object.keys(draining).length;
  const want = Math.max(0, Math.min(D - live().filter((t) => t.deploymentId === primary.id).length, maxTotal - counted));
  if (want > 0 && primary.rolloutState !== 'FAILED') {
    const streak = startFailureStreak(svc.tasks, primary.createdAt, { count: svc.state.placementFailures ?? 0, lastAt: svc.state.lastPlacementFailureAt ?? 0 });
    const wait = streak.count ? streak.lastAt + throttleDelayMs(streak.count, D, opts.launchBackoffMs) - now : 0;
    if (wait > 0) {
      requeueIn(wait);
      events.push(throttledEvent(svc.name));
    } else {
      const zones = zoneCounts();
      const providers = providersFor(primary.capacityProviderStrategy, want, live().filter((t) => t.deploymentId === primary.id));
      for (let i = 0; i < want; i++) {
        const zone = leastLoaded(zones, svc.zones);
        if (zone !== undefined) zones.set(zone, zones.get(zone)! + 1);
        starts.push({ deploymentId: primary.id, availabilityZone: zone, capacityProviderName: providers[i] });
      }
    }
  }

  // 7. Deployment lifecycle. A FAILED deployment stays listed until the rollback replacing it completes.
  const survivors = new Set(svc.tasks.filter((t) => t.lastStatus !== 'STOPPED').map((t) => t.deploymentId));
  deployments = deployments.filter((d, i) => i === 0 || survivors.has(d.id) || d.rolloutState === 'FAILED').map((d, i) => {
    const liveCount = live().filter((t) => t.deploymentId === d.id).length;
    const desired = i === 0 ? D : liveCount;
    return d.desiredCount === desired ? d : { ...d, desiredCount: desired, updatedAt: now };
  });
  const liveP = live().filter((t) => t.deploymentId === primary.id);
  const settled = deployments.every((d, i) => i === 0 || !survivors.has(d.id)) && starts.length === 0 && stops.length === 0 && Object.keys(draining).length === 0
    && liveP.length === D && liveP.every(healthy) && !svc.tasks.some(isStopping);
  if (settled && deployments[0]!.rolloutState === 'IN_PROGRESS') {
    const done: DeploymentRecord = { ...deployments[0]!, rolloutState: 'COMPLETED', rolloutStateReason: `ECS deployment ${primary.id} completed.`, updatedAt: now };
    deployments = [done];
    state = { ...state, lastCompleted: done };
    events.push(`(service ${svc.name}) (deployment ${primary.id}) deployment completed.`);
  }
  if (settled && deployments[0]!.rolloutState === 'COMPLETED') events.push(STEADY_STATE(svc.name));
  if (drains.length) events.push(`(service ${svc.name}) has begun draining connections on ${drains.length} tasks.`);
  if (stops.length) events.push(stoppedEvent(svc.name, stops.map((s) => s.taskId)));
  if (drains.length === 0 && Object.keys(draining).length === 0 && minMaxDeadlock(starts, stops, deployments, live(), svc)) {
    events.push(`(service ${svc.name}) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.`);
  }
  return {
    start: starts, stop: stops, drain: drains, deployments, status: svc.status, state: withDraining(state), events: suppressDuplicates(events, svc, now),
    ...(taskDefinition ? { taskDefinition } : {}),
    ...(requeue !== undefined ? { requeueAfterMs: requeue } : {}),
  };
}

function providersFor(
  strategy: readonly CapacityProviderStrategyItem[] | undefined, count: number, running: readonly SchedulerTask[],
): (string | undefined)[] {
  if (!strategy?.length) return new Array<undefined>(count).fill(undefined);
  const already = new Map<string, number>();
  for (const t of running) if (t.capacityProviderName) already.set(t.capacityProviderName, (already.get(t.capacityProviderName) ?? 0) + 1);
  return assignCapacityProviders(strategy, count, already);
}

function leastLoaded(counts: ReadonlyMap<string, number>, order: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const z of order) if (best === undefined || counts.get(z)! < counts.get(best)!) best = z;
  return best;
}

/** Older tasks remain, nothing can start or stop, nothing is on its way: min/max leave no room. */
function minMaxDeadlock(
  starts: readonly PlannedStart[], stops: readonly PlannedStop[], deployments: readonly DeploymentRecord[],
  live: readonly SchedulerTask[], svc: ServiceSnapshot,
): boolean {
  if (starts.length || stops.length || deployments[0]!.rolloutState === 'FAILED') return false;
  if (!live.some((t) => t.deploymentId !== deployments[0]!.id)) return false;
  if (svc.tasks.some(isStopping) || live.some((t) => t.lastStatus !== 'RUNNING')) return false;
  return Math.floor((svc.desiredCount * svc.maximumPercent) / 100) <= live.length
    && Math.ceil((svc.desiredCount * svc.minimumHealthyPercent) / 100) >= live.length;
}

function suppressDuplicates(events: readonly string[], svc: ServiceSnapshot, now: number): string[] {
  const last = svc.recentEvents[0];
  return events.filter((m) => !(last && last.message === m && now - last.createdAt < DUPLICATE_EVENT_WINDOW_MS));
}
