/**
 * Moving an alarm to a state (pure): the new record and the StateUpdate history item. A new value
 * is a transition (StateTransitionedTimestamp moves, and the alarm controller runs the new state's
 * actions); the same value with a new reason only updates the reason (SetAlarmState does that).
 */
import type { AlarmHistoryRecord, AlarmState, MetricAlarmRecord } from '../../store/store.js';
import { historyItem } from './history.js';

export interface NextState {
  readonly value: AlarmState['value'];
  readonly reason: string;
  readonly reasonData?: string;
}

export function changeState(alarm: MetricAlarmRecord, next: NextState, nowMs: number): { record: MetricAlarmRecord; history: AlarmHistoryRecord } {
  const state: AlarmState = {
    value: next.value, reason: next.reason, ...(next.reasonData !== undefined ? { reasonData: next.reasonData } : {}),
    // Strictly later than the last transition: the alarm controller tells transitions apart by this time.
    updatedAt: nowMs, transitionedAt: next.value === alarm.state.value ? alarm.state.transitionedAt : Math.max(nowMs, alarm.state.transitionedAt + 1),
  };
  return { record: { ...alarm, state, version: alarm.version + 1 }, history: historyItem.state(alarm.name, alarm.state, state) };
}
