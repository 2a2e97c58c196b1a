/**
 * Reading a metric as periods (pure apart from the store read): the stored buckets of the chosen
 * tier inside [start, end) are merged into periods that begin at the aligned start time, either per
 * unit (GetMetricStatistics answers one datapoint per unit) or across units (GetMetricData's one
 * series).
 */
import { mergeAggregates, type Aggregate } from './aggregate.js';
import type { MetricIdentity, MetricStore, StoredBucket } from './metric-store.js';
import { alignStart, tierForQuery } from './resolution.js';

export interface Period {
  readonly startMs: number;
  /** The unit of the data (GetMetricStatistics), or undefined when periods span units. */
  readonly unit: string | undefined;
  readonly aggregate: Aggregate;
}

export interface SeriesQuery {
  readonly metric: MetricIdentity;
  readonly startMs: number;
  readonly endMs: number;
  readonly periodSeconds: number;
  readonly unit?: string;
}

/** Merges stored buckets into periods of `periodMs` from `fromMs`, ascending. */
export function periodsOf(buckets: readonly StoredBucket[], fromMs: number, periodMs: number, byUnit: boolean): Period[] {
  const out = new Map<string, { startMs: number; unit: string | undefined; aggregate: Aggregate }>();
  for (const b of buckets) {
    const startMs = fromMs + Math.floor((b.startMs - fromMs) / periodMs) * periodMs;
    const unit = byUnit ? b.unit : undefined;
    const key = `${startMs}\u0000${unit ?? ''}`;
    const seen = out.get(key);
    out.set(key, seen ? { ...seen, aggregate: mergeAggregates(seen.aggregate, b.aggregate) } : { startMs, unit, aggregate: b.aggregate });
  }
  return [...out.values()].sort((a, b) => a.startMs - b.startMs || (a.unit ?? '').localeCompare(b.unit ?? ''));
}

/** The periods of a metric over a query's range, read from the tier that can answer it. */
export async function readPeriods(store: MetricStore, q: SeriesQuery, nowMs: number, byUnit: boolean): Promise<Period[]> {
  const from = alignStart(q.startMs, nowMs, q.periodSeconds);
  const tier = tierForQuery(q.periodSeconds, from, nowMs);
  if (!tier || q.endMs <= from) return [];
  const buckets = await store.read(q.metric, tier.seconds, from, q.endMs, q.unit);
  return periodsOf(buckets, from, q.periodSeconds * 1000, byUnit);
}
