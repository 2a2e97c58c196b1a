/**
 * RegisterScalableTarget, DescribeScalableTargets and DeregisterScalableTarget.
 *
 * Registering checks the ECS service exists (ValidationException "ECS service doesn't exist: …"),
 * needs MinCapacity and MaxCapacity for a new target, and updates only what is given for an
 * existing one. When the service's desired count lies outside the new range it is moved inside at
 * once, recorded as an activity ("minimum capacity was set to N"), as AWS does. Deregistering
 * deletes the target's policies and scheduled actions with it.
 */
import { ConflictError, type ScalableTargetRecord } from '../store/store.js';
import { changeDesiredCount, activityText } from './activities.js';
import type { AutoScalingContext } from './context.js';
import { ConcurrentUpdateException, targetNotFound, ValidationException, type TargetKey } from './errors.js';
import { autoScalingArns, parseTargetKey } from './resources.js';
import { listQueryOf, nextTokenOf, targetToWire } from './wire.js';

interface SuspendedStateInput {
  DynamicScalingInSuspended?: boolean; DynamicScalingOutSuspended?: boolean; ScheduledScalingSuspended?: boolean;
}

export interface RegisterScalableTargetInput extends TargetKeyInput {
  MinCapacity?: number; MaxCapacity?: number; RoleARN?: string; SuspendedState?: SuspendedStateInput; Tags?: Record<string, string>;
}

export interface TargetKeyInput { ServiceNamespace: string; ResourceId: string; ScalableDimension: string }

export const keyOfInput = (i: TargetKeyInput): TargetKey => ({
  serviceNamespace: i.ServiceNamespace, resourceId: i.ResourceId, scalableDimension: i.ScalableDimension,
});

/** The service-linked role AWS uses for ECS targets registered without RoleARN. */
const serviceLinkedRole = (accountId: string): string =>
  `arn:aws:iam::${accountId}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`;

export function checkCapacities(min: number | undefined, max: number | undefined, what = 'capacity'): void {
  if (min !== undefined && min < 0) throw new ValidationException(`Minimum ${what} cannot be less than 0`);
  if (max !== undefined && max < 0) throw new ValidationException(`Maximum ${what} cannot be less than 0`);
  if (min !== undefined && max !== undefined && min > max) throw new ValidationException(`Minimum ${what} cannot be greater than maximum ${what}`);
}

export async function registerScalableTarget(ctx: AutoScalingContext, input: RegisterScalableTargetInput): Promise<unknown> {
  const key = keyOfInput(input);
  const ref = parseTargetKey(key);
  const current = await ctx.services.desiredCount(ref);
  if (current === undefined) throw new ValidationException(`ECS service doesn't exist: ${input.ResourceId}`);
  const { cp } = ctx;
  let saved: ScalableTargetRecord;
  try {
    saved = await cp.store.transaction(async (tx) => {
      const existing = await tx.autoScaling.getTarget(key.serviceNamespace, key.resourceId, key.scalableDimension);
      if (!existing && (input.MinCapacity === undefined || input.MaxCapacity === undefined)) {
        throw new ValidationException('MinCapacity and MaxCapacity are required when registering a new scalable target');
      }
      const min = input.MinCapacity ?? existing!.minCapacity;
      const max = input.MaxCapacity ?? existing!.maxCapacity;
      checkCapacities(min, max);
      const suspended = { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false, ...existing?.suspendedState };
      for (const k of Object.keys(suspended) as (keyof typeof suspended)[]) {
        if (input.SuspendedState?.[k] !== undefined) suspended[k] = input.SuspendedState[k]!;
      }
      const record: ScalableTargetRecord = existing
        ? { ...existing, minCapacity: min, maxCapacity: max, roleArn: input.RoleARN ?? existing.roleArn, suspendedState: suspended, version: existing.version + 1 }
        : {
          ...key, arn: autoScalingArns.scalableTarget(cp.scope, (cp.ids.hex32() + cp.ids.hex32()).slice(0, 36)), minCapacity: min, maxCapacity: max,
          roleArn: input.RoleARN ?? serviceLinkedRole(cp.scope.accountId), suspendedState: suspended, scaling: {}, createdAt: cp.clock.now(), version: 1,
        };
      await tx.autoScaling.putTarget(record, existing?.version);
      return record;
    });
  } catch (err) {
    if (err instanceof ConflictError) throw new ConcurrentUpdateException('Concurrent updates detected for this scalable target; try again.');
    throw err;
  }
  if (current < saved.minCapacity) await changeDesiredCount(ctx, key, saved.minCapacity, activityText.minCause(saved.minCapacity));
  else if (current > saved.maxCapacity) await changeDesiredCount(ctx, key, saved.maxCapacity, activityText.maxCause(saved.maxCapacity));
  return { ScalableTargetARN: saved.arn };
}

export interface DescribeScalableTargetsInput {
  ServiceNamespace: string; ResourceIds?: string[]; ScalableDimension?: string; MaxResults?: number; NextToken?: string;
}

export async function describeScalableTargets(ctx: AutoScalingContext, input: DescribeScalableTargetsInput): Promise<unknown> {
  const page = await ctx.cp.store.read.autoScaling.listTargets(listQueryOf('DescribeScalableTargets', input));
  return { ScalableTargets: page.items.map(targetToWire), ...nextTokenOf('DescribeScalableTargets', page.nextKey) };
}

export async function deregisterScalableTarget(ctx: AutoScalingContext, input: TargetKeyInput): Promise<unknown> {
  const key = keyOfInput(input);
  parseTargetKey(key);
  const removed = await ctx.cp.store.transaction((tx) => tx.autoScaling.removeTarget(key.serviceNamespace, key.resourceId, key.scalableDimension));
  if (!removed) throw targetNotFound(key);
  return {};
}
