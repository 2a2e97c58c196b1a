/**
 * What a metric keeps per time bucket: sample count, sum, minimum, maximum and, where percentiles
 * can be had, the distribution of values (pure). Aggregates merge exactly (count and sum add,
 * minimum and maximum take the extreme), so a bucket of any period is the merge of the stored
 * buckets inside it.
 *
 * Percentiles follow CloudWatch's rules: they need the raw values, so a statistic set contributes
 * a distribution only when it describes one value (SampleCount 1, or Minimum equal to Maximum),
 * and none are answered for a bucket holding a negative value.
 */
import { distributionOf, mergeDistributions, percentileOf, type Distribution } from './distribution.js';

export interface Aggregate {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  /** Undefined when some of the data came without its values (a statistic set of several values). */
  readonly dist: Distribution | undefined;
}

export const Statistic = {
  SampleCount: 'SampleCount', Average: 'Average', Sum: 'Sum', Minimum: 'Minimum', Maximum: 'Maximum',
} as const;
export type Statistic = (typeof Statistic)[keyof typeof Statistic];
export const STATISTICS: readonly string[] = Object.values(Statistic);

export function aggregateOfValue(v: number): Aggregate {
  return { count: 1, sum: v, min: v, max: v, dist: [[v, 1]] };
}

/** Values with their counts (PutMetricData's Values and Counts; counts default to 1). */
export function aggregateOfValues(values: readonly number[], counts?: readonly number[]): Aggregate | undefined {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  values.forEach((v, k) => {
    const c = counts?.[k] ?? 1;
    if (c <= 0) return;
    count += c;
    sum += v * c;
    if (v < min) min = v;
    if (v > max) max = v;
  });
  return count > 0 ? { count, sum, min, max, dist: distributionOf(values, counts) } : undefined;
}

export function aggregateOfStatisticSet(s: { SampleCount: number; Sum: number; Minimum: number; Maximum: number }): Aggregate {
  const single = s.SampleCount === 1 || s.Minimum === s.Maximum;
  return {
    count: s.SampleCount, sum: s.Sum, min: s.Minimum, max: s.Maximum,
    dist: single ? [[s.Minimum, s.SampleCount]] : undefined,
  };
}

export function mergeAggregates(a: Aggregate, b: Aggregate): Aggregate {
  return {
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    dist: a.dist && b.dist ? mergeDistributions(a.dist, b.dist) : undefined,
  };
}

/** `p99`, `p99.9`, `p0.0`, `p100`: a percentile between 0 and 100 (CloudWatch's pNN.NN form). */
const PERCENTILE = /^p(\d{1,3}(?:\.\d{1,10})?)$/;

export function percentileOfStat(stat: string): number | undefined {
  const m = PERCENTILE.exec(stat);
  if (!m) return undefined;
  const p = Number(m[1]);
  return p >= 0 && p <= 100 ? p : undefined;
}

/** Whether `stat` names a statistic Pier computes: the five basic ones and percentiles. */
export function isKnownStat(stat: string): boolean {
  return STATISTICS.includes(stat) || percentileOfStat(stat) !== undefined;
}

/** A statistic of an aggregate; undefined when it cannot be had (a percentile without the values). */
export function statisticOf(a: Aggregate, stat: string): number | undefined {
  switch (stat) {
    case Statistic.SampleCount: return a.count;
    case Statistic.Sum: return a.sum;
    case Statistic.Average: return a.sum / a.count;
    case Statistic.Minimum: return a.min;
    case Statistic.Maximum: return a.max;
    default: {
      const p = percentileOfStat(stat);
      if (p === undefined || !a.dist || a.min < 0) return undefined;
      return percentileOf(a.dist, p);
    }
  }
}
