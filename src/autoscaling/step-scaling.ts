/**
 * Step scaling decisions (pure). On AWS a step scaling policy acts when a CloudWatch alarm that
 * names it fires; its steps are intervals of the metric's distance from the alarm's threshold
 * (the breach delta), each with an adjustment. Given the aggregated metric and the threshold this
 * module picks the step and computes the new capacity:
 *
 * - Above the threshold (delta ≥ 0) a step's lower bound is inclusive and its upper exclusive;
 *   below it (delta < 0) the lower bound is exclusive and the upper inclusive. A missing lower
 *   bound is −∞, a missing upper bound +∞.
 * - ChangeInCapacity adds the adjustment; ExactCapacity sets it; PercentChangeInCapacity adds
 *   that percentage of the current capacity, rounded as AWS rounds (a change between −1 and 1 is
 *   ±1, others are truncated toward zero), and at least MinAdjustmentMagnitude in size.
 * - The result is clamped to [min, max].
 * - Within Cooldown seconds of the policy's last activity it scales in not at all, and scales out
 *   only past what its last scale-out added: the new step is applied to the capacity from before
 *   that scale-out, as AWS counts "the capacity added by the previous scale-out" (+2, then a +3 step
 *   inside the cooldown adds 1).
 */
import { ValidationException } from './errors.js';
import { clamp, type CapacityState } from './target-tracking.js';

export interface StepAdjustment {
  readonly MetricIntervalLowerBound?: number;
  readonly MetricIntervalUpperBound?: number;
  readonly ScalingAdjustment: number;
}

export interface StepScalingConfig {
  readonly AdjustmentType?: 'ChangeInCapacity' | 'PercentChangeInCapacity' | 'ExactCapacity';
  readonly StepAdjustments?: readonly StepAdjustment[];
  readonly MinAdjustmentMagnitude?: number;
  readonly Cooldown?: number;
  readonly MetricAggregationType?: 'Average' | 'Minimum' | 'Maximum';
}

/** A period's statistics of the metric. */
export interface MetricSummary { readonly count: number; readonly sum: number; readonly min: number; readonly max: number }

export function aggregateMetric(type: StepScalingConfig['MetricAggregationType'], s: MetricSummary): number {
  if (type === 'Minimum') return s.min;
  if (type === 'Maximum') return s.max;
  return s.sum / s.count;
}

/** The step whose interval holds `delta` (metric − threshold), or undefined. */
export function stepFor(steps: readonly StepAdjustment[], delta: number): StepAdjustment | undefined {
  return steps.find((s) => {
    const lo = s.MetricIntervalLowerBound ?? -Infinity;
    const hi = s.MetricIntervalUpperBound ?? Infinity;
    return delta >= 0 ? delta >= lo && delta < hi : delta > lo && delta <= hi;
  });
}

/** The capacity change a percentage makes, rounded as AWS rounds it. */
export function percentChange(current: number, percent: number, minMagnitude: number | undefined): number {
  const raw = (current * percent) / 100;
  let change = raw > 0 && raw < 1 ? 1 : raw < 0 && raw > -1 ? -1 : Math.trunc(raw);
  if (minMagnitude !== undefined && change !== 0 && Math.abs(change) < minMagnitude) change = Math.sign(change) * minMagnitude;
  return change;
}

export type StepDecision =
  | { readonly kind: 'scale'; readonly desired: number; readonly step: StepAdjustment }
  | { readonly kind: 'none'; readonly reason: 'no-step' | 'cooldown' | 'suspended' | 'no-change' };

/** The policy's last activity: when, and for a scale-out the capacity it started from. */
export interface LastStepActivity {
  readonly at: number;
  readonly scaleOutFrom?: number;
}

export function decideStepScaling(
  cfg: StepScalingConfig, cap: CapacityState, delta: number, nowMs: number, last: LastStepActivity | undefined,
): StepDecision {
  const step = stepFor(cfg.StepAdjustments ?? [], delta);
  if (!step) return { kind: 'none', reason: 'no-step' };
  const type = cfg.AdjustmentType ?? 'ChangeInCapacity';
  const from = (base: number): number => type === 'ExactCapacity' ? step.ScalingAdjustment
    : type === 'PercentChangeInCapacity' ? base + percentChange(base, step.ScalingAdjustment, cfg.MinAdjustmentMagnitude)
      : base + step.ScalingAdjustment;
  const cooling = last !== undefined && nowMs - last.at < (cfg.Cooldown ?? 0) * 1000;
  if (cooling) {
    const desired = last.scaleOutFrom === undefined ? undefined : clamp(from(last.scaleOutFrom), cap.min, cap.max);
    if (desired === undefined || desired <= cap.current) return { kind: 'none', reason: 'cooldown' };
    return cap.scaleOutSuspended ? { kind: 'none', reason: 'suspended' } : { kind: 'scale', desired, step };
  }
  const desired = clamp(from(cap.current), cap.min, cap.max);
  if (desired === cap.current) return { kind: 'none', reason: 'no-change' };
  if ((desired > cap.current && cap.scaleOutSuspended) || (desired < cap.current && cap.scaleInSuspended)) return { kind: 'none', reason: 'suspended' };
  return { kind: 'scale', desired, step };
}

/** Checks a StepScalingPolicyConfiguration as PutScalingPolicy does; throws ValidationException. */
export function checkStepScaling(cfg: StepScalingConfig | undefined): void {
  if (!cfg) throw new ValidationException('StepScalingPolicyConfiguration is required for a policy of type StepScaling');
  const steps = cfg.StepAdjustments ?? [];
  if (cfg.AdjustmentType === undefined) throw new ValidationException('AdjustmentType is required for a step scaling policy');
  if (steps.length === 0) throw new ValidationException('StepAdjustments must contain at least one step adjustment');
  if (cfg.MinAdjustmentMagnitude !== undefined) {
    if (cfg.AdjustmentType !== 'PercentChangeInCapacity') {
      throw new ValidationException('MinAdjustmentMagnitude may only be specified when AdjustmentType is PercentChangeInCapacity');
    }
    if (cfg.MinAdjustmentMagnitude < 1) throw new ValidationException('MinAdjustmentMagnitude must be at least 1');
  }
  if (cfg.Cooldown !== undefined && cfg.Cooldown < 0) throw new ValidationException('Cooldown must be zero or more');
  if (cfg.AdjustmentType === 'ExactCapacity' && steps.some((s) => s.ScalingAdjustment < 0)) {
    throw new ValidationException('ScalingAdjustment cannot be negative when AdjustmentType is ExactCapacity');
  }
  const sorted = [...steps].sort((a, b) => (a.MetricIntervalLowerBound ?? -Infinity) - (b.MetricIntervalLowerBound ?? -Infinity));
  sorted.forEach((s, i) => {
    const lo = s.MetricIntervalLowerBound ?? -Infinity;
    const hi = s.MetricIntervalUpperBound ?? Infinity;
    if (s.MetricIntervalLowerBound === undefined && s.MetricIntervalUpperBound === undefined && steps.length > 1) {
      throw new ValidationException('Only one step adjustment may have neither a lower nor an upper bound, and then it must be the only one');
    }
    if (!(lo < hi)) throw new ValidationException('The upper bound of a step adjustment must be greater than its lower bound');
    const next = sorted[i + 1];
    if (next && (next.MetricIntervalLowerBound ?? -Infinity) !== hi) {
      throw new ValidationException((next.MetricIntervalLowerBound ?? -Infinity) < hi
        ? 'Step adjustments must not overlap'
        : 'Step adjustments must not have gaps between them: each lower bound must equal the previous step\'s upper bound');
    }
  });
}
