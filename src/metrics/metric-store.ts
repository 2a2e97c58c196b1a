/**
 * Where metric data lives: kept apart from the control plane's database, because it is written
 * constantly (every task's CPU and memory, every PutMetricData), read by time range, rolled up and
 * deleted by age. `SqliteMetricStore` (sqlite/) is the embedded implementation; a PostgreSQL one
 * can implement the same interface (a points table partitioned by tier and time), and
 * test/contract/metric-store.test.ts is the behaviour both must pass.
 *
 * What implementers must guarantee:
 * - A metric is its namespace, name and set of dimensions (order does not matter; callers pass
 *   them sorted by name with `canonicalDimensions`). Each distinct one is listed by `list`.
 * - `put` is atomic: every point of the call is visible at once or none is. A point is merged into
 *   the bucket of its tier that holds its timestamp (bucket start = timestamp rounded down to the
 *   tier's seconds) for its unit, in its own tier (1 s for high resolution, 60 s otherwise) and in
 *   every coarser tier (resolution.ts `tiersFor`); merging is `mergeAggregates`.
 * - `read` returns a metric's buckets of one tier whose start is in [fromMs, toMs), ascending by
 *   start then unit, only of `unit` when one is given.
 * - `list` pages through metrics in byte order of (namespace, name, `dimensionsKey`) (PostgreSQL:
 *   COLLATE "C"); `activeSinceMs` keeps those that received a point at or after it (receipt time).
 * - `sweep` deletes buckets past their tier's retention (as of `nowMs`) and metrics that have
 *   nothing left, at most `batch` rows per call; it returns how many rows it deleted.
 * - All methods may be called concurrently; each is atomic on its own.
 */
import type { Aggregate } from './aggregate.js';

export interface Dimension {
  readonly name: string;
  readonly value: string;
}

export interface MetricIdentity {
  readonly namespace: string;
  readonly metricName: string;
  /** Sorted by name (`canonicalDimensions`). */
  readonly dimensions: readonly Dimension[];
}

export interface PointInput {
  readonly metric: MetricIdentity;
  readonly timestampMs: number;
  readonly unit: string;
  readonly storageResolution: 1 | 60;
  readonly aggregate: Aggregate;
}

export interface StoredBucket {
  readonly startMs: number;
  readonly unit: string;
  readonly aggregate: Aggregate;
}

export interface DimensionFilter {
  readonly name: string;
  readonly value?: string;
}

export interface MetricListQuery {
  readonly namespace?: string;
  readonly metricName?: string;
  readonly dimensions?: readonly DimensionFilter[];
  readonly activeSinceMs: number;
  /** Continue after this key (a page's `nextKey`). */
  readonly afterKey?: string;
  readonly limit: number;
}

export interface MetricPage {
  readonly metrics: readonly MetricIdentity[];
  /** Present when more may follow. */
  readonly nextKey?: string;
}

export interface MetricStore {
  put(points: readonly PointInput[], receivedAtMs: number): Promise<void>;
  read(metric: MetricIdentity, tierSeconds: number, fromMs: number, toMs: number, unit?: string): Promise<StoredBucket[]>;
  list(query: MetricListQuery): Promise<MetricPage>;
  sweep(nowMs: number, batch: number): Promise<number>;
  /** Deletes everything (pier up --allow-reset). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export function canonicalDimensions(dims: readonly Dimension[]): Dimension[] {
  return [...dims].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/** The text that identifies a metric's dimensions in a store (canonical order). */
export function dimensionsKey(dims: readonly Dimension[]): string {
  return JSON.stringify(dims.map((d) => [d.name, d.value]));
}
