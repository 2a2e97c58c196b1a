/**
 * GetMetricStatistics: a metric's statistics per period over [StartTime, EndTime), one datapoint
 * per period (and unit) that has data, in ascending time order (CloudWatch leaves the order
 * unspecified). Statistics and ExtendedStatistics (percentiles `pNN.NN`) are exclusive, at most
 * 1,440 datapoints may be asked for, and the period follows CloudWatch's rules (resolution.ts).
 */
import { isKnownStat, percentileOfStat, statisticOf } from './aggregate.js';
import type { MetricsContext } from './context.js';
import { InvalidParameterCombinationException, invalidValue, MissingRequiredParameterException } from './errors.js';
import { canonicalDimensions } from './metric-store.js';
import type { DimensionInput } from './put-metric-data.js';
import { alignStart, isValidPeriod } from './resolution.js';
import { readPeriods } from './series.js';

export interface GetMetricStatisticsInput {
  Namespace: string;
  MetricName: string;
  Dimensions?: DimensionInput[];
  StartTime: number;
  EndTime: number;
  Period: number;
  Statistics?: string[];
  ExtendedStatistics?: string[];
  Unit?: string;
}

export interface Datapoint {
  Timestamp: number;
  SampleCount?: number;
  Average?: number;
  Sum?: number;
  Minimum?: number;
  Maximum?: number;
  Unit?: string;
  ExtendedStatistics?: Record<string, number>;
}

export const MAX_DATAPOINTS = 1440;

/** Checks that a period is one CloudWatch accepts (shared with GetMetricData, which answers ValidationError). */
export function checkPeriod(period: number, at: string, invalid: (message: string) => Error): void {
  if (!isValidPeriod(period)) {
    throw invalid(`The parameter ${at} must be 1, 5, 10, 20, 30 or a multiple of 60.`);
  }
}

export async function getMetricStatistics(ctx: MetricsContext, input: GetMetricStatisticsInput): Promise<{ Label: string; Datapoints: Datapoint[] }> {
  const now = ctx.clock.now();
  const stats = input.Statistics ?? [];
  const extended = input.ExtendedStatistics ?? [];
  if (stats.length > 0 && extended.length > 0) {
    throw new InvalidParameterCombinationException('Must specify either Statistics or ExtendedStatistics, but not both.');
  }
  if (stats.length === 0 && extended.length === 0) {
    throw new MissingRequiredParameterException('Must specify either Statistics or ExtendedStatistics.');
  }
  extended.forEach((s, i) => {
    if (!isKnownStat(s) || percentileOfStat(s) === undefined) {
      throw invalidValue(`The value ${s} for parameter ExtendedStatistics.member.${i + 1} is not supported. Use a percentile between p0.0 and p100.`);
    }
  });
  checkPeriod(input.Period, 'Period', invalidValue);
  if (input.StartTime >= input.EndTime) throw invalidValue('The parameter StartTime must be less than the parameter EndTime.');
  const from = alignStart(input.StartTime, now, input.Period);
  const requested = Math.ceil((input.EndTime - from) / (input.Period * 1000));
  if (requested > MAX_DATAPOINTS) {
    throw new InvalidParameterCombinationException(
      `You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`);
  }
  const periods = await readPeriods(ctx.store, {
    metric: {
      namespace: input.Namespace, metricName: input.MetricName,
      dimensions: canonicalDimensions((input.Dimensions ?? []).map((d) => ({ name: d.Name, value: d.Value }))),
    },
    startMs: input.StartTime, endMs: input.EndTime, periodSeconds: input.Period, ...(input.Unit !== undefined ? { unit: input.Unit } : {}),
  }, now, true);
  const datapoints = periods.map((p): Datapoint => {
    const dp: Datapoint = { Timestamp: p.startMs };
    for (const s of stats) (dp as unknown as Record<string, number | undefined>)[s] = statisticOf(p.aggregate, s);
    if (extended.length > 0) {
      const values: Record<string, number> = {};
      for (const s of extended) {
        const v = statisticOf(p.aggregate, s);
        if (v !== undefined) values[s] = v;
      }
      dp.ExtendedStatistics = values;
    }
    if (p.unit !== undefined) dp.Unit = p.unit;
    return dp;
  });
  return { Label: input.MetricName, Datapoints: datapoints };
}
