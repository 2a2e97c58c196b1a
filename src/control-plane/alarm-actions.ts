/**
 * Running an alarm's actions. When an alarm has entered a state (an evaluation or SetAlarmState
 * moved it), the actions listed for that state run once, if its actions are enabled; as on AWS,
 * Auto Scaling actions then run again each minute the alarm stays in that state. Each run of an
 * action is recorded in the alarm's history (a repeated Auto Scaling action only when it scaled or
 * failed). An Application Auto Scaling policy runs through autoscaling/step-trigger.ts; the action
 * kinds Pier does not perform (SNS, Lambda, EC2, …) are recorded as failed.
 *
 * The alarm's bookkeeping is written (at its version) before the actions run, so two passes never
 * run the same actions twice: a pass that loses the race does nothing.
 */
import { triggerStepPolicy } from '../autoscaling/step-trigger.js';
import type { AutoScalingContext } from '../autoscaling/context.js';
import { parseActionArn, type ActionArn } from '../metrics/alarms/action-arns.js';
import { historyItem } from '../metrics/alarms/history.js';
import { ConflictError, type AlarmHistoryRecord, type MetricAlarmRecord } from '../store/store.js';

/** How often Auto Scaling actions repeat while the alarm stays in their state (AWS: every minute). */
export const SCALING_REPEAT_MS = 60_000;

const actionsOf = (a: MetricAlarmRecord): string[] =>
  a.state.value === 'ALARM' ? a.config.AlarmActions : a.state.value === 'OK' ? a.config.OKActions : a.config.InsufficientDataActions;

/** Runs what is due for `alarm` at `nowMs`; returns the alarm as stored afterwards (or as read, when nothing was due). */
export async function runAlarmActions(ctx: AutoScalingContext, alarm: MetricAlarmRecord, nowMs: number): Promise<MetricAlarmRecord> {
  const e = alarm.evaluation;
  const entered = e.actedOnTransitionAt !== alarm.state.transitionedAt;
  const enabled = alarm.config.ActionsEnabled;
  const parsed = actionsOf(alarm).map((arn) => safeParse(arn, ctx));
  const scaling = parsed.filter((a) => a.kind === 'scaling-policy');
  const repeat = !entered && enabled && scaling.length > 0 && nowMs - (e.lastScalingActionAt ?? 0) >= SCALING_REPEAT_MS;
  if (!entered && !repeat) return alarm;
  const toRun = !enabled ? [] : entered ? parsed : scaling;
  const claimed: MetricAlarmRecord = {
    ...alarm, version: alarm.version + 1,
    evaluation: { ...e, actedOnTransitionAt: alarm.state.transitionedAt, ...(toRun.some((a) => a.kind === 'scaling-policy') ? { lastScalingActionAt: nowMs } : {}) },
  };
  try {
    await ctx.cp.store.transaction((tx) => tx.alarms.put(claimed, alarm.version));
  } catch (err) {
    if (err instanceof ConflictError) return alarm;
    throw err;
  }
  const history: AlarmHistoryRecord[] = [];
  for (const action of toRun) {
    const outcome = await runOne(ctx, alarm, action);
    if (!entered && outcome.kind === 'unchanged') continue;
    history.push(historyItem.action(alarm.name, action.arn, ctx.cp.clock.now(), alarm.state.updatedAt, outcome.kind === 'failed' ? outcome.error : undefined));
  }
  if (history.length > 0) await ctx.cp.store.transaction((tx) => tx.alarms.addHistory(history));
  return claimed;
}

function safeParse(arn: string, ctx: AutoScalingContext): ActionArn {
  try {
    return parseActionArn(arn, ctx.cp.scope);
  } catch {
    return { kind: 'not-performed', arn, what: 'this kind of action' };
  }
}

type ActionOutcome = { kind: 'scaled' } | { kind: 'unchanged' } | { kind: 'failed'; error: string };

/** Runs one action: scaled, ran and changed nothing (a step policy that chose not to scale), or failed. */
async function runOne(ctx: AutoScalingContext, alarm: MetricAlarmRecord, action: ActionArn): Promise<ActionOutcome> {
  if (action.kind === 'not-performed') return { kind: 'failed', error: `Pier does not perform ${action.what}` };
  const result = await triggerStepPolicy(ctx, action, {
    alarmName: alarm.name, state: alarm.state.value, threshold: alarm.config.Threshold, values: alarm.evaluation.recentDatapoints ?? [],
  });
  if (!result.ok) return { kind: 'failed', error: result.error };
  return result.decision.kind === 'scale' ? { kind: 'scaled' } : { kind: 'unchanged' };
}
