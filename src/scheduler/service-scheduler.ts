/**
 * The service scheduler's decisions, as one pure function: a snapshot of a service (its
 * configuration, deployments, tasks, scheduler bookkeeping and recent events) and the time in,
 * a plan out: tasks to start (per deployment, zone and capacity provider), tasks to stop and why,
 * the deployments as they should now be, events to write. No clock, no ids, no store inside: the
 * controller (control-plane/controllers/service-controller.ts) reads, calls this and applies.
 *
 * Rules, in the order they apply (ECS's, see docs/services.md):
 * 1. A RUNNING task whose essential container is UNHEALTHY past healthCheckGracePeriodSeconds is
 *    stopped ("Task failed container health checks") and counts as a failed task.
 * 2. failedTasks per deployment = its tasks that stopped on their own before serving (never
 *    RUNNING, essential container exited) or failed health checks; it never goes down.
 * 3. Circuit breaker (if enabled): the PRIMARY deployment fails once failedTasks reaches
 *    min(max(ceil(desired / 2), 3), 200); with rollback a new PRIMARY with the last COMPLETED
 *    deployment's configuration replaces it, without rollback no more tasks are started for it.
 * 4. Rolling: at most floor(desired × maximumPercent / 100) tasks (live + still stopping), at least
 *    ceil(desired × minimumHealthyPercent / 100) healthy ones while older deployments' tasks are
 *    stopped. Healthy = RUNNING and HEALTHY when the definition has health checks, else RUNNING
 *    for `settleMs` (ECS: 40 s).
 * 5. Starts go to the zone of the service's subnets holding the fewest of its tasks, on the
 *    capacity provider the strategy's base and weight pick. Repeated failures throttle starts.
 * 6. Scale-in and replacement stop unprotected tasks only; not-yet-running ones first, then from
 *    the zone with most of the service's tasks.
 * 7. An older deployment with no task left is dropped (INACTIVE); the PRIMARY is COMPLETED when it
 *    alone runs desiredCount healthy tasks. A DRAINING service stops everything, then is INACTIVE.
 */
import type { CapacityProviderStrategyItem } from '../ecs/wire.js';
import type { DeploymentRecord } from '../store/store.js';
import { assignCapacityProviders } from './capacity-provider-strategy.js';

export interface SchedulerTask {
  readonly id: string;
  /** The deployment that started it (the task's startedBy). */
  readonly deploymentId: string | undefined;
  readonly lastStatus: string;
  readonly desiredStatus: string;
  readonly healthStatus: string | undefined;
  readonly startedAtMs?: number;
  readonly stoppingAtMs?: number;
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  readonly availabilityZone?: string;
  readonly capacityProviderName?: string;
  /** Scale-in protection end (epoch ms), when protected. */
  readonly protectedUntilMs?: number;
  /**
   * With load balancers: `healthy` when every target of the task is (or health checks are off),
   * `unhealthy` when one fails its checks, `pending` before that (not registered, initial).
   */
  readonly targetHealth?: 'healthy' | 'unhealthy' | 'pending';
  /** The target group a failing target is in (for the stop reason). */
  readonly unhealthyTargetGroup?: string;
}

/** A task whose targets are being deregistered before it is stopped. */
export interface DrainingTask { readonly since: number; readonly reason: string; readonly failed: boolean }

/** What the scheduler remembers between passes (kept in the service record). */
export interface SchedulerState {
  /** Consecutive placement failures (no capacity, no address) and when the last one happened. */
  readonly placementFailures?: number;
  readonly lastPlacementFailureAt?: number;
  /** The last deployment that COMPLETED: what a circuit-breaker rollback returns to. */
  readonly lastCompleted?: DeploymentRecord;
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
}

export const STEADY_STATE = (name: string): string => `(service ${name}) has reached a steady state.`;
/** ECS suppresses a repeated event for up to 6 hours. */
export const DUPLICATE_EVENT_WINDOW_MS = 6 * 3600_000;
/** Starts are throttled from this many consecutive failures on. */
export const THROTTLE_AFTER_FAILURES = 3;
const THROTTLE_BASE_MS = 10_000;
const THROTTLE_MAX_MS = 15 * 60_000;
const HEALTH_FAILED = 'Task failed container health checks';

export function circuitBreakerThreshold(desiredCount: number): number {
  return Math.min(Math.max(Math.ceil(desiredCount / 2), 3), 200);
}

/** How long starts wait after the latest of `failures` consecutive failures. */
export function throttleDelayMs(failures: number): number {
  if (failures < THROTTLE_AFTER_FAILURES) return 0;
  return Math.min(THROTTLE_BASE_MS * 2 ** (failures - THROTTLE_AFTER_FAILURES), THROTTLE_MAX_MS);
}

export const isLive = (t: SchedulerTask): boolean => t.desiredStatus !== 'STOPPED';
const isStopping = (t: SchedulerTask): boolean => t.desiredStatus === 'STOPPED' && t.lastStatus !== 'STOPPED';

/** A task that ended without serving: never RUNNING, its essential container exited, or failed health checks. */
export function isFailedTask(t: SchedulerTask): boolean {
  if (t.desiredStatus !== 'STOPPED') return false;
  if (t.stopCode === 'TaskFailedToStart' || t.stopCode === 'EssentialContainerExited') return true;
  return t.stopCode === 'ServiceSchedulerInitiated' && (t.stoppedReason === HEALTH_FAILED || (t.stoppedReason ?? '').startsWith(ELB_FAILED));
}

const ELB_FAILED = 'Task failed ELB health checks in';

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
    if (since >= graceMs) stop(t, `${ELB_FAILED} (target-group ${t.unhealthyTargetGroup ?? 'unknown'})`, true);
    else requeueIn(graceMs - since);
  }

  // 2. Failed tasks per deployment.
  let deployments: DeploymentRecord[] = svc.deployments.map((d) => {
    const counted = svc.tasks.filter((t) => t.deploymentId === d.id && (isFailedTask(t) || stops.some((s) => s.taskId === t.id && s.failed))).length;
    return counted > d.failedTasks ? { ...d, failedTasks: counted, updatedAt: now } : d;
  });
  let taskDefinition: string | undefined;

  // 3. Circuit breaker.
  const first = deployments[0];
  if (first && first.rolloutState === 'IN_PROGRESS' && svc.circuitBreaker?.enable
    && first.failedTasks >= circuitBreakerThreshold(svc.desiredCount)) {
    const failed: DeploymentRecord = {
      ...first, rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.', updatedAt: now,
    };
    events.push(`(service ${svc.name}) (deployment ${first.id}) deployment failed: tasks failed to start.`);
    const back = svc.state.lastCompleted;
    if (svc.circuitBreaker.rollback && back) {
      const id = opts.newDeploymentId();
      const rollback: DeploymentRecord = {
        ...back, id, status: 'PRIMARY', desiredCount: svc.desiredCount, failedTasks: 0, rolloutState: 'IN_PROGRESS',
        rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${back.id}.`, createdAt: now, updatedAt: now,
      };
      deployments = [rollback, { ...failed, status: 'ACTIVE' }, ...deployments.slice(1)];
      taskDefinition = back.taskDefinition;
      events.push(`(service ${svc.name}) rolling back to deployment ${back.id}.`);
    } else {
      deployments = [failed, ...deployments.slice(1)];
    }
  }
  const primary = deployments[0];
  if (!primary) return { start: [], stop: stops, drain: drains, deployments, status: svc.status, state: withDraining(svc.state), events: suppressDuplicates(events, svc, now) };

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
  const streak = failureStreak(svc, primary, healthy);
  let state = svc.state;
  if (want > 0 && primary.rolloutState !== 'FAILED') {
    const wait = streak.count >= THROTTLE_AFTER_FAILURES ? streak.lastAt + throttleDelayMs(streak.count) - now : 0;
    if (wait > 0) {
      requeueIn(wait);
      events.push(`(service ${svc.name}) is unable to consistently start tasks successfully.`);
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

  // 7. Deployment lifecycle.
  const survivors = new Set(svc.tasks.filter((t) => t.lastStatus !== 'STOPPED').map((t) => t.deploymentId));
  deployments = deployments.filter((d, i) => i === 0 || survivors.has(d.id)).map((d, i) => {
    const liveCount = live().filter((t) => t.deploymentId === d.id).length;
    const desired = i === 0 ? D : liveCount;
    return d.desiredCount === desired ? d : { ...d, desiredCount: desired, updatedAt: now };
  });
  const liveP = live().filter((t) => t.deploymentId === primary.id);
  const settled = deployments.length === 1 && starts.length === 0 && stops.length === 0 && Object.keys(draining).length === 0
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

/**
 * Consecutive failures since the primary deployment began or a task last proved healthy, with
 * placement failures the controller recorded; and when the latest happened.
 */
function failureStreak(svc: ServiceSnapshot, primary: DeploymentRecord, healthy: (t: SchedulerTask) => boolean): { count: number; lastAt: number } {
  let since = primary.createdAt;
  for (const t of svc.tasks) {
    if (t.startedAtMs === undefined) continue;
    const proved = isLive(t) ? healthy(t) : !isFailedTask(t);
    if (proved) since = Math.max(since, t.startedAtMs);
  }
  const failures = svc.tasks.filter((t) => isFailedTask(t) && (t.stoppingAtMs ?? 0) > since);
  const placement = (svc.state.lastPlacementFailureAt ?? 0) > since ? svc.state.placementFailures ?? 0 : 0;
  const lastAt = Math.max(0, svc.state.lastPlacementFailureAt ?? 0, ...failures.map((t) => t.stoppingAtMs ?? 0));
  return { count: failures.length + placement, lastAt };
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
  if (starts.length || stops.length || deployments.length < 2 || deployments[0]!.rolloutState === 'FAILED') return false;
  if (svc.tasks.some(isStopping) || live.some((t) => t.lastStatus !== 'RUNNING')) return false;
  return Math.floor((svc.desiredCount * svc.maximumPercent) / 100) <= live.length
    && Math.ceil((svc.desiredCount * svc.minimumHealthyPercent) / 100) >= live.length;
}

function suppressDuplicates(events: readonly string[], svc: ServiceSnapshot, now: number): string[] {
  const last = svc.recentEvents[0];
  return events.filter((m) => !(last && last.message === m && now - last.createdAt < DUPLICATE_EVENT_WINDOW_MS));
}
