/**
 * Running a step scaling policy because a CloudWatch alarm named it (the alarm controller calls
 * this when an alarm enters the state whose actions list the policy, and each minute it stays
 * there). The alarm hands over its threshold and the metric values it evaluated; the values are
 * aggregated by the policy's MetricAggregationType, and step-scaling.ts picks the step from their
 * distance to the threshold, honouring Cooldown (per policy), the target's min and max and its
 * suspended dynamic scaling. A change of the desired count goes through the services seam, as
 * target tracking's do, and is recorded as a scaling activity:
 *
 *   Cause  "monitor alarm cpu-high in state ALARM triggered policy scale-out"
 *
 * What cannot run (no such policy, not a step policy, no values) is returned as an error for the
 * alarm's history; a decision not to scale (no step for the value, cooldown, at a limit) is not.
 */
import { coerceError } from '../lib/errors.js';
import type { ScalableTargetRecord, ScalingPolicyRecord } from '../store/store.js';
import { changeDesiredCount } from './activities.js';
import type { AutoScalingContext } from './context.js';
import { parseTargetKey } from './resources.js';
import { aggregateMetric, decideStepScaling, type LastStepActivity, type StepDecision, type StepScalingConfig } from './step-scaling.js';
import type { CapacityState } from './target-tracking.js';

export interface AlarmTrigger {
  readonly alarmName: string;
  readonly state: string;
  readonly threshold: number;
  /** The alarm's metric values (at least one). */
  readonly values: readonly number[];
}

export interface PolicyRef {
  readonly arn: string;
  readonly serviceNamespace: string;
  readonly resourceId: string;
  readonly policyName: string;
}

export type StepTriggerResult =
  | { readonly ok: true; readonly decision: StepDecision }
  | { readonly ok: false; readonly error: string };

export const stepCause = (alarm: string, state: string, policy: string): string => `monitor alarm ${alarm} in state ${state} triggered policy ${policy}`;

/** The step decision for a policy, a target at `current` capacity and an alarm's values (pure). */
export function planStepTrigger(policy: ScalingPolicyRecord, target: ScalableTargetRecord, current: number, t: AlarmTrigger, nowMs: number): StepDecision {
  const cfg = policy.configuration as unknown as StepScalingConfig;
  const summary = { count: t.values.length, sum: t.values.reduce((a, b) => a + b, 0), min: Math.min(...t.values), max: Math.max(...t.values) };
  const delta = aggregateMetric(cfg.MetricAggregationType, summary) - t.threshold;
  const cap: CapacityState = {
    current, min: target.minCapacity, max: target.maxCapacity,
    scaleOutSuspended: target.suspendedState.DynamicScalingOutSuspended, scaleInSuspended: target.suspendedState.DynamicScalingInSuspended,
  };
  return decideStepScaling(cfg, cap, delta, nowMs, lastActivityOf(target, policy.name));
}

function lastActivityOf(target: ScalableTargetRecord, policyName: string): LastStepActivity | undefined {
  const at = target.scaling.policyActivityAt?.[policyName];
  const scaleOutFrom = target.scaling.policyScaleOutFrom?.[policyName];
  return at === undefined ? undefined : { at, ...(scaleOutFrom !== undefined ? { scaleOutFrom } : {}) };
}

/** The capacity a scale-out at `nowMs` counts from: its own start, or inside the cooldown the last scale-out's. */
function scaleOutBase(policy: ScalingPolicyRecord, target: ScalableTargetRecord, current: number, nowMs: number): number {
  const last = lastActivityOf(target, policy.name);
  const cooldownMs = ((policy.configuration as unknown as StepScalingConfig).Cooldown ?? 0) * 1000;
  return last?.scaleOutFrom !== undefined && nowMs - last.at < cooldownMs ? last.scaleOutFrom : current;
}

async function findPolicy(ctx: AutoScalingContext, ref: PolicyRef): Promise<ScalingPolicyRecord | undefined> {
  const page = await ctx.cp.store.read.autoScaling.listPolicies({
    serviceNamespace: ref.serviceNamespace, resourceIds: [ref.resourceId], names: [ref.policyName], limit: 50,
  });
  return page.items.find((p) => p.arn === ref.arn);
}

export async function triggerStepPolicy(ctx: AutoScalingContext, ref: PolicyRef, t: AlarmTrigger): Promise<StepTriggerResult> {
  try {
    const policy = await findPolicy(ctx, ref);
    if (!policy) return { ok: false, error: `No scaling policy found for ${ref.arn}` };
    if (policy.policyType !== 'StepScaling') return { ok: false, error: `Policy ${policy.name} is a ${policy.policyType} policy; only step scaling policies run on alarms` };
    const target = await ctx.cp.store.read.autoScaling.getTarget(policy.serviceNamespace, policy.resourceId, policy.scalableDimension);
    if (!target) return { ok: false, error: `No scalable target registered for ${policy.resourceId}` };
    const current = await ctx.services.desiredCount(parseTargetKey(target));
    if (current === undefined) return { ok: false, error: `ECS service ${policy.resourceId} does not exist` };
    if (t.values.length === 0) return { ok: false, error: 'The alarm has no metric values to compare with its threshold (SetAlarmState needs StateReasonData with recentDatapoints)' };
    const now = ctx.cp.clock.now();
    const decision = planStepTrigger(policy, target, current, t, now);
    if (decision.kind !== 'scale') return { ok: true, decision };
    const changed = await changeDesiredCount(ctx, target, decision.desired, stepCause(t.alarmName, t.state, policy.name));
    if (!changed) return { ok: false, error: `Failed to set the desired count of ${policy.resourceId} to ${decision.desired}` };
    await markActivity(ctx, target, policy.name, decision.desired > current ? { outFrom: scaleOutBase(policy, target, current, now) } : 'in', now);
    return { ok: true, decision };
  } catch (err) {
    return { ok: false, error: coerceError(err).message };
  }
}

/** The alarms whose actions name a step scaling policy, as DescribeScalingPolicies lists them. */
export async function alarmsNamingPolicy(ctx: AutoScalingContext, policyArn: string): Promise<{ AlarmName: string; AlarmARN: string }[]> {
  const out: { AlarmName: string; AlarmARN: string }[] = [];
  let afterName: string | undefined;
  do {
    const page = await ctx.cp.store.read.alarms.list({ actionPrefix: policyArn, limit: 100, ...(afterName !== undefined ? { afterName } : {}) });
    for (const a of page.items) {
      const c = a.config;
      if ([...c.AlarmActions, ...c.OKActions, ...c.InsufficientDataActions].includes(policyArn)) out.push({ AlarmName: a.name, AlarmARN: a.arn });
    }
    afterName = page.nextKey;
  } while (afterName !== undefined);
  return out;
}

/**
 * Starts the policy's cooldown, marks the target's last scale-out or scale-in (target tracking's
 * cooldowns read them), and keeps the capacity a scale-out counted from for the cooldown that follows.
 */
async function markActivity(ctx: AutoScalingContext, key: ScalableTargetRecord, policyName: string, change: { outFrom: number } | 'in', now: number): Promise<void> {
  await ctx.cp.store.transaction(async (tx) => {
    const t = await tx.autoScaling.getTarget(key.serviceNamespace, key.resourceId, key.scalableDimension);
    if (!t) return;
    const { [policyName]: _previous, ...otherFroms } = t.scaling.policyScaleOutFrom ?? {};
    const scaling = {
      ...t.scaling, ...(change === 'in' ? { lastScaleInAt: now } : { lastScaleOutAt: now }),
      policyActivityAt: { ...t.scaling.policyActivityAt, [policyName]: now },
      policyScaleOutFrom: change === 'in' ? otherFroms : { ...otherFroms, [policyName]: change.outFrom },
    };
    await tx.autoScaling.putTarget({ ...t, scaling, version: t.version + 1 }, t.version);
  });
}
