/**
 * DeleteAlarms, SetAlarmState, EnableAlarmActions and DisableAlarmActions.
 *
 * DeleteAlarms deletes the named alarms that exist (their history stays) and answers
 * ResourceNotFound only when none of them does. SetAlarmState moves an alarm to a state for
 * testing; a new value is a transition whose actions the alarm controller runs (an Application
 * Auto Scaling action takes its metric values from StateReasonData's `recentDatapoints`, as AWS
 * asks), and the next evaluation moves the alarm back to what its data says. Enabling or disabling
 * actions ignores names that do not exist, as CloudWatch does.
 */
import type { Repos } from '../../store/store.js';
import { ValidationError } from '../errors.js';
import type { AlarmsContext } from './context.js';
import { InvalidFormatFault, ResourceNotFound } from './errors.js';
import { historyItem } from './history.js';
import { recentDatapointsOf } from './reason.js';
import { changeState } from './state-change.js';

export async function deleteAlarms(ctx: AlarmsContext, input: { AlarmNames: string[] }): Promise<undefined> {
  const { cp } = ctx;
  if (input.AlarmNames.length === 0) throw new ValidationError('AlarmNames must name at least one alarm.');
  await cp.store.transaction(async (tx) => {
    const now = cp.clock.now();
    const found = (await tx.alarms.list({ names: input.AlarmNames, limit: input.AlarmNames.length })).items;
    if (found.length === 0) throw new ResourceNotFound(`The alarm${input.AlarmNames.length === 1 ? '' : 's'} ${input.AlarmNames.join(', ')} ${input.AlarmNames.length === 1 ? 'does' : 'do'} not exist.`);
    await tx.alarms.remove(found.map((a) => a.name));
    await tx.alarms.addHistory(found.map((a) => historyItem.configuration(a, 'Delete', now)));
  });
  return undefined;
}

export interface SetAlarmStateInput { AlarmName: string; StateValue: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'; StateReason: string; StateReasonData?: string }

export async function setAlarmState(ctx: AlarmsContext, input: SetAlarmStateInput): Promise<undefined> {
  const { cp } = ctx;
  if (input.StateReasonData !== undefined) {
    try {
      JSON.parse(input.StateReasonData);
    } catch {
      throw new InvalidFormatFault('StateReasonData is not valid JSON.');
    }
  }
  await cp.store.transaction(async (tx) => {
    const alarm = await tx.alarms.get(input.AlarmName);
    if (!alarm) throw new ResourceNotFound(`Alarm ${input.AlarmName} not found`);
    const next = { value: input.StateValue, reason: input.StateReason, ...(input.StateReasonData !== undefined ? { reasonData: input.StateReasonData } : {}) };
    const { record, history } = changeState(alarm, next, cp.clock.now());
    const recent = recentDatapointsOf(input.StateReasonData);
    const evaluation = { ...record.evaluation };
    if (recent) evaluation.recentDatapoints = recent;
    else delete evaluation.recentDatapoints;
    await tx.alarms.put({ ...record, evaluation }, alarm.version);
    await tx.alarms.addHistory([history]);
  });
  return undefined;
}

async function setActionsEnabled(tx: Repos, names: readonly string[], enabled: boolean, now: number): Promise<void> {
  const found = (await tx.alarms.list({ names, limit: Math.max(1, names.length) })).items;
  for (const a of found) {
    if (a.config.ActionsEnabled === enabled) continue;
    const record = { ...a, config: { ...a.config, ActionsEnabled: enabled }, configurationUpdatedAt: now, version: a.version + 1 };
    await tx.alarms.put(record, a.version);
    await tx.alarms.addHistory([historyItem.configuration(record, 'Update', now)]);
  }
}

export async function enableAlarmActions(ctx: AlarmsContext, input: { AlarmNames: string[] }): Promise<undefined> {
  await ctx.cp.store.transaction((tx) => setActionsEnabled(tx, input.AlarmNames, true, ctx.cp.clock.now()));
  return undefined;
}

export async function disableAlarmActions(ctx: AlarmsContext, input: { AlarmNames: string[] }): Promise<undefined> {
  await ctx.cp.store.transaction((tx) => setActionsEnabled(tx, input.AlarmNames, false, ctx.cp.clock.now()));
  return undefined;
}
