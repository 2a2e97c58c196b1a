/**
 * The deployment circuit breaker (developer guide, "How the Amazon ECS deployment circuit breaker
 * detects failures"; the Deployment.failedTasks documentation), pure. It watches the PRIMARY
 * deployment while it is IN_PROGRESS:
 *
 * - Stage 1, until a task of the deployment reaches RUNNING: each task that stops without ever
 *   RUNNING, and each launch that found no capacity, is a failure.
 * - Stage 2, once one has: start failures no longer count; each task stopped because its
 *   container or ELB health checks failed is a failure.
 * - Once a task of the deployment is RUNNING with its health checks passed (RUNNING alone when it
 *   has none), the count resets to 0 and is no longer evaluated.
 *
 * With the circuit breaker enabled, the deployment is FAILED when failedTasks reaches
 * clamp(ceil(0.5 × desiredCount), 10, 200). With rollback, a new PRIMARY returns to the last
 * COMPLETED deployment, which is then not COMPLETED any more: a rollback that fails too has
 * nothing to return to, and stalls (FAILED, no new tasks), as ECS's does.
 */
import type { DeploymentRecord } from '../store/store.js';
import { isHealthFailure, isStartFailure, type SchedulerTask } from './service-task.js';

/**
 * ECS's bounds on the failure threshold. The developer guide gives 10 to 200; the API reference's
 * ServiceDeploymentCircuitBreaker.threshold says "a minimum threshold of 3". Pier follows the
 * developer guide.
 */
export const CIRCUIT_BREAKER_MIN_THRESHOLD = 10;
export const CIRCUIT_BREAKER_MAX_THRESHOLD = 200;

export const CIRCUIT_BREAKER_FAILED_REASON = 'ECS deployment circuit breaker: tasks failed to start.';

export function circuitBreakerThreshold(desiredCount: number): number {
  return Math.min(Math.max(Math.ceil(0.5 * desiredCount), CIRCUIT_BREAKER_MIN_THRESHOLD), CIRCUIT_BREAKER_MAX_THRESHOLD);
}

/** How far the circuit breaker is with the PRIMARY deployment (kept in the scheduler state). */
export interface CircuitBreakerProgress {
  readonly deploymentId: string;
  /** Stage 2 since (epoch ms): a task of the deployment reached RUNNING. */
  readonly runningAt?: number;
  /** Monitoring over since (epoch ms): a task of the deployment ran with its health checks passed. */
  readonly passedAt?: number;
  /** Launches of the deployment's tasks that found no capacity, in stage 1. */
  readonly placementFailures?: number;
}

export interface TrackInput {
  readonly deployment: DeploymentRecord;
  readonly progress: CircuitBreakerProgress | undefined;
  readonly tasks: readonly SchedulerTask[];
  /** Tasks this pass stops (or drains) because their health checks failed. */
  readonly failingNow: ReadonlySet<string>;
  /** RUNNING with every health check it has passed. */
  readonly passing: (t: SchedulerTask) => boolean;
  readonly now: number;
}

/** The deployment's progress and failedTasks after this pass. */
export function trackDeployment(input: TrackInput): { progress: CircuitBreakerProgress; failedTasks: number } {
  const { deployment: d, now } = input;
  const prior = input.progress?.deploymentId === d.id ? input.progress : { deploymentId: d.id };
  const mine = input.tasks.filter((t) => t.deploymentId === d.id);
  const firstRun = Math.min(...mine.map((t) => t.startedAtMs ?? Infinity));
  const runningAt = prior.runningAt ?? (Number.isFinite(firstRun) ? firstRun : undefined);
  const passedAt = prior.passedAt ?? (mine.some(input.passing) ? now : undefined);
  const progress: CircuitBreakerProgress = {
    ...prior, ...(runningAt !== undefined ? { runningAt } : {}), ...(passedAt !== undefined ? { passedAt } : {}),
  };
  if (passedAt !== undefined) return { progress, failedTasks: 0 };
  const stage1 = mine.filter((t) => isStartFailure(t) && (runningAt === undefined || (t.stoppingAtMs ?? now) <= runningAt)).length;
  const stage2 = mine.filter((t) => isHealthFailure(t) || input.failingNow.has(t.id)).length;
  // Stopped tasks are purged after a while: the count never goes down on that account.
  return { progress, failedTasks: Math.max(d.failedTasks, stage1 + stage2 + (prior.placementFailures ?? 0)) };
}

/** Counts launches of `deploymentId` that found no capacity (the controller learns of them when it applies a plan). */
export function recordPlacementFailures(progress: CircuitBreakerProgress | undefined, deploymentId: string, count: number): CircuitBreakerProgress {
  const current = progress?.deploymentId === deploymentId ? progress : { deploymentId };
  if (current.runningAt !== undefined || current.passedAt !== undefined || count <= 0) return current;
  return { ...current, placementFailures: (current.placementFailures ?? 0) + count };
}

export interface TripInput {
  readonly service: string;
  /** Newest (PRIMARY) first, failedTasks already counted. */
  readonly deployments: readonly DeploymentRecord[];
  readonly circuitBreaker: { readonly enable: boolean; readonly rollback: boolean } | undefined;
  readonly desiredCount: number;
  readonly lastCompleted: DeploymentRecord | undefined;
  readonly now: number;
  readonly newDeploymentId: () => string;
}

export interface Trip {
  readonly deployments: DeploymentRecord[];
  /** With a rollback: the task definition the service returns to. */
  readonly taskDefinition?: string;
  readonly events: string[];
}

/** The deployments after the circuit breaker fails the PRIMARY, or undefined when it does not. */
export function tripCircuitBreaker(input: TripInput): Trip | undefined {
  const [first, ...rest] = input.deployments;
  if (!first || first.rolloutState !== 'IN_PROGRESS' || !input.circuitBreaker?.enable) return undefined;
  if (first.failedTasks < circuitBreakerThreshold(input.desiredCount)) return undefined;
  const { now, service } = input;
  const failed: DeploymentRecord = { ...first, rolloutState: 'FAILED', rolloutStateReason: CIRCUIT_BREAKER_FAILED_REASON, updatedAt: now };
  const events = [`(service ${service}) (deployment ${first.id}) deployment failed: tasks failed to start.`];
  const back = input.lastCompleted;
  if (!input.circuitBreaker.rollback || !back) return { deployments: [failed, ...rest], events };
  const rollback: DeploymentRecord = {
    ...back, id: input.newDeploymentId(), status: 'PRIMARY', desiredCount: input.desiredCount, failedTasks: 0, rolloutState: 'IN_PROGRESS',
    rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${back.id}.`, createdAt: now, updatedAt: now,
  };
  events.push(`(service ${service}) rolling back to deployment ${back.id}.`);
  return { deployments: [rollback, { ...failed, status: 'ACTIVE' }, ...rest], taskDefinition: back.taskDefinition, events };
}
