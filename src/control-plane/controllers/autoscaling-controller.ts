/**
 * The autoscaling controller: every `intervalMs` it walks the ECS scalable targets and, for each,
 * (1) applies scheduled actions whose time has come (new min/max, then the desired count moved
 * inside the range), (2) evaluates its target tracking policies on the metric store's one-minute
 * datapoints and, when they call for it, sets the service's desired count through the services
 * seam, recording every change as a scaling activity. The decisions are pure
 * (src/autoscaling/target-tracking.ts, scheduled-scaling.ts); this loop only reads and applies.
 *
 * A target whose service is gone (deleted, or draining to deletion) is deregistered, as AWS does.
 *
 * Step scaling policies act when a CloudWatch alarm names them in its actions: the alarm controller
 * (alarm-controller.ts) runs them through src/autoscaling/step-trigger.ts, not this loop.
 */
import { activityText, changeDesiredCount, recordActivity } from '../../autoscaling/activities.js';
import type { AutoScalingConfig } from '../../autoscaling/config.js';
import type { AutoScalingContext } from '../../autoscaling/context.js';
import { datapointsOf, metricSpecOf, windowOf } from '../../autoscaling/metric-source.js';
import { ECS_NAMESPACE, parseTargetKey, type EcsServiceRef } from '../../autoscaling/resources.js';
import { planScheduledAction } from '../../autoscaling/scheduled-scaling.js';
import {
  combineDecisions, decideTargetTracking, type CapacityState, type PolicyDecision, type TargetTrackingConfig,
} from '../../autoscaling/target-tracking.js';
import { coerceError } from '../../lib/errors.js';
import { every } from '../../lib/every.js';
import type { MetricStore } from '../../metrics/metric-store.js';
import { ConflictError, type ScalableTargetRecord, type ScalingPolicyRecord } from '../../store/store.js';

export interface AutoScalingController {
  readonly ctx: AutoScalingContext;
  readonly metrics: MetricStore;
  readonly config: AutoScalingConfig;
}

/** One pass over every target; each target's failure is logged and retried next pass. */
export async function syncAutoScaling(c: AutoScalingController): Promise<void> {
  let afterKey: string | undefined;
  do {
    const page = await c.ctx.cp.store.read.autoScaling.listTargets({ serviceNamespace: ECS_NAMESPACE, limit: 100, ...(afterKey ? { afterKey } : {}) });
    for (const t of page.items) {
      try {
        await syncTarget(c, t);
      } catch (err) {
        c.ctx.cp.log.error('autoscaling pass failed', { resourceId: t.resourceId, error: coerceError(err).message });
      }
    }
    afterKey = page.nextKey;
  } while (afterKey);
}

async function syncTarget(c: AutoScalingController, first: ScalableTargetRecord): Promise<void> {
  const ref = parseTargetKey(first);
  if (await c.ctx.services.desiredCount(ref) === undefined) {
    // As on AWS, deleting the service deregisters its target with its policies and scheduled actions.
    await c.ctx.cp.store.transaction((tx) => tx.autoScaling.removeTarget(first.serviceNamespace, first.resourceId, first.scalableDimension));
    c.ctx.cp.log.info('service gone: scalable target deregistered', { resourceId: first.resourceId });
    return;
  }
  await applyScheduledActions(c, first);
  const target = await c.ctx.cp.store.read.autoScaling.getTarget(first.serviceNamespace, first.resourceId, first.scalableDimension);
  if (target) await applyPolicies(c, target, ref);
}

async function applyScheduledActions(c: AutoScalingController, target: ScalableTargetRecord): Promise<void> {
  const { cp } = c.ctx;
  const actions = await cp.store.read.autoScaling.listScheduledActions({ ...target, resourceIds: [target.resourceId], limit: 200 });
  for (const action of actions.items) {
    const now = cp.clock.now();
    const current = await cp.store.read.autoScaling.getTarget(target.serviceNamespace, target.resourceId, target.scalableDimension);
    if (!current) return;
    const plan = planScheduledAction(current, action, now);
    if (!plan) continue;
    const applied = await cp.store.transaction(async (tx) => {
      const a = await tx.autoScaling.getScheduledAction(action.serviceNamespace, action.resourceId, action.scalableDimension, action.name);
      if (!a || a.updatedAt !== action.updatedAt) return false; // changed meanwhile: look again next pass
      await tx.autoScaling.putScheduledAction({ ...a, lastAppliedAt: plan.occurrence });
      if (plan.kind === 'apply') await tx.autoScaling.putTarget({ ...current, minCapacity: plan.min, maxCapacity: plan.max, version: current.version + 1 }, current.version);
      return true;
    }).catch((err: unknown) => {
      if (err instanceof ConflictError) return false;
      throw err;
    });
    if (!applied) continue;
    const description = activityText.setMinMax(action.minCapacity, action.maxCapacity);
    const cause = activityText.scheduledCause(action.name);
    if (plan.kind === 'invalid-range') {
      await cp.store.transaction((tx) => tx.autoScaling.putActivity({
        id: cp.ids.uuid(), serviceNamespace: target.serviceNamespace, resourceId: target.resourceId, scalableDimension: target.scalableDimension,
        description, cause, startTime: now, endTime: now, statusCode: 'Failed',
        statusMessage: `Failed to set min capacity to ${plan.min} and max capacity to ${plan.max}. Reason: the minimum capacity cannot be greater than the maximum capacity`,
      }));
      continue;
    }
    await recordActivity(c.ctx, target, { description, cause, statusMessage: description.replace(/^Setting/, 'Successfully set') });
    const desired = await c.ctx.services.desiredCount(parseTargetKey(target));
    if (desired !== undefined && desired < plan.min) await changeDesiredCount(c.ctx, target, plan.min, activityText.minCause(plan.min));
    else if (desired !== undefined && desired > plan.max) await changeDesiredCount(c.ctx, target, plan.max, activityText.maxCause(plan.max));
  }
}

async function applyPolicies(c: AutoScalingController, target: ScalableTargetRecord, ref: EcsServiceRef): Promise<void> {
  const { cp } = c.ctx;
  const suspended = target.suspendedState;
  if (suspended.DynamicScalingInSuspended && suspended.DynamicScalingOutSuspended) return;
  const policies = (await cp.store.read.autoScaling.listPolicies({ ...target, resourceIds: [target.resourceId], limit: 50 })).items
    .filter((p) => p.policyType === 'TargetTrackingScaling');
  if (policies.length === 0) return;
  const current = await c.ctx.services.desiredCount(ref);
  if (current === undefined) return;
  const now = cp.clock.now();
  const cap: CapacityState = {
    current, min: target.minCapacity, max: target.maxCapacity,
    scaleOutSuspended: suspended.DynamicScalingOutSuspended, scaleInSuspended: suspended.DynamicScalingInSuspended,
    ...(target.scaling.lastScaleOutAt !== undefined ? { lastScaleOutAt: target.scaling.lastScaleOutAt } : {}),
    ...(target.scaling.lastScaleInAt !== undefined ? { lastScaleInAt: target.scaling.lastScaleInAt } : {}),
  };
  const periods = Math.max(c.config.highPeriods, c.config.lowPeriods);
  const decisions: PolicyDecision<ScalingPolicyRecord>[] = [];
  for (const policy of policies) {
    const cfg = policy.configuration as unknown as TargetTrackingConfig;
    const spec = metricSpecOf(ref, policy.configuration);
    if (!spec) continue;
    const { fromMs, toMs } = windowOf(now, periods);
    const buckets = await c.metrics.read(spec.metric, 60, fromMs, toMs, spec.unit);
    const datapoints = datapointsOf(buckets, now, periods, spec.statistic);
    decisions.push({
      policy, votesOnScaleIn: cfg.DisableScaleIn !== true,
      decision: decideTargetTracking(cfg, cap, { nowMs: now, datapoints, highPeriods: c.config.highPeriods, lowPeriods: c.config.lowPeriods }),
    });
  }
  const act = combineDecisions(decisions);
  if (!act) return;
  const alarm = act.policy.alarms.find((a) => a.AlarmName.includes(`-Alarm${act.decision.alarm}-`))?.AlarmName ?? act.policy.name;
  const changed = await changeDesiredCount(c.ctx, target, act.decision.desired, activityText.alarmCause(alarm, act.policy.name));
  if (!changed) return;
  await cp.store.transaction(async (tx) => {
    const t = await tx.autoScaling.getTarget(target.serviceNamespace, target.resourceId, target.scalableDimension);
    if (!t) return;
    const mark = act.decision.direction === 'out' ? { lastScaleOutAt: now } : { lastScaleInAt: now };
    await tx.autoScaling.putTarget({ ...t, scaling: { ...t.scaling, ...mark }, version: t.version + 1 }, t.version);
  });
}

/** Runs passes every `config.intervalMs` until `signal` aborts; settles once the last pass ended. */
export function startAutoScaling(c: AutoScalingController, signal: AbortSignal): Promise<void> {
  return every(c.config.intervalMs, signal, () => syncAutoScaling(c).catch((err: unknown) => c.ctx.cp.log.error('autoscaling pass failed', { error: coerceError(err).message })));
}
