/**
 * ECS's service throttle logic (developer guide, "Amazon ECS service throttle logic"), pure:
 *
 * - Only tasks that fail to start count: PENDING (or earlier) straight to STOPPED, and launches
 *   that found no capacity. A task stopped after it reached RUNNING (its command exited, it failed
 *   container or ELB health checks) never throttles.
 * - While they repeat, the time between restart attempts grows, up to 27 minutes; the scheduler
 *   never gives up, and says `(service …) is unable to consistently start tasks successfully.`
 * - A new deployment (a new task definition) is not throttled; nor is anything after a task of
 *   the service reached RUNNING.
 *
 * ECS does not document the steps nor how a batch of failures counts. Pier's: a round is
 * `desiredCount` failures (the service's tasks failing together are one restart attempt, not
 * several); the first round is retried at once, then each further round waits `baseMs` doubled
 * per round since. ECS has no setting for this; Pier's base is an operator one
 * (`pier up --service-launch-backoff-seconds`), so tests can use a short one.
 */
import { isStartFailure, type SchedulerTask } from './service-task.js';

/** The longest wait between restart attempts (ECS: 27 minutes, "subject to change"). */
export const THROTTLE_MAX_MS = 27 * 60_000;
/** The first throttled wait when the operator sets none. */
export const DEFAULT_LAUNCH_BACKOFF_MS = 10_000;

export const throttledEvent = (service: string): string => `(service ${service}) is unable to consistently start tasks successfully.`;

export interface StartFailureStreak {
  /** Consecutive start failures (tasks and failed placements). */
  readonly count: number;
  /** When the latest happened (epoch ms). */
  readonly lastAt: number;
}

/**
 * Start failures since the primary deployment began or a task last reached RUNNING, with the
 * placement failures the controller recorded in that time.
 */
export function startFailureStreak(
  tasks: readonly SchedulerTask[], primaryCreatedAt: number, placement: { readonly count: number; readonly lastAt: number },
): StartFailureStreak {
  const since = Math.max(primaryCreatedAt, ...tasks.map((t) => t.startedAtMs ?? 0));
  const failures = tasks.filter((t) => isStartFailure(t) && (t.stoppingAtMs ?? 0) > since);
  const placed = placement.lastAt > since ? placement.count : 0;
  const lastAt = Math.max(0, placed ? placement.lastAt : 0, ...failures.map((t) => t.stoppingAtMs ?? 0));
  return { count: failures.length + placed, lastAt };
}

/** How long after the latest of `failures` consecutive start failures the next restart waits, for a service of `desiredCount`. */
export function throttleDelayMs(failures: number, desiredCount: number, baseMs: number): number {
  const round = Math.ceil(failures / Math.max(1, desiredCount));
  if (round <= 1 || baseMs <= 0) return 0;
  return Math.min(baseMs * 2 ** (round - 2), THROTTLE_MAX_MS);
}
