/**
 * DescribeAlarms and DescribeAlarmsForMetric. DescribeAlarms filters by names or a name prefix
 * (not both), state and action prefix, in name order, MaxRecords (default 50, at most 100) a page
 * with an opaque NextToken. Pier has no composite alarms: asking for CompositeAlarm only, or for
 * an alarm's parents or children, answers empty lists. DescribeAlarmsForMetric answers the alarms
 * on exactly that metric (namespace, name and dimension set), narrowed by statistic, period and unit.
 */
import { decodeToken, encodeToken } from '../../control-plane/pagination.js';
import { InvalidNextToken, ValidationError } from '../errors.js';
import { canonicalDimensions, dimensionsKey } from '../metric-store.js';
import type { MetricAlarmRecord } from '../../store/store.js';
import type { AlarmsContext } from './context.js';
import { alarmToWire } from './wire.js';

const OPERATION = 'DescribeAlarms';
const DEFAULT_PAGE = 50;

export interface DescribeAlarmsInput {
  AlarmNames?: string[]; AlarmNamePrefix?: string; AlarmTypes?: string[]; ChildrenOfAlarmName?: string; ParentsOfAlarmName?: string;
  StateValue?: string; ActionPrefix?: string; MaxRecords?: number; NextToken?: string;
}

export async function describeAlarms(ctx: AlarmsContext, input: DescribeAlarmsInput): Promise<Record<string, unknown>> {
  if (input.AlarmNames !== undefined && input.AlarmNamePrefix !== undefined) {
    throw new ValidationError('AlarmNames and AlarmNamePrefix cannot be specified together.');
  }
  let afterName: string | undefined;
  try {
    afterName = decodeToken(OPERATION, input.NextToken);
  } catch {
    throw new InvalidNextToken('The service cannot process the NextToken you sent: pass back the NextToken of the previous answer unchanged.');
  }
  const composites = input.AlarmTypes?.includes('CompositeAlarm') ? { CompositeAlarms: [] } : {};
  const metricAlarmsAsked = input.AlarmTypes === undefined || input.AlarmTypes.includes('MetricAlarm');
  if (!metricAlarmsAsked || input.ChildrenOfAlarmName !== undefined || input.ParentsOfAlarmName !== undefined) {
    return { ...composites, MetricAlarms: [] };
  }
  const page = await ctx.cp.store.read.alarms.list({
    ...(input.AlarmNames !== undefined ? { names: input.AlarmNames } : {}),
    ...(input.AlarmNamePrefix !== undefined ? { namePrefix: input.AlarmNamePrefix } : {}),
    ...(input.StateValue !== undefined ? { stateValue: input.StateValue } : {}),
    ...(input.ActionPrefix !== undefined ? { actionPrefix: input.ActionPrefix } : {}),
    ...(afterName !== undefined ? { afterName } : {}),
    limit: input.MaxRecords ?? DEFAULT_PAGE,
  });
  const token = encodeToken(OPERATION, page.nextKey);
  return { ...composites, MetricAlarms: page.items.map(alarmToWire), ...(token !== undefined ? { NextToken: token } : {}) };
}

export interface DescribeAlarmsForMetricInput {
  MetricName: string; Namespace: string; Statistic?: string; ExtendedStatistic?: string;
  Dimensions?: { Name: string; Value: string }[]; Period?: number; Unit?: string;
}

export async function describeAlarmsForMetric(ctx: AlarmsContext, input: DescribeAlarmsForMetricInput): Promise<Record<string, unknown>> {
  const dims = dimensionsKey(canonicalDimensions((input.Dimensions ?? []).map((d) => ({ name: d.Name, value: d.Value }))));
  const matches = (a: MetricAlarmRecord): boolean => {
    const c = a.config;
    return dimensionsKey(c.Dimensions.map((d) => ({ name: d.Name, value: d.Value }))) === dims
      && (input.Statistic === undefined || c.Statistic === input.Statistic)
      && (input.ExtendedStatistic === undefined || c.ExtendedStatistic === input.ExtendedStatistic)
      && (input.Period === undefined || c.Period === input.Period)
      && (input.Unit === undefined || c.Unit === input.Unit);
  };
  const out: Record<string, unknown>[] = [];
  let afterName: string | undefined;
  do {
    const page = await ctx.cp.store.read.alarms.list({ namespace: input.Namespace, metricName: input.MetricName, limit: 100, ...(afterName ? { afterName } : {}) });
    out.push(...page.items.filter(matches).map(alarmToWire));
    afterName = page.nextKey;
  } while (afterName);
  return { MetricAlarms: out };
}
