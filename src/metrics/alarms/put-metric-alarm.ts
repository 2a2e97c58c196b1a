/**
 * PutMetricAlarm: creates or replaces an alarm on one metric. A new alarm starts in
 * INSUFFICIENT_DATA ("Unchecked: Initial alarm creation") and the alarm controller evaluates it at
 * once; replacing an alarm keeps its state and tags and overwrites the rest of its configuration,
 * as CloudWatch does. Every problem is a ValidationError that changes nothing.
 *
 * Pier's alarms watch a single metric with a static threshold. Metric math (Metrics), anomaly
 * detection (ThresholdMetricId and the LessThanLowerOrGreaterThanUpperThreshold family) and PromQL
 * (EvaluationCriteria) alarms are refused by name; ExtendedStatistic takes percentiles (p90, p99.9).
 */
import { percentileOfStat } from '../aggregate.js';
import { ValidationError } from '../errors.js';
import { canonicalDimensions } from '../metric-store.js';
import type { AlarmConfig, MetricAlarmRecord } from '../../store/store.js';
import { parseActionArn } from './action-arns.js';
import type { AlarmsContext } from './context.js';
import { historyItem } from './history.js';
import { INITIAL_REASON } from './reason.js';

export const SIMPLE_COMPARISONS = ['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'] as const;
export const TREAT_MISSING_DATA = ['breaching', 'notBreaching', 'ignore', 'missing'] as const;
const MAX_TAGS = 50;

export interface PutMetricAlarmInput {
  AlarmName: string; AlarmDescription?: string; ActionsEnabled?: boolean;
  OKActions?: string[]; AlarmActions?: string[]; InsufficientDataActions?: string[];
  MetricName?: string; Namespace?: string; Statistic?: string; ExtendedStatistic?: string;
  Dimensions?: { Name: string; Value: string }[]; Period?: number; Unit?: string; EvaluationPeriods?: number; DatapointsToAlarm?: number;
  Threshold?: number; ComparisonOperator?: string; TreatMissingData?: string; EvaluateLowSampleCountPercentile?: string;
  Metrics?: unknown[]; Tags?: { Key: string; Value: string }[]; ThresholdMetricId?: string; EvaluationCriteria?: unknown; EvaluationInterval?: number;
}

const invalid = (message: string): ValidationError => new ValidationError(message);

function refuseUnsupportedKinds(i: PutMetricAlarmInput): void {
  if (i.Metrics !== undefined) {
    for (const k of ['MetricName', 'Namespace', 'Statistic', 'ExtendedStatistic', 'Dimensions', 'Period', 'Unit'] as const) {
      if (i[k] !== undefined) throw invalid(`${k} should not be set if list of Metrics is set.`);
    }
    throw invalid('Pier does not support metric math alarms (Metrics) yet: give Namespace, MetricName, Statistic or ExtendedStatistic and Period.');
  }
  if (i.ThresholdMetricId !== undefined) throw invalid('Pier does not support anomaly detection alarms (ThresholdMetricId): give a Threshold.');
  if (i.EvaluationCriteria !== undefined || i.EvaluationInterval !== undefined) {
    throw invalid('Pier does not support PromQL alarms (EvaluationCriteria, EvaluationInterval): give a metric and a Threshold.');
  }
  if (i.ComparisonOperator !== undefined && !(SIMPLE_COMPARISONS as readonly string[]).includes(i.ComparisonOperator)) {
    throw invalid(`ComparisonOperator ${i.ComparisonOperator} is for anomaly detection alarms, which Pier does not support; use one of ${SIMPLE_COMPARISONS.join(', ')}.`);
  }
}

function required<T>(v: T | undefined, name: string): T {
  if (v === undefined) throw invalid(`${name} must not be null`);
  return v;
}

/** Checks a PutMetricAlarm request and returns the alarm's configuration. */
export function parsePutMetricAlarm(i: PutMetricAlarmInput, scope: AlarmsContext['cp']['scope']): AlarmConfig {
  refuseUnsupportedKinds(i);
  const metricName = required(i.MetricName, 'MetricName');
  const namespace = required(i.Namespace, 'Namespace');
  if ((i.Statistic === undefined) === (i.ExtendedStatistic === undefined)) {
    throw invalid('Exactly one of Statistic and ExtendedStatistic must be set.');
  }
  if (i.ExtendedStatistic !== undefined && percentileOfStat(i.ExtendedStatistic) === undefined) {
    throw invalid(`The value ${i.ExtendedStatistic} for parameter ExtendedStatistic is not supported: Pier's alarms take percentiles, p0.0 to p100.`);
  }
  if (i.EvaluateLowSampleCountPercentile !== undefined) {
    if (i.ExtendedStatistic === undefined) throw invalid('EvaluateLowSampleCountPercentile is only valid for alarms on a percentile (ExtendedStatistic).');
    if (!['evaluate', 'ignore'].includes(i.EvaluateLowSampleCountPercentile)) throw invalid('EvaluateLowSampleCountPercentile must be evaluate or ignore.');
  }
  const period = required(i.Period, 'Period');
  if (!(period === 10 || period === 20 || period === 30 || period % 60 === 0)) {
    throw invalid(`Period ${period} is not valid: use 10, 20, 30 or a multiple of 60 seconds.`);
  }
  const evaluationPeriods = required(i.EvaluationPeriods, 'EvaluationPeriods');
  const limit = period < 3600 ? 86_400 : 604_800;
  if (period * evaluationPeriods > limit) {
    throw invalid(`Period * EvaluationPeriods must not exceed ${limit === 86_400 ? 'one day (86400 seconds) for periods under an hour' : 'seven days (604800 seconds)'}.`);
  }
  if (i.DatapointsToAlarm !== undefined && i.DatapointsToAlarm > evaluationPeriods) {
    throw invalid('DatapointsToAlarm must be less than or equal to EvaluationPeriods.');
  }
  const threshold = required(i.Threshold, 'Threshold');
  if (!Number.isFinite(threshold)) throw invalid('Threshold must be a finite number.');
  const comparison = required(i.ComparisonOperator, 'ComparisonOperator');
  if (i.TreatMissingData !== undefined && !(TREAT_MISSING_DATA as readonly string[]).includes(i.TreatMissingData)) {
    throw invalid(`TreatMissingData must be one of ${TREAT_MISSING_DATA.join(', ')}.`);
  }
  const actions = (list: string[] | undefined): string[] => {
    for (const arn of list ?? []) parseActionArn(arn, scope);
    return [...new Set(list ?? [])];
  };
  return {
    ...(i.AlarmDescription !== undefined ? { AlarmDescription: i.AlarmDescription } : {}),
    ActionsEnabled: i.ActionsEnabled ?? true,
    OKActions: actions(i.OKActions), AlarmActions: actions(i.AlarmActions), InsufficientDataActions: actions(i.InsufficientDataActions),
    Namespace: namespace, MetricName: metricName,
    Dimensions: canonicalDimensions((i.Dimensions ?? []).map((d) => ({ name: d.Name, value: d.Value }))).map((d) => ({ Name: d.name, Value: d.value })),
    ...(i.Statistic !== undefined ? { Statistic: i.Statistic } : {}),
    ...(i.ExtendedStatistic !== undefined ? { ExtendedStatistic: i.ExtendedStatistic } : {}),
    Period: period, ...(i.Unit !== undefined ? { Unit: i.Unit } : {}), EvaluationPeriods: evaluationPeriods,
    ...(i.DatapointsToAlarm !== undefined ? { DatapointsToAlarm: i.DatapointsToAlarm } : {}),
    Threshold: threshold, ComparisonOperator: comparison,
    ...(i.TreatMissingData !== undefined ? { TreatMissingData: i.TreatMissingData } : {}),
    ...(i.EvaluateLowSampleCountPercentile !== undefined ? { EvaluateLowSampleCountPercentile: i.EvaluateLowSampleCountPercentile } : {}),
  };
}

export async function putMetricAlarm(ctx: AlarmsContext, input: PutMetricAlarmInput): Promise<undefined> {
  const { cp } = ctx;
  const config = parsePutMetricAlarm(input, cp.scope);
  const tags = input.Tags ?? [];
  if (tags.length > MAX_TAGS) throw invalid(`An alarm can have at most ${MAX_TAGS} tags.`);
  if (new Set(tags.map((t) => t.Key)).size !== tags.length) throw invalid('Tag keys must be unique.');
  await cp.store.transaction(async (tx) => {
    const now = cp.clock.now();
    const existing = await tx.alarms.get(input.AlarmName);
    if (existing) {
      // Tags given on an update are ignored, as CloudWatch ignores them; the state stays, and the new rule is evaluated at once.
      const { lastPeriodEnd: _evaluatedUpTo, ...evaluation } = existing.evaluation;
      const record: MetricAlarmRecord = { ...existing, config, configurationUpdatedAt: now, evaluation, version: existing.version + 1 };
      await tx.alarms.put(record, existing.version);
      await tx.alarms.addHistory([historyItem.configuration(record, 'Update', now)]);
      return;
    }
    const record: MetricAlarmRecord = {
      name: input.AlarmName, arn: `arn:${cp.scope.partition}:cloudwatch:${cp.scope.region}:${cp.scope.accountId}:alarm:${input.AlarmName}`,
      config, tags, createdAt: now, configurationUpdatedAt: now,
      state: { value: 'INSUFFICIENT_DATA', reason: INITIAL_REASON, updatedAt: now, transitionedAt: now },
      // Creation is not a transition: no INSUFFICIENT_DATA actions run for it.
      evaluation: { actedOnTransitionAt: now }, version: 1,
    };
    await tx.alarms.put(record);
    await tx.alarms.addHistory([historyItem.configuration(record, 'Create', now)]);
  });
  return undefined;
}
