/**
 * Alarm history (DescribeAlarmHistory) and the items alarms write to it, in CloudWatch's words
 * (pure builders):
 *
 *   ConfigurationUpdate  Alarm "cpu-high" created · Alarm "cpu-high" updated · Alarm "cpu-high" deleted
 *   StateUpdate          Alarm updated from INSUFFICIENT_DATA to ALARM
 *   Action               Successfully executed action arn:aws:autoscaling:… · Failed to execute action arn:aws:sns:…
 *
 * HistoryData is JSON: the alarm's configuration for configuration updates, the old and new state
 * (with its reason and reason data) for state updates, the action's outcome for actions.
 */
import type { AlarmHistoryRecord, AlarmState, MetricAlarmRecord } from '../../store/store.js';
import { decodeToken, encodeToken } from '../../control-plane/pagination.js';
import { InvalidNextToken, ValidationError } from '../errors.js';
import type { AlarmsContext } from './context.js';
import { alarmToWire } from './wire.js';

const OPERATION = 'DescribeAlarmHistory';

export const historyItem = {
  configuration(alarm: MetricAlarmRecord, kind: 'Create' | 'Update' | 'Delete', at: number): AlarmHistoryRecord {
    const verb = { Create: 'created', Update: 'updated', Delete: 'deleted' }[kind];
    const key = { Create: 'createdAlarm', Update: 'updatedAlarm', Delete: 'deletedAlarm' }[kind];
    return {
      alarmName: alarm.name, timestamp: at, type: 'ConfigurationUpdate', summary: `Alarm "${alarm.name}" ${verb}`,
      data: JSON.stringify({ version: '1.0', type: kind, [key]: alarmToWire(alarm) }),
    };
  },
  state(name: string, from: AlarmState, to: AlarmState): AlarmHistoryRecord {
    const side = (s: AlarmState) => ({ stateValue: s.value, stateReason: s.reason, ...(s.reasonData !== undefined ? { stateReasonData: parseOr(s.reasonData) } : {}) });
    return {
      alarmName: name, timestamp: to.updatedAt, type: 'StateUpdate', summary: `Alarm updated from ${from.value} to ${to.value}`,
      data: JSON.stringify({ version: '1.0', oldState: side(from), newState: side(to) }),
    };
  },
  action(name: string, arn: string, at: number, stateUpdatedAt: number, error?: string): AlarmHistoryRecord {
    return {
      alarmName: name, timestamp: at, type: 'Action',
      summary: error === undefined ? `Successfully executed action ${arn}` : `Failed to execute action ${arn}. Received error: "${error}"`,
      data: JSON.stringify({
        actionState: error === undefined ? 'Succeeded' : 'Failed', stateUpdateTimestamp: stateUpdatedAt, notificationResource: arn,
        ...(error !== undefined ? { error } : {}),
      }),
    };
  },
};

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export interface DescribeAlarmHistoryInput {
  AlarmName?: string; AlarmTypes?: string[]; HistoryItemType?: string; StartDate?: number; EndDate?: number;
  MaxRecords?: number; NextToken?: string; ScanBy?: string; AlarmContributorId?: string;
}

export async function describeAlarmHistory(ctx: AlarmsContext, input: DescribeAlarmHistoryInput): Promise<Record<string, unknown>> {
  let afterKey: string | undefined;
  try {
    afterKey = decodeToken(OPERATION, input.NextToken);
  } catch {
    throw new InvalidNextToken('The service cannot process the NextToken you sent: pass back the NextToken of the previous answer unchanged.');
  }
  if (input.StartDate !== undefined && input.EndDate !== undefined && input.StartDate > input.EndDate) {
    throw new ValidationError('StartDate must be before EndDate.');
  }
  if (input.AlarmTypes !== undefined && !input.AlarmTypes.includes('MetricAlarm')) return { AlarmHistoryItems: [] };
  if (input.HistoryItemType?.startsWith('AlarmContributor')) return { AlarmHistoryItems: [] };
  const page = await ctx.cp.store.read.alarms.history({
    ...(input.AlarmName !== undefined ? { alarmName: input.AlarmName } : {}),
    ...(input.HistoryItemType !== undefined ? { type: input.HistoryItemType } : {}),
    ...(input.StartDate !== undefined ? { fromMs: input.StartDate } : {}),
    ...(input.EndDate !== undefined ? { toMs: input.EndDate } : {}),
    ascending: input.ScanBy === 'TimestampAscending', limit: input.MaxRecords ?? 100,
    ...(afterKey !== undefined ? { afterKey } : {}),
  });
  const token = encodeToken(OPERATION, page.nextKey);
  return {
    AlarmHistoryItems: page.items.map((h) => ({
      AlarmName: h.alarmName, AlarmType: 'MetricAlarm', Timestamp: h.timestamp, HistoryItemType: h.type, HistorySummary: h.summary, HistoryData: h.data,
    })),
    ...(token !== undefined ? { NextToken: token } : {}),
  };
}
