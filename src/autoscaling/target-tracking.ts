/**
 * Target tracking decisions (pure). AWS implements a policy with two CloudWatch alarms; Pier
 * evaluates the same conditions on the metric itself:
 *
 * - AlarmHigh: the metric is above the target in each of the last `highPeriods` periods (AWS: 3
 *   one-minute periods). Scale out to ceil(current × metric / target), the newest period's value.
 * - AlarmLow: the metric is below 90 % of the target in each of the last `lowPeriods` periods
 *   (AWS: 15). Scale in to ceil(current × metric / target) when that is less than current.
 *
 * A missing period (no data) satisfies neither. Results are clamped to [min, max]; a scale-out
 * waits ScaleOutCooldown after the last scale-out, a scale-in ScaleInCooldown after the last
 * scale-in (both 300 s by default for ECS); DisableScaleIn and the target's suspended dynamic
 * scaling stop the matching direction. Several policies on one target combine as AWS documents:
 * scale out when any policy says so (to the largest capacity), scale in only when every target
 * tracking policy that may scale in says so (to the largest of their capacities).
 */

export const DEFAULT_COOLDOWN_SECONDS = 300;
/** AlarmLow's threshold as a share of the target value. */
export const LOW_THRESHOLD = 0.9;

export interface TargetTrackingConfig {
  readonly TargetValue: number;
  readonly ScaleOutCooldown?: number;
  readonly ScaleInCooldown?: number;
  readonly DisableScaleIn?: boolean;
}

/** What a target's scaling depends on, read by the controller. */
export interface CapacityState {
  readonly current: number;
  readonly min: number;
  readonly max: number;
  readonly scaleOutSuspended: boolean;
  readonly scaleInSuspended: boolean;
  /** Epoch ms of the target's last scale-out / scale-in by a policy. */
  readonly lastScaleOutAt?: number;
  readonly lastScaleInAt?: number;
}

export interface Evaluation {
  readonly nowMs: number;
  /** One value per period, oldest first, the newest last; undefined where a period had no data. */
  readonly datapoints: readonly (number | undefined)[];
  readonly highPeriods: number;
  readonly lowPeriods: number;
}

export type Decision =
  | { readonly kind: 'scale'; readonly direction: 'out' | 'in'; readonly desired: number; readonly alarm: 'High' | 'Low'; readonly metric: number }
  | { readonly kind: 'none'; readonly reason: NoScaleReason };

export type NoScaleReason =
  | 'insufficient-data' | 'within-target' | 'cooldown' | 'suspended' | 'scale-in-disabled' | 'at-limit';

export const clamp = (n: number, min: number, max: number): number => Math.min(max, Math.max(min, n));

/** The last `n` datapoints when all are present, else undefined. */
function lastPeriods(datapoints: readonly (number | undefined)[], n: number): number[] | undefined {
  if (n < 1 || datapoints.length < n) return undefined;
  const tail = datapoints.slice(datapoints.length - n);
  return tail.every((v) => v !== undefined) ? (tail as number[]) : undefined;
}

/** ceil(current × metric / target), as target tracking computes the capacity that meets the target. */
export function capacityForTarget(current: number, metric: number, target: number): number {
  // Rounding noise (e.g. 3 × 80 / 40 = 6.000000000000001) must not add a task.
  return Math.ceil(Number(((current * metric) / target).toFixed(9)));
}

export function decideTargetTracking(cfg: TargetTrackingConfig, cap: CapacityState, ev: Evaluation): Decision {
  const target = cfg.TargetValue;
  const high = lastPeriods(ev.datapoints, ev.highPeriods);
  const low = lastPeriods(ev.datapoints, ev.lowPeriods);
  const none = (reason: NoScaleReason): Decision => ({ kind: 'none', reason });
  if (high && high.every((v) => v > target)) {
    if (cap.scaleOutSuspended) return none('suspended');
    const outCooldownMs = (cfg.ScaleOutCooldown ?? DEFAULT_COOLDOWN_SECONDS) * 1000;
    if (cap.lastScaleOutAt !== undefined && ev.nowMs - cap.lastScaleOutAt < outCooldownMs) return none('cooldown');
    const metric = high[high.length - 1]!;
    const desired = clamp(Math.max(capacityForTarget(cap.current, metric, target), cap.current + (cap.current === 0 ? 1 : 0)), cap.min, cap.max);
    return desired > cap.current ? { kind: 'scale', direction: 'out', desired, alarm: 'High', metric } : none('at-limit');
  }
  if (low && low.every((v) => v < target * LOW_THRESHOLD)) {
    if (cfg.DisableScaleIn) return none('scale-in-disabled');
    if (cap.scaleInSuspended) return none('suspended');
    const inCooldownMs = (cfg.ScaleInCooldown ?? DEFAULT_COOLDOWN_SECONDS) * 1000;
    if (cap.lastScaleInAt !== undefined && ev.nowMs - cap.lastScaleInAt < inCooldownMs) return none('cooldown');
    const metric = low[low.length - 1]!;
    const desired = clamp(capacityForTarget(cap.current, metric, target), cap.min, cap.max);
    return desired < cap.current ? { kind: 'scale', direction: 'in', desired, alarm: 'Low', metric } : none('at-limit');
  }
  return none(high || low ? 'within-target' : 'insufficient-data');
}

export interface PolicyDecision<P> {
  readonly policy: P;
  readonly decision: Decision;
  /** Whether the policy may scale in at all (target tracking without DisableScaleIn); it then has a say in every scale-in. */
  readonly votesOnScaleIn: boolean;
}

/** Combines the policies' decisions on one target: the one that acts, or undefined. */
export function combineDecisions<P>(decisions: readonly PolicyDecision<P>[]): { policy: P; decision: Extract<Decision, { kind: 'scale' }> } | undefined {
  type Scale = { policy: P; decision: Extract<Decision, { kind: 'scale' }> };
  const scales = decisions.flatMap((d) => (d.decision.kind === 'scale' ? [{ policy: d.policy, decision: d.decision }] : [])) as Scale[];
  const outs = scales.filter((s) => s.decision.direction === 'out');
  if (outs.length > 0) return outs.reduce((a, b) => (b.decision.desired > a.decision.desired ? b : a));
  const ins = scales.filter((s) => s.decision.direction === 'in');
  if (ins.length === 0) return undefined;
  const voters = decisions.filter((d) => d.votesOnScaleIn);
  if (!voters.every((d) => d.decision.kind === 'scale' && d.decision.direction === 'in')) return undefined;
  return ins.reduce((a, b) => (b.decision.desired > a.decision.desired ? b : a));
}
