/** Fixtures for the service scheduler's unit tests: deployments, tasks and snapshots around a fixed time. */
import type { DeploymentRecord } from '../store/store.js';
import { reconcileService, type ServicePlan, type ServiceSnapshot } from './service-scheduler.js';
import type { SchedulerTask } from './service-task.js';

export const NOW = 1_000_000_000;
export const TD1 = 'arn:aws:ecs:us-east-1:1:task-definition/web:1';
export const TD2 = 'arn:aws:ecs:us-east-1:1:task-definition/web:2';
export const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
/** The launch backoff the tests plan with (Pier's default). */
export const BACKOFF_MS = 10_000;

export function deployment(id: string, extra: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id, status: 'PRIMARY', taskDefinition: TD1, desiredCount: 3, failedTasks: 0, rolloutState: 'COMPLETED',
    rolloutStateReason: '', createdAt: NOW - 3_600_000, updatedAt: NOW - 3_600_000, ...extra,
  };
}

let n = 0;
/** A task RUNNING for an hour (healthy), of deployment d1, in zone a, unless told otherwise. */
export function task(extra: Partial<SchedulerTask> = {}): SchedulerTask {
  n += 1;
  return {
    id: `t${String(n).padStart(3, '0')}`, deploymentId: 'd1', lastStatus: 'RUNNING', desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN', startedAtMs: NOW - 3_600_000, availabilityZone: ZONES[0], ...extra,
  };
}
export const pending = (extra: Partial<SchedulerTask> = {}): SchedulerTask => task({ lastStatus: 'PENDING', startedAtMs: undefined, ...extra });
/** A task that ran, then its essential container exited. */
export const failed = (extra: Partial<SchedulerTask> = {}): SchedulerTask => task({
  lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stoppingAtMs: NOW - 1000, ...extra,
});
/** A task that never reached RUNNING (its container could not start). */
export const startFailed = (extra: Partial<SchedulerTask> = {}): SchedulerTask => failed({
  startedAtMs: undefined, stopCode: 'TaskFailedToStart', stoppedReason: "CannotStartContainerError: essential container 'app' will not start", ...extra,
});

export function snapshot(extra: Partial<ServiceSnapshot> = {}): ServiceSnapshot {
  return {
    name: 'web', status: 'ACTIVE', desiredCount: 3, minimumHealthyPercent: 100, maximumPercent: 200,
    healthCheckGracePeriodSeconds: 0, deployments: [deployment('d1')], tasks: [], zones: ZONES,
    healthChecked: new Set(), state: {}, recentEvents: [], ...extra,
  };
}

let ids = 0;
export const plan = (s: ServiceSnapshot, now = NOW): ServicePlan => reconcileService(s, {
  now, settleMs: 40_000, launchBackoffMs: BACKOFF_MS, newDeploymentId: () => `ecs-svc/new${++ids}`,
});
