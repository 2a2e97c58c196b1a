/**
 * An alarm's view of its metric: the rule its configuration makes, when its next evaluation is
 * due, and the statistic's value per period over the evaluation range, read from the metric store
 * (periods without data are undefined).
 */
import { statisticOf } from '../aggregate.js';
import type { MetricStore } from '../metric-store.js';
import { readPeriods } from '../series.js';
import type { AlarmConfig } from '../../store/store.js';
import { RANGE_EXTRA, type AlarmRule, type PeriodValue, type TreatMissingData } from './evaluate.js';

export function ruleOf(c: AlarmConfig): AlarmRule {
  return {
    threshold: c.Threshold, comparison: c.ComparisonOperator, evaluationPeriods: c.EvaluationPeriods,
    datapointsToAlarm: c.DatapointsToAlarm ?? c.EvaluationPeriods, treatMissingData: (c.TreatMissingData ?? 'missing') as TreatMissingData,
    periodSeconds: c.Period, statistic: c.Statistic ?? c.ExtendedStatistic ?? 'Average',
  };
}

/**
 * The end of the newest period to evaluate at `nowMs`: the last period boundary at least `settleMs`
 * ago, so data put for a period just ended is counted.
 */
export function newestPeriodEnd(periodSeconds: number, nowMs: number, settleMs: number): number {
  const p = periodSeconds * 1000;
  return Math.floor((nowMs - settleMs) / p) * p;
}

/** The range's periods, oldest first, ending at `endMs`: N + RANGE_EXTRA of them. */
export async function readRange(metrics: MetricStore, c: AlarmConfig, endMs: number, nowMs: number): Promise<PeriodValue[]> {
  const periodMs = c.Period * 1000;
  const count = c.EvaluationPeriods + RANGE_EXTRA;
  const startMs = endMs - count * periodMs;
  const periods = await readPeriods(metrics, {
    metric: { namespace: c.Namespace, metricName: c.MetricName, dimensions: c.Dimensions.map((d) => ({ name: d.Name, value: d.Value })) },
    startMs, endMs, periodSeconds: c.Period, ...(c.Unit !== undefined ? { unit: c.Unit } : {}),
  }, nowMs, false);
  const byStart = new Map(periods.map((p) => [p.startMs, p.aggregate]));
  const stat = c.Statistic ?? c.ExtendedStatistic ?? 'Average';
  return Array.from({ length: count }, (_, i) => {
    const s = startMs + i * periodMs;
    const a = byStart.get(s);
    const value = a && a.count > 0 ? statisticOf(a, stat) : undefined;
    return value === undefined ? { startMs: s, value: undefined } : { startMs: s, value, sampleCount: a!.count };
  });
}
