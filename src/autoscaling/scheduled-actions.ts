/**
 * PutScheduledAction, DescribeScheduledActions and DeleteScheduledAction. The schedule
 * (at/rate/cron) and Timezone are checked when put (schedule.ts); the autoscaling controller
 * applies ScalableTargetAction's MinCapacity/MaxCapacity at each occurrence. Putting an action that
 * exists updates what is given and keeps the rest.
 */
import type { ScheduledActionRecord } from '../store/store.js';
import type { AutoScalingContext } from './context.js';
import { LimitExceededException, scheduledActionNotFound, targetNotRegistered, ValidationException } from './errors.js';
import { autoScalingArns, parseTargetKey } from './resources.js';
import { checkTimezone, parseSchedule } from './schedule.js';
import { checkCapacities, keyOfInput, type TargetKeyInput } from './targets.js';
import { listQueryOf, nextTokenOf, scheduledActionToWire, timestampMs } from './wire.js';

/** AWS's quota of scheduled actions per scalable target. */
export const MAX_SCHEDULED_ACTIONS_PER_TARGET = 200;

export interface PutScheduledActionInput extends TargetKeyInput {
  ScheduledActionName: string; Schedule?: string; Timezone?: string; StartTime?: number | string; EndTime?: number | string;
  ScalableTargetAction?: { MinCapacity?: number; MaxCapacity?: number };
}

/** The model's ScheduledActionName pattern (the validator leaves patterns to the handlers): no `:`, `/`, `|`, control characters, or edge spaces. */
const ACTION_NAME = /^(?!((^[ ]+.*)|(.*([\u0000-\u001f]|[\u007f-\u009f]|[:/|])+.*)|(.*[ ]+$))).+$/s;

export function checkScheduledActionName(name: string): void {
  if (!ACTION_NAME.test(name)) {
    throw new ValidationException(`1 validation error detected: Value '${name}' at 'ScheduledActionName' failed to satisfy constraint: `
      + 'Member must satisfy regular expression pattern: (?!((^[ ]+.*)|(.*([\\u0000-\\u001f]|[\\u007f-\\u009f]|[:/|])+.*)|(.*[ ]+$))).+');
  }
}

export async function putScheduledAction(ctx: AutoScalingContext, input: PutScheduledActionInput): Promise<unknown> {
  const key = keyOfInput(input);
  parseTargetKey(key);
  checkScheduledActionName(input.ScheduledActionName);
  if (input.Schedule !== undefined) parseSchedule(input.Schedule);
  if (input.Timezone !== undefined) checkTimezone(input.Timezone);
  const startTime = input.StartTime !== undefined ? timestampMs(input.StartTime) : undefined;
  const endTime = input.EndTime !== undefined ? timestampMs(input.EndTime) : undefined;
  const action = input.ScalableTargetAction;
  checkCapacities(action?.MinCapacity, action?.MaxCapacity);
  const { cp } = ctx;
  await cp.store.transaction(async (tx) => {
    if (!(await tx.autoScaling.getTarget(key.serviceNamespace, key.resourceId, key.scalableDimension))) throw targetNotRegistered(key);
    const existing = await tx.autoScaling.getScheduledAction(key.serviceNamespace, key.resourceId, key.scalableDimension, input.ScheduledActionName);
    if (!existing) {
      if (input.Schedule === undefined) throw new ValidationException('Schedule is required when creating a scheduled action');
      const page = await tx.autoScaling.listScheduledActions({ ...key, resourceIds: [key.resourceId], limit: MAX_SCHEDULED_ACTIONS_PER_TARGET });
      if (page.items.length >= MAX_SCHEDULED_ACTIONS_PER_TARGET) {
        throw new LimitExceededException(`The maximum number of scheduled actions (${MAX_SCHEDULED_ACTIONS_PER_TARGET}) for this scalable target has been reached`);
      }
    }
    const now = cp.clock.now();
    const merged: ScheduledActionRecord = {
      ...key, name: input.ScheduledActionName,
      arn: existing?.arn ?? autoScalingArns.scheduledAction(cp.scope, cp.ids.uuid(), key, input.ScheduledActionName),
      schedule: input.Schedule ?? existing!.schedule,
      ...optional('timezone', input.Timezone ?? existing?.timezone),
      ...optional('startTime', startTime ?? existing?.startTime),
      ...optional('endTime', endTime ?? existing?.endTime),
      ...optional('minCapacity', action ? action.MinCapacity : existing?.minCapacity),
      ...optional('maxCapacity', action ? action.MaxCapacity : existing?.maxCapacity),
      createdAt: existing?.createdAt ?? now, updatedAt: now,
    };
    if (merged.startTime !== undefined && merged.endTime !== undefined && merged.startTime > merged.endTime) {
      throw new ValidationException('StartTime must be before EndTime');
    }
    checkCapacities(merged.minCapacity, merged.maxCapacity);
    await tx.autoScaling.putScheduledAction(merged);
  });
  return {};
}

const optional = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } => (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };

export interface DescribeScheduledActionsInput {
  ServiceNamespace: string; ScheduledActionNames?: string[]; ResourceId?: string; ScalableDimension?: string; MaxResults?: number; NextToken?: string;
}

export async function describeScheduledActions(ctx: AutoScalingContext, input: DescribeScheduledActionsInput): Promise<unknown> {
  const page = await ctx.cp.store.read.autoScaling.listScheduledActions(listQueryOf('DescribeScheduledActions', input, input.ScheduledActionNames));
  return { ScheduledActions: page.items.map(scheduledActionToWire), ...nextTokenOf('DescribeScheduledActions', page.nextKey) };
}

export async function deleteScheduledAction(ctx: AutoScalingContext, input: TargetKeyInput & { ScheduledActionName: string }): Promise<unknown> {
  const key = keyOfInput(input);
  parseTargetKey(key);
  const removed = await ctx.cp.store.transaction((tx) =>
    tx.autoScaling.removeScheduledAction(key.serviceNamespace, key.resourceId, key.scalableDimension, input.ScheduledActionName));
  if (!removed) throw scheduledActionNotFound(key, input.ScheduledActionName);
  return {};
}
