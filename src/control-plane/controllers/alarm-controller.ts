/**
 * The alarm controller: every `intervalMs` it walks the metric alarms and, for each, (1) runs the
 * actions a state change left due (SetAlarmState's), (2) once a new period of the alarm has closed
 * (and `settleMs` passed, for data put at the period's end), reads the evaluation range from the
 * metric store, evaluates it (src/metrics/alarms/evaluate.ts, pure) and writes the new state with a
 * StateUpdate history item, and (3) runs the new state's actions, or the Auto Scaling actions that
 * repeat each minute the alarm stays in its state, on the values just read
 * (src/control-plane/alarm-actions.ts). Alarms are evaluated once per period: 10, 20 and 30 s for
 * high-resolution metrics, or a multiple of a minute.
 *
 * Writes are at the alarm's version; a pass that loses a race with the API leaves the alarm to
 * the next pass.
 */
import type { AutoScalingContext } from '../../autoscaling/context.js';
import { coerceError } from '../../lib/errors.js';
import { every } from '../../lib/every.js';
import { newestPeriodEnd, readRange, ruleOf } from '../../metrics/alarms/alarm-metric.js';
import type { AlarmsContext } from '../../metrics/alarms/context.js';
import { evaluateAlarm } from '../../metrics/alarms/evaluate.js';
import { changeState } from '../../metrics/alarms/state-change.js';
import { ConflictError, type AlarmHistoryRecord, type MetricAlarmRecord } from '../../store/store.js';
import { runAlarmActions } from '../alarm-actions.js';

export interface AlarmController {
  readonly alarms: AlarmsContext;
  readonly autoScaling: AutoScalingContext;
  readonly intervalMs: number;
  readonly settleMs: number;
}

export const DEFAULT_ALARM_CONTROLLER = { intervalMs: 1000, settleMs: 1000 } as const;

/** One pass over every alarm; each alarm's failure is logged and retried next pass. */
export async function syncAlarms(c: AlarmController): Promise<void> {
  const { cp } = c.alarms;
  let afterName: string | undefined;
  do {
    const page = await cp.store.read.alarms.list({ limit: 100, ...(afterName !== undefined ? { afterName } : {}) });
    for (const alarm of page.items) {
      try {
        await syncAlarm(c, alarm);
      } catch (err) {
        cp.log.error('alarm pass failed', { alarm: alarm.name, error: coerceError(err).message });
      }
    }
    afterName = page.nextKey;
  } while (afterName !== undefined);
}

async function syncAlarm(c: AlarmController, read: MetricAlarmRecord): Promise<void> {
  const { cp, metrics } = c.alarms;
  // A transition not yet acted on (SetAlarmState's) runs before an evaluation can move the alarm on;
  // otherwise actions run after it, on the values it read.
  const pending = read.evaluation.actedOnTransitionAt !== read.state.transitionedAt;
  const alarm = pending ? await runAlarmActions(c.autoScaling, read, cp.clock.now()) : read;
  const now = cp.clock.now();
  const end = newestPeriodEnd(alarm.config.Period, now, c.settleMs);
  if (alarm.evaluation.lastPeriodEnd !== undefined && end <= alarm.evaluation.lastPeriodEnd) {
    await runAlarmActions(c.autoScaling, alarm, now);
    return;
  }
  const outcome = evaluateAlarm(await readRange(metrics, alarm.config, end, now), ruleOf(alarm.config), now);
  let next: MetricAlarmRecord = { ...alarm, evaluation: { ...alarm.evaluation, lastPeriodEnd: end, recentDatapoints: outcome.recentDatapoints }, version: alarm.version + 1 };
  const history: AlarmHistoryRecord[] = [];
  if (outcome.kind === 'state' && outcome.value !== alarm.state.value) {
    const changed = changeState(next, { value: outcome.value, reason: outcome.reason, reasonData: outcome.reasonData }, now);
    next = { ...changed.record, version: alarm.version + 1 };
    history.push(changed.history);
  }
  try {
    await cp.store.transaction(async (tx) => {
      await tx.alarms.put(next, alarm.version);
      if (history.length > 0) await tx.alarms.addHistory(history);
    });
  } catch (err) {
    if (err instanceof ConflictError) return;
    throw err;
  }
  await runAlarmActions(c.autoScaling, next, cp.clock.now());
}

/** Runs passes every `intervalMs` until `signal` aborts; settles once the last pass ended. */
export function startAlarmController(c: AlarmController, signal: AbortSignal): Promise<void> {
  return every(c.intervalMs, signal, () => syncAlarms(c).catch((err: unknown) => c.alarms.cp.log.error('alarm pass failed', { error: coerceError(err).message })));
}
