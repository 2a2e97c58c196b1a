/**
 * PutMetricData: checks a batch the way CloudWatch does and stores all of it or none of it.
 *
 * Each datum carries exactly one of Value, StatisticValues, or Values (with optional Counts);
 * values must be finite and within ±2^360 (and not closer to zero than 2^-260); timestamps may be
 * up to two weeks old and two hours ahead (default: now); StorageResolution is 1 or 60 (default
 * 60); a metric names each dimension once. The namespace may not start with `AWS/`, which is
 * reserved for AWS's own metrics (Pier writes AWS/ECS itself). EntityMetricData's metrics are
 * stored like MetricData's; their entity is accepted and not kept (Pier has no entity explorer).
 */
import {
  aggregateOfStatisticSet, aggregateOfValue, aggregateOfValues, type Aggregate,
} from './aggregate.js';
import { DAY_MS, type MetricsContext } from './context.js';
import { InvalidParameterCombinationException, invalidValue, missing, mutuallyExclusive } from './errors.js';
import { canonicalDimensions, type Dimension, type PointInput } from './metric-store.js';

export interface DimensionInput { Name: string; Value: string }

export interface MetricDatumInput {
  MetricName: string;
  Dimensions?: DimensionInput[];
  /** Epoch ms (the protocol layer converts). */
  Timestamp?: number;
  Value?: number;
  StatisticValues?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
  Values?: number[];
  Counts?: number[];
  Unit?: string;
  StorageResolution?: number;
}

export interface PutMetricDataInput {
  Namespace: string;
  MetricData?: MetricDatumInput[];
  EntityMetricData?: { MetricData?: MetricDatumInput[] }[];
  StrictEntityValidation?: boolean;
}

export const MAX_DATA_PER_CALL = 1000;
export const MAX_VALUES_PER_DATUM = 150;
const LARGEST = 2 ** 360;
const SMALLEST = 2 ** -260;
const FUTURE_MS = 2 * 3_600_000;
const PAST_MS = 14 * DAY_MS;

export async function putMetricData(ctx: MetricsContext, input: PutMetricDataInput): Promise<undefined> {
  const now = ctx.clock.now();
  const points = parsePutMetricData(input, now);
  await ctx.store.put(points, now);
  return undefined;
}

/** The points of a valid request (throws CloudWatch's error for the first problem found). */
export function parsePutMetricData(input: PutMetricDataInput, nowMs: number): PointInput[] {
  if (input.Namespace.startsWith('AWS/')) throw invalidValue(`The value ${input.Namespace} for parameter Namespace is invalid.`);
  const data: { datum: MetricDatumInput; at: string }[] = [];
  (input.MetricData ?? []).forEach((datum, i) => data.push({ datum, at: `MetricData.member.${i + 1}` }));
  (input.EntityMetricData ?? []).forEach((e, i) =>
    (e.MetricData ?? []).forEach((datum, j) => data.push({ datum, at: `EntityMetricData.member.${i + 1}.MetricData.member.${j + 1}` })));
  if (input.MetricData === undefined && input.EntityMetricData === undefined) {
    throw missing('MetricData');
  }
  if (data.length > MAX_DATA_PER_CALL) {
    throw invalidValue(`The collection MetricData must not have a size greater than ${MAX_DATA_PER_CALL}.`);
  }
  return data.map(({ datum, at }) => parseDatum(input.Namespace, datum, at, nowMs));
}

function checkNumber(v: number, at: string): void {
  const a = Math.abs(v);
  if (!Number.isFinite(v) || a > LARGEST || (a !== 0 && a < SMALLEST)) throw invalidValue(`The value ${v} for parameter ${at} is invalid.`);
}

function parseDatum(namespace: string, d: MetricDatumInput, at: string, nowMs: number): PointInput {
  const dims = d.Dimensions ?? [];
  const names = new Set<string>();
  for (const dim of dims) {
    if (names.has(dim.Name)) throw invalidValue('No metric may specify the same dimension twice.');
    names.add(dim.Name);
  }
  const timestampMs = d.Timestamp ?? nowMs;
  if (timestampMs < nowMs - PAST_MS || timestampMs > nowMs + FUTURE_MS) {
    throw invalidValue(`The parameter ${at}.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.`);
  }
  const resolution = d.StorageResolution ?? 60;
  if (resolution !== 1 && resolution !== 60) throw invalidValue(`The value ${resolution} for parameter ${at}.StorageResolution is invalid. It must be 1 or 60.`);
  return {
    metric: { namespace, metricName: d.MetricName, dimensions: canonicalDimensions(dims.map((x): Dimension => ({ name: x.Name, value: x.Value }))) },
    timestampMs,
    unit: d.Unit ?? 'None',
    storageResolution: resolution,
    aggregate: aggregateOfDatum(d, at),
  };
}

function aggregateOfDatum(d: MetricDatumInput, at: string): Aggregate {
  if (d.Value !== undefined && d.StatisticValues !== undefined) throw mutuallyExclusive(`${at}.Value`, `${at}.StatisticValues`);
  if (d.Value !== undefined && d.Values !== undefined) throw mutuallyExclusive(`${at}.Value`, `${at}.Values`);
  if (d.StatisticValues !== undefined && d.Values !== undefined) throw mutuallyExclusive(`${at}.StatisticValues`, `${at}.Values`);
  if (d.Counts !== undefined && d.Values === undefined) {
    throw new InvalidParameterCombinationException(`The parameter ${at}.Counts may only be given with ${at}.Values.`);
  }
  if (d.Value !== undefined) {
    checkNumber(d.Value, `${at}.Value`);
    return aggregateOfValue(d.Value);
  }
  if (d.StatisticValues !== undefined) return aggregateOfSet(d.StatisticValues, `${at}.StatisticValues`);
  if (d.Values !== undefined) return aggregateOfList(d.Values, d.Counts, at);
  throw missing(`${at}.Value, ${at}.StatisticValues or ${at}.Values`);
}

function aggregateOfSet(s: NonNullable<MetricDatumInput['StatisticValues']>, at: string): Aggregate {
  for (const k of ['SampleCount', 'Sum', 'Minimum', 'Maximum'] as const) checkNumber(s[k], `${at}.${k}`);
  if (s.SampleCount <= 0) throw invalidValue(`The parameter ${at}.SampleCount must be greater than 0.`);
  if (s.Maximum < s.Minimum) throw invalidValue(`The parameter ${at}.Maximum must be greater than or equal to ${at}.Minimum.`);
  return aggregateOfStatisticSet(s);
}

function aggregateOfList(values: number[], counts: number[] | undefined, at: string): Aggregate {
  if (values.length > MAX_VALUES_PER_DATUM) throw invalidValue(`The collection ${at}.Values must not have a size greater than ${MAX_VALUES_PER_DATUM}.`);
  if (counts !== undefined && counts.length !== values.length) {
    throw invalidValue(`The parameters ${at}.Values and ${at}.Counts must be of the same size.`);
  }
  values.forEach((v, k) => checkNumber(v, `${at}.Values.member.${k + 1}`));
  counts?.forEach((c, k) => {
    if (!Number.isFinite(c) || c < 0) throw invalidValue(`The value ${c} for parameter ${at}.Counts.member.${k + 1} is invalid.`);
  });
  const a = aggregateOfValues(values, counts);
  if (!a) throw invalidValue(`The parameter ${at}.Values must hold at least one value with a count greater than 0.`);
  return a;
}
