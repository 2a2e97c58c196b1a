/**
 * Scaling activities: their text in AWS's form (pure builders), changing a service's desired
 * count through the services seam while recording the activity, and DescribeScalingActivities.
 *
 *   Description   "Setting desired count to 4."
 *   Cause         "monitor alarm TargetTracking-service/c/s-AlarmHigh-<uuid> in state ALARM triggered policy cpu75"
 *                 "minimum capacity was set to 2" · "maximum capacity was set to 5"
 *                 "scheduled action name nightly was triggered"
 *   StatusMessage "Successfully set desired count to 4. Change successfully fulfilled by ecs."
 *                 "Failed to set desired count to 4. Reason: …"
 */
import { coerceError } from '../lib/errors.js';
import type { ScalingActivityRecord } from '../store/store.js';
import type { AutoScalingContext } from './context.js';
import type { TargetKey } from './errors.js';
import { parseTargetKey } from './resources.js';
import { activityToWire, listQueryOf, nextTokenOf } from './wire.js';

export const activityText = {
  setDesired: (n: number) => `Setting desired count to ${n}.`,
  setDesiredDone: (n: number) => `Successfully set desired count to ${n}. Change successfully fulfilled by ecs.`,
  setDesiredFailed: (n: number, reason: string) => `Failed to set desired count to ${n}. Reason: ${reason}`,
  alarmCause: (alarm: string, policy: string) => `monitor alarm ${alarm} in state ALARM triggered policy ${policy}`,
  minCause: (min: number) => `minimum capacity was set to ${min}`,
  maxCause: (max: number) => `maximum capacity was set to ${max}`,
  scheduledCause: (name: string) => `scheduled action name ${name} was triggered`,
  setMinMax: (min: number | undefined, max: number | undefined) =>
    `Setting ${[min !== undefined ? `min capacity to ${min}` : '', max !== undefined ? `max capacity to ${max}` : ''].filter(Boolean).join(' and ')}`,
};

/**
 * Sets the service's desired count through the services seam and records the activity as
 * Successful or Failed (the change is asked for at once, so it is never left InProgress).
 * Returns whether the change was made.
 */
export async function changeDesiredCount(ctx: AutoScalingContext, key: TargetKey, desired: number, cause: string): Promise<boolean> {
  const startTime = ctx.cp.clock.now();
  const base = { id: ctx.cp.ids.uuid(), ...keyOf(key), description: activityText.setDesired(desired), cause, startTime };
  let record: ScalingActivityRecord;
  try {
    await ctx.services.setDesiredCount(parseTargetKey(key), desired);
    record = { ...base, endTime: ctx.cp.clock.now(), statusCode: 'Successful', statusMessage: activityText.setDesiredDone(desired) };
  } catch (err) {
    record = { ...base, endTime: ctx.cp.clock.now(), statusCode: 'Failed', statusMessage: activityText.setDesiredFailed(desired, coerceError(err).message) };
  }
  await ctx.cp.store.transaction((tx) => tx.autoScaling.putActivity(record));
  return record.statusCode === 'Successful';
}

/** Records a finished activity that changed the target itself (a scheduled action's min and max). */
export async function recordActivity(ctx: AutoScalingContext, key: TargetKey, text: { description: string; cause: string; statusMessage: string }): Promise<void> {
  const now = ctx.cp.clock.now();
  await ctx.cp.store.transaction((tx) => tx.autoScaling.putActivity({
    id: ctx.cp.ids.uuid(), ...keyOf(key), ...text, startTime: now, endTime: now, statusCode: 'Successful',
  }));
}

const keyOf = (k: TargetKey): TargetKey => ({ serviceNamespace: k.serviceNamespace, resourceId: k.resourceId, scalableDimension: k.scalableDimension });

export interface DescribeScalingActivitiesInput {
  ServiceNamespace: string; ResourceId?: string; ScalableDimension?: string; MaxResults?: number; NextToken?: string;
  IncludeNotScaledActivities?: boolean;
}

export async function describeScalingActivities(ctx: AutoScalingContext, input: DescribeScalingActivitiesInput): Promise<unknown> {
  const page = await ctx.cp.store.read.autoScaling.listActivities(listQueryOf('DescribeScalingActivities', input));
  return { ScalingActivities: page.items.map(activityToWire), ...nextTokenOf('DescribeScalingActivities', page.nextKey) };
}
