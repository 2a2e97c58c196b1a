/**
 * What a scheduled action does at its time (pure): whether an occurrence is due since the
 * controller last looked, and the target's new minimum and maximum. An action gives MinCapacity,
 * MaxCapacity or both; the other keeps the target's value. A result whose minimum exceeds its
 * maximum cannot be applied (the activity fails and the target keeps its range). The desired
 * count is then moved inside the new range by the caller, as RegisterScalableTarget does.
 */
import type { ScalableTargetRecord, ScheduledActionRecord } from '../store/store.js';
import { dueOccurrence, parseSchedule } from './schedule.js';

export type ScheduledPlan =
  | { readonly kind: 'apply'; readonly occurrence: number; readonly min: number; readonly max: number }
  | { readonly kind: 'invalid-range'; readonly occurrence: number; readonly min: number; readonly max: number };

export function planScheduledAction(target: ScalableTargetRecord, action: ScheduledActionRecord, nowMs: number): ScheduledPlan | undefined {
  if (target.suspendedState.ScheduledScalingSuspended) return undefined;
  const after = Math.max(action.updatedAt, action.lastAppliedAt ?? -Infinity);
  const occurrence = dueOccurrence(parseSchedule(action.schedule), action.timezone ?? 'UTC', after, nowMs, {
    anchorMs: action.startTime ?? action.updatedAt,
    ...(action.startTime !== undefined ? { startMs: action.startTime } : {}),
    ...(action.endTime !== undefined ? { endMs: action.endTime } : {}),
  });
  if (occurrence === undefined) return undefined;
  const min = action.minCapacity ?? target.minCapacity;
  const max = action.maxCapacity ?? target.maxCapacity;
  return { kind: min <= max ? 'apply' : 'invalid-range', occurrence, min, max };
}
