/**
 * The service controller: the thin loop around the pure scheduler (scheduler/service-scheduler.ts).
 * Each pass reads every ACTIVE or DRAINING service with its tasks, asks the scheduler for a plan
 * and applies it in one transaction that first checks the service's version (an UpdateService or
 * DeleteService since the read makes it a conflict: the next pass decides again). Launches go
 * through RunTask's placement (placeAndInsertTasks), stops through StopTask's (requestTaskStop).
 *
 * It wakes on API writes to services (nudgeServiceController), on writes that wake every host
 * (RunTask, a task reaching STOPPED and freeing its address), when the plan asks (backoff expiry,
 * a task settling) and at least every `periodMs`.
 *
 * Load balancers: a RUNNING task's address is registered in each target group of the service's
 * `loadBalancers` (containerPort as the port), the task counts as healthy only once every target
 * is, a task whose target fails its checks is replaced, and a task to stop is first deregistered
 * and stopped once the group's deregistration delay is over (src/elbv2/targets.ts).
 */
import { StopCode } from '../../ecs/enums.js';
import { parseTaskOverrides } from '../../ecs/task-definition/parse-overrides.js';
import type { Failure } from '../../ecs/wire.js';
import { coerceError } from '../../lib/errors.js';
import { recordPlacementFailures } from '../../scheduler/deployment-circuit-breaker.js';
import { deploymentIdFrom } from '../../scheduler/deployments.js';
import {
  placementFailedEvent, reconcileService, startedEvent, type PlannedStart, type SchedulerState, type SchedulerTask, type ServicePlan,
} from '../../scheduler/service-scheduler.js';
import { ConflictError, type DeploymentRecord, type Repos, type ServiceRecord, type TaskRecord } from '../../store/store.js';
import type { ControlPlane } from '../context.js';
import { serviceTasks } from '../services-wire.js';
import { resolveTaskDefinition } from '../task-definitions.js';
import { eniOf, resolveAwsvpc } from '../task-networking.js';
import { deregisterTaskTargets, registerTaskTargets, signalLoadBalancing, targetGroupInfo, targetHealthState } from '../../elbv2/targets.js';
import { placeAndInsertTasks, requestTaskStop } from '../tasks.js';

/** The key the controller waits on in cp.hostSignals (no host has this id). */
const WAKE_KEY = 'pier:service-controller';

export interface ServiceControllerOptions {
  /** Longest time between passes. */
  readonly periodMs: number;
  /** A RUNNING task without health checks counts as healthy this long after it started (ECS: 40 s). */
  readonly settleMs: number;
  /** The first throttled wait between restart attempts of a service whose tasks keep failing to start. */
  readonly launchBackoffMs: number;
}

/** Wakes the controller now (after an API write to a service). */
export function nudgeServiceController(cp: ControlPlane): void {
  cp.hostSignals.signal(WAKE_KEY);
}

/** Runs passes until `signal` aborts. */
export async function startServiceController(cp: ControlPlane, opts: ServiceControllerOptions, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    let next = opts.periodMs;
    try {
      next = Math.min(next, await syncAll(cp, opts));
    } catch (err) {
      cp.log.error('service controller pass failed', { error: coerceError(err).message });
    }
    if (!signal.aborted) await cp.hostSignals.wait(WAKE_KEY, Math.max(50, next), signal);
  }
}

/** One pass over every service that is not INACTIVE; returns how soon the next is wanted. */
export async function syncAll(cp: ControlPlane, opts: ServiceControllerOptions): Promise<number> {
  let next = opts.periodMs;
  let afterName: string | undefined;
  do {
    const page = await cp.store.read.services.list({ statuses: ['ACTIVE', 'DRAINING'], limit: 100, ...(afterName ? { afterName } : {}) });
    for (const s of page.items) {
      try {
        next = Math.min(next, await syncService(cp, opts, s));
      } catch (err) {
        if (err instanceof ConflictError) next = Math.min(next, 100);
        else cp.log.error('service sync failed', { service: s.arn, error: coerceError(err).message });
      }
    }
    afterName = page.nextKey;
  } while (afterName);
  return next;
}

export async function syncService(cp: ControlPlane, opts: ServiceControllerOptions, service: ServiceRecord): Promise<number> {
  const repos = cp.store.read;
  const tasks = await serviceTasks(repos, service);
  const now = cp.clock.now();
  const protection = await repos.taskProtection.get(service.clusterName, tasks.filter((t) => t.task.desiredStatus !== 'STOPPED').map((t) => t.id));
  const body = service.body as {
    desiredCount: number; healthCheckGracePeriodSeconds?: number;
    deploymentConfiguration: { maximumPercent: number; minimumHealthyPercent: number; deploymentCircuitBreaker?: { enable: boolean; rollback: boolean } };
  };
  const lb = await loadBalancing(repos, service, tasks, now);
  const plan = reconcileService({
    name: service.name, status: service.status, desiredCount: body.desiredCount,
    minimumHealthyPercent: body.deploymentConfiguration.minimumHealthyPercent, maximumPercent: body.deploymentConfiguration.maximumPercent,
    ...(body.deploymentConfiguration.deploymentCircuitBreaker ? { circuitBreaker: body.deploymentConfiguration.deploymentCircuitBreaker } : {}),
    healthCheckGracePeriodSeconds: body.healthCheckGracePeriodSeconds ?? 0,
    deployments: service.deployments,
    tasks: tasks.map((t) => ({ ...schedulerTask(t, protection.get(t.id)), ...lb.health.get(t.id) })),
    ...(lb.bindings.length ? { loadBalanced: { deregistrationDelayMs: lb.delayMs } } : {}),
    zones: await serviceZones(repos, service.deployments[0]),
    healthChecked: await healthCheckedDefinitions(repos, service),
    state: service.scheduler as SchedulerState,
    recentEvents: await repos.services.events(service.clusterName, service.name, 1),
  }, { now, settleMs: opts.settleMs, launchBackoffMs: opts.launchBackoffMs, newDeploymentId: () => deploymentIdFrom(cp.ids.hex32()) });
  if (isNoop(service, plan, lb)) return plan.requeueAfterMs === undefined ? opts.periodMs : Math.min(plan.requeueAfterMs, opts.periodMs);
  const wake = await apply(cp, service, plan, lb);
  if (wake.all) cp.hostSignals.signalAll();
  else for (const h of wake.hosts) cp.hostSignals.signal(h);
  // After acting, look again soon: launched tasks move and stopped ones free room.
  const acted = plan.start.length > 0 || plan.stop.length > 0;
  return Math.min(plan.requeueAfterMs ?? opts.periodMs, acted ? 500 : opts.periodMs);
}

async function apply(cp: ControlPlane, service: ServiceRecord, plan: ServicePlan, lb: ServiceLoadBalancing): Promise<{ all: boolean; hosts: Set<string> }> {
  const wake = { all: false, hosts: new Set<string>() };
  let targetsChanged = false;
  await cp.store.transaction(async (tx) => {
    wake.all = false;
    wake.hosts.clear();
    const current = await tx.services.get(service.clusterName, service.name);
    if (!current || current.version !== service.version) throw new ConflictError(`service ${service.arn} changed since it was read`);
    const events: string[] = [...plan.events];
    const stoppedIds: string[] = [];
    const now = cp.clock.now();
    const leaving = [...plan.drain, ...plan.stop].map((s) => s.taskId);
    // Registration of RUNNING tasks not yet in their groups; deregistration of those leaving.
    for (const b of lb.bindings) {
      const add = lb.unregistered.filter((u) => u.targetGroupArn === b.targetGroupArn && !leaving.includes(u.taskId)).map((u) => u.target);
      if (add.length) {
        await registerTaskTargets(tx, b.targetGroupArn, add, now);
        events.push(`(service ${service.name}) registered ${add.length} targets in (target-group ${b.targetGroupArn})`);
      }
      const remove = leaving.flatMap((id) => lb.addresses.get(id) ? [{ id: lb.addresses.get(id)!, port: b.containerPort }] : []);
      if (remove.length) {
        await deregisterTaskTargets(tx, b.targetGroupArn, remove, now);
        events.push(`(service ${service.name}) deregistered ${remove.length} targets in (target-group ${b.targetGroupArn})`);
      }
      if (add.length || remove.length) targetsChanged = true;
    }
    for (const s of plan.stop) {
      const rec = await tx.tasks.get(service.clusterName, s.taskId);
      if (!rec || rec.task.desiredStatus === 'STOPPED') continue;
      const stopped = await requestTaskStop(cp, tx, rec, { stopCode: StopCode.ServiceSchedulerInitiated, reason: s.reason });
      if (stopped.released) wake.all = true;
      if (stopped.record.hostId) wake.hosts.add(stopped.record.hostId);
      stoppedIds.push(s.taskId);
    }
    let state = plan.state;
    const primary = plan.deployments[0];
    if (plan.start.length > 0 && primary) {
      const launched = await launch(cp, tx, current, primary, plan.start);
      for (const r of launched.records) {
        if (r.networkConfiguration?.eni) wake.all = true;
        if (r.hostId) wake.hosts.add(r.hostId);
      }
      for (const h of launched.interruptedHosts) wake.hosts.add(h);
      if (launched.records.length) events.push(startedEvent(service.name, launched.records.map((r) => r.id)));
      if (launched.failures.length) {
        const f = launched.failures[0]!;
        events.push(placementFailedEvent(service.name, f.detail ? `${f.reason ?? 'RESOURCE:FARGATE'} (${f.detail.replace(/\.$/, '')})` : f.reason ?? 'RESOURCE:FARGATE'));
        state = {
          ...state, placementFailures: (state.placementFailures ?? 0) + launched.failures.length, lastPlacementFailureAt: cp.clock.now(),
          // A launch that found no capacity is a failed task to the circuit breaker (stage 1).
          ...(primary.rolloutState === 'IN_PROGRESS' ? { circuitBreaker: recordPlacementFailures(state.circuitBreaker, primary.id, launched.failures.length) } : {}),
        };
      } else if (launched.records.length && state.placementFailures) {
        state = { ...state, placementFailures: 0 };
      }
    }
    const next: ServiceRecord = {
      ...current, status: plan.status, deployments: [...plan.deployments], scheduler: { ...state },
      body: plan.taskDefinition ? { ...current.body, taskDefinition: plan.taskDefinition } : current.body,
    };
    if (JSON.stringify([next.status, next.deployments, next.scheduler, next.body]) !== JSON.stringify([current.status, current.deployments, current.scheduler, current.body])) {
      await tx.services.put({ ...next, version: current.version + 1 }, current.version);
    }
    const at = cp.clock.now();
    await tx.services.addEvents(service.clusterName, service.name, events.map((message) => ({ id: cp.ids.uuid(), createdAt: at, message })));
  });
  if (targetsChanged) signalLoadBalancing(cp);
  return wake;
}

/** Starts the planned tasks of the primary deployment: in their zones first, then anywhere their subnets allow. */
async function launch(
  cp: ControlPlane, tx: Repos, service: ServiceRecord, deployment: DeploymentRecord, starts: readonly PlannedStart[],
): Promise<{ records: TaskRecord[]; failures: Failure[]; interruptedHosts: string[] }> {
  const def = await resolveTaskDefinition(tx, deployment.taskDefinition);
  const { overrides, size } = parseTaskOverrides(def.body as never, undefined);
  const network = deployment.networkConfiguration as { awsvpcConfiguration?: { subnets?: string[]; securityGroups?: string[]; assignPublicIp?: string } } | undefined;
  let awsvpc;
  try {
    awsvpc = network?.awsvpcConfiguration ? await resolveAwsvpc(tx, network.awsvpcConfiguration) : undefined;
  } catch (err) {
    return { records: [], failures: starts.map(() => ({ reason: 'RESOURCE:ENI', detail: coerceError(err).message })), interruptedHosts: [] };
  }
  const spec = {
    clusterName: service.clusterName, taskDefinition: def, size, overrides: overrides as Record<string, unknown>, awsvpc,
    networkConfiguration: network as Record<string, unknown> | undefined, group: `service:${service.name}`,
    startedBy: deployment.id, serviceName: service.name, enableExecuteCommand: service.body.enableExecuteCommand === true,
  };
  const first = await placeAndInsertTasks(cp, tx, { ...spec, providers: starts.map((s) => s.capacityProviderName), zones: starts.map((s) => s.availabilityZone) });
  let { records, failures } = first;
  const interruptedHosts = [...first.interruptedHosts];
  if (failures.length && starts.some((s) => s.availabilityZone !== undefined)) {
    const again = await placeAndInsertTasks(cp, tx, { ...spec, providers: starts.slice(0, failures.length).map((s) => s.capacityProviderName) });
    records = [...records, ...again.records];
    failures = again.failures;
    interruptedHosts.push(...again.interruptedHosts);
  }
  const tags = service.body.propagateTags === 'SERVICE' ? await tx.tags.get(service.arn)
    : service.body.propagateTags === 'TASK_DEFINITION' ? await tx.tags.get(def.arn) : [];
  if (tags.length) for (const r of records) await tx.tags.put(r.task.taskArn, tags);
  return { records, failures, interruptedHosts };
}

function schedulerTask(r: TaskRecord, protectedUntil: number | undefined): SchedulerTask {
  const t = r.task;
  return {
    id: r.id, deploymentId: r.startedBy, lastStatus: t.lastStatus, desiredStatus: t.desiredStatus, healthStatus: t.healthStatus,
    ...(t.startedAt !== undefined ? { startedAtMs: t.startedAt * 1000 } : {}),
    ...(t.stoppingAt !== undefined ? { stoppingAtMs: t.stoppingAt * 1000 } : {}),
    ...(t.stopCode ? { stopCode: t.stopCode } : {}),
    ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
    ...(t.availabilityZone ? { availabilityZone: t.availabilityZone } : {}),
    ...(t.capacityProviderName ? { capacityProviderName: t.capacityProviderName } : {}),
    ...(protectedUntil !== undefined ? { protectedUntilMs: protectedUntil } : {}),
  };
}

/** Zones of the deployment's subnets that have a host to run on (all of them when none has). */
async function serviceZones(repos: Repos, deployment: DeploymentRecord | undefined): Promise<string[]> {
  const subnetIds = (deployment?.networkConfiguration as { awsvpcConfiguration?: { subnets?: string[] } } | undefined)?.awsvpcConfiguration?.subnets ?? [];
  const zones: string[] = [];
  for (const id of subnetIds) {
    const s = await repos.subnets.get(id);
    if (s && !zones.includes(s.availabilityZone)) zones.push(s.availabilityZone);
  }
  const hosted = new Set((await repos.hosts.list()).filter((h) => h.status === 'ACTIVE').map((h) => h.availabilityZone));
  const usable = zones.filter((z) => hosted.has(z));
  return usable.length ? usable : zones;
}

/** Task definitions of the service's deployments whose essential containers have health checks. */
async function healthCheckedDefinitions(repos: Repos, service: ServiceRecord): Promise<Set<string>> {
  const out = new Set<string>();
  for (const arn of new Set(service.deployments.map((d) => d.taskDefinition))) {
    const def = await resolveTaskDefinition(repos, arn).catch(() => undefined);
    const containers = (def?.body.containerDefinitions ?? []) as { essential?: boolean; healthCheck?: unknown }[];
    if (containers.some((c) => c.essential !== false && c.healthCheck !== undefined)) out.add(arn);
  }
  return out;
}

/** Nothing to write: no task to start, stop, drain or register, no event, the record unchanged (no write lock taken). */
function isNoop(service: ServiceRecord, plan: ServicePlan, lb: ServiceLoadBalancing): boolean {
  return plan.start.length === 0 && plan.stop.length === 0 && plan.drain.length === 0 && plan.events.length === 0
    && lb.unregistered.length === 0 && plan.taskDefinition === undefined && plan.status === service.status
    && JSON.stringify([plan.deployments, plan.state]) === JSON.stringify([service.deployments, service.scheduler]);
}

interface LoadBalancerBinding { targetGroupArn: string; containerPort: number }

/** What the controller knows of a service's target groups and its tasks' targets in them. */
interface ServiceLoadBalancing {
  bindings: LoadBalancerBinding[];
  /** The longest deregistration delay of the service's groups. */
  delayMs: number;
  /** Per task id: its target health, for the scheduler. */
  health: Map<string, Pick<SchedulerTask, 'targetHealth' | 'unhealthyTargetGroup'>>;
  /** Task id → its ENI address. */
  addresses: Map<string, string>;
  /** RUNNING tasks not (or no longer) registered in a group. */
  unregistered: { taskId: string; targetGroupArn: string; target: { id: string; port: number } }[];
}

async function loadBalancing(repos: Repos, service: ServiceRecord, tasks: readonly TaskRecord[], now: number): Promise<ServiceLoadBalancing> {
  const bindings = ((service.body.loadBalancers ?? []) as { targetGroupArn?: string; containerPort?: number }[])
    .filter((b): b is LoadBalancerBinding => b.targetGroupArn !== undefined && b.containerPort !== undefined);
  const out: ServiceLoadBalancing = { bindings, delayMs: 0, health: new Map(), addresses: new Map(), unregistered: [] };
  if (bindings.length === 0) return out;
  const draining = ((service.scheduler as SchedulerState).draining ?? {});
  for (const b of bindings) {
    const info = await targetGroupInfo(repos, b.targetGroupArn);
    out.delayMs = Math.max(out.delayMs, (info?.deregistrationDelaySeconds ?? 0) * 1000);
  }
  for (const t of tasks) {
    const ip = eniOf(t)?.privateIpv4Address;
    if (ip) out.addresses.set(t.id, ip);
    if (!ip || t.task.desiredStatus === 'STOPPED' || t.task.lastStatus !== 'RUNNING' || draining[t.id]) continue;
    let state: 'healthy' | 'unhealthy' | 'pending' = 'healthy';
    let failing: string | undefined;
    for (const b of bindings) {
      const h = await targetHealthState(repos, b.targetGroupArn, { id: ip, port: b.containerPort }, now);
      if (h === undefined || h.State === 'draining') out.unregistered.push({ taskId: t.id, targetGroupArn: b.targetGroupArn, target: { id: ip, port: b.containerPort } });
      if (h?.State === 'unhealthy') {
        state = 'unhealthy';
        failing = b.targetGroupArn;
      } else if (state !== 'unhealthy' && !(h && (h.State === 'healthy' || h.State === 'unavailable'))) {
        state = 'pending';
      }
    }
    out.health.set(t.id, { targetHealth: state, ...(failing ? { unhealthyTargetGroup: failing } : {}) });
  }
  return out;
}
