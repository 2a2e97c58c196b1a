/** Metric alarm records to the MetricAlarm wire shape (pure; timestamps in epoch ms, as the handlers give them). */
import type { MetricAlarmRecord } from '../../store/store.js';

export function alarmToWire(a: MetricAlarmRecord): Record<string, unknown> {
  const c = a.config;
  return {
    AlarmName: a.name, AlarmArn: a.arn, ...(c.AlarmDescription !== undefined ? { AlarmDescription: c.AlarmDescription } : {}),
    AlarmConfigurationUpdatedTimestamp: a.configurationUpdatedAt, ActionsEnabled: c.ActionsEnabled,
    OKActions: c.OKActions, AlarmActions: c.AlarmActions, InsufficientDataActions: c.InsufficientDataActions,
    StateValue: a.state.value, StateReason: a.state.reason, ...(a.state.reasonData !== undefined ? { StateReasonData: a.state.reasonData } : {}),
    StateUpdatedTimestamp: a.state.updatedAt, MetricName: c.MetricName, Namespace: c.Namespace,
    ...(c.Statistic !== undefined ? { Statistic: c.Statistic } : {}), ...(c.ExtendedStatistic !== undefined ? { ExtendedStatistic: c.ExtendedStatistic } : {}),
    Dimensions: c.Dimensions, Period: c.Period, ...(c.Unit !== undefined ? { Unit: c.Unit } : {}), EvaluationPeriods: c.EvaluationPeriods,
    ...(c.DatapointsToAlarm !== undefined ? { DatapointsToAlarm: c.DatapointsToAlarm } : {}), Threshold: c.Threshold,
    ComparisonOperator: c.ComparisonOperator, ...(c.TreatMissingData !== undefined ? { TreatMissingData: c.TreatMissingData } : {}),
    ...(c.EvaluateLowSampleCountPercentile !== undefined ? { EvaluateLowSampleCountPercentile: c.EvaluateLowSampleCountPercentile } : {}),
    StateTransitionedTimestamp: a.state.transitionedAt,
  };
}
