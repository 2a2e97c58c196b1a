/** A service's task as the service scheduler sees it, and what its stop means (pure). */

export interface SchedulerTask {
  readonly id: string;
  /** The deployment that started it (the task's startedBy). */
  readonly deploymentId: string | undefined;
  readonly lastStatus: string;
  readonly desiredStatus: string;
  readonly healthStatus: string | undefined;
  /** When it reached RUNNING; undefined while it never has. */
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

export const HEALTH_FAILED = 'Task failed container health checks';
const ELB_FAILED = 'Task failed ELB health checks in';

export const elbHealthFailed = (targetGroupArn: string | undefined): string => `${ELB_FAILED} (target-group ${targetGroupArn ?? 'unknown'})`;

export const isLive = (t: SchedulerTask): boolean => t.desiredStatus !== 'STOPPED';

/** A task that never reached RUNNING and stopped on its own (not one the scheduler or a user stopped). */
export function isStartFailure(t: SchedulerTask): boolean {
  return t.desiredStatus === 'STOPPED' && t.startedAtMs === undefined
    && (t.stopCode === 'TaskFailedToStart' || t.stopCode === 'EssentialContainerExited');
}

/** A task the scheduler stopped because its container or ELB health checks failed. */
export function isHealthFailure(t: SchedulerTask): boolean {
  return t.desiredStatus === 'STOPPED' && t.stopCode === 'ServiceSchedulerInitiated'
    && (t.stoppedReason === HEALTH_FAILED || (t.stoppedReason ?? '').startsWith(ELB_FAILED));
}
