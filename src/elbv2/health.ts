/**
 * A target's health as DescribeTargetHealth answers it (pure), from what the control plane knows
 * (registration, draining, whether a listener uses the group) and what hosts' data planes report.
 */
import type { TargetRecord } from '../store/store.js';

export interface TargetHealthWire {
  State: string;
  Reason?: string;
  Description?: string;
}

/** One host's latest word on the target. */
export interface HostHealthReport {
  state: string;
  reason?: string;
  description?: string;
  reportedAt: number;
}

export interface TargetHealthInput {
  target: TargetRecord;
  /** A listener's default action or a rule forwards to the group. */
  inUse: boolean;
  healthCheckEnabled: boolean;
  deregistrationDelaySeconds: number;
  /** Reports naming this target, from hosts still ACTIVE. */
  reports: readonly HostHealthReport[];
  now: number;
}

/** When a draining target's delay is over (epoch ms), or undefined while it is registered. */
export const drainEndsAt = (target: TargetRecord, delaySeconds: number): number | undefined =>
  target.drainingSince === undefined ? undefined : target.drainingSince + delaySeconds * 1000;

/**
 * draining until the deregistration delay is over (then undefined: the target is gone); unused
 * when nothing forwards to its group; unavailable with health checks off; initial until a host
 * reports on it (reports older than its registration do not count); then healthy if any host
 * finds it healthy, else the first unhealthy report, else initial.
 */
export function targetHealth(i: TargetHealthInput): TargetHealthWire | undefined {
  const ends = drainEndsAt(i.target, i.deregistrationDelaySeconds);
  if (ends !== undefined) {
    if (i.now >= ends) return undefined;
    return { State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: 'Target deregistration is in progress' };
  }
  if (!i.inUse) return { State: 'unused', Reason: 'Target.NotInUse', Description: 'Target group is not configured to receive traffic from the load balancer' };
  if (!i.healthCheckEnabled) return { State: 'unavailable', Reason: 'Target.HealthCheckDisabled', Description: 'Health checks are disabled' };
  const fresh = i.reports.filter((r) => r.reportedAt >= i.target.registeredAt && r.state !== 'draining' && r.state !== 'unused');
  if (fresh.length === 0) return { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' };
  if (fresh.some((r) => r.state === 'healthy')) return { State: 'healthy' };
  const failing = fresh.find((r) => r.state === 'unhealthy' || r.state === 'unavailable');
  if (failing) return withReason(failing);
  return { State: 'initial', Reason: 'Elb.InitialHealthChecking', Description: 'Initial health checks in progress' };
}

const withReason = (r: HostHealthReport): TargetHealthWire => ({
  State: r.state, ...(r.reason !== undefined ? { Reason: r.reason } : {}), ...(r.description !== undefined ? { Description: r.description } : {}),
});
