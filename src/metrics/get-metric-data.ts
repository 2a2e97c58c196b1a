/**
 * GetMetricData: up to 500 queries, each a metric statistic (MetricStat) or a metric math
 * expression over the others (expression.ts), answered as time series over [StartTime, EndTime).
 *
 * Results come in query order, for queries with ReturnData not false; each series' points are
 * ordered by ScanBy (newest first by default). Paging follows the scan: a page holds the next
 * MaxDatapoints points (default 100,800) in scan order across all results, so the newest (or
 * oldest) data comes first; a result with points left for later pages is PartialData, the others
 * Complete, and NextToken leads on. A token names its request (a hash of it) and where it stopped;
 * one from another request is InvalidNextToken. Input problems are ValidationError, as CloudWatch
 * answers them for this operation.
 */
import { createHash } from 'node:crypto';
import { isKnownStat, statisticOf } from './aggregate.js';
import type { MetricsContext } from './context.js';
import { InvalidNextToken, ValidationError } from './errors.js';
import {
  evaluate, ExpressionError, parseExpression, referencedIds, usesMetrics, type MathValue, type ParsedExpression, type Series,
} from './expression.js';
import { checkPeriod } from './get-metric-statistics.js';
import { canonicalDimensions } from './metric-store.js';
import type { DimensionInput } from './put-metric-data.js';
import { readPeriods } from './series.js';

export interface MetricStatInput {
  Metric: { Namespace?: string; MetricName?: string; Dimensions?: DimensionInput[] };
  Period: number;
  Stat: string;
  Unit?: string;
}

export interface MetricDataQueryInput {
  Id: string;
  MetricStat?: MetricStatInput;
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
  Period?: number;
  AccountId?: string;
}

export interface GetMetricDataInput {
  MetricDataQueries: MetricDataQueryInput[];
  StartTime: number;
  EndTime: number;
  NextToken?: string;
  ScanBy?: 'TimestampDescending' | 'TimestampAscending';
  MaxDatapoints?: number;
  LabelOptions?: { Timezone?: string };
}

export interface MetricDataResult {
  Id: string;
  Label: string;
  Timestamps: number[];
  Values: number[];
  StatusCode: 'Complete' | 'PartialData';
  Messages: never[];
}

export const MAX_QUERIES = 500;
export const DEFAULT_MAX_DATAPOINTS = 100_800;
const ID = /^[a-z][a-zA-Z0-9_]*$/;

const invalid = (message: string): ValidationError => new ValidationError(message);

interface Checked {
  readonly q: MetricDataQueryInput;
  readonly at: string;
  readonly expression?: ParsedExpression;
}

function checkQueries(input: GetMetricDataInput): Checked[] {
  const qs = input.MetricDataQueries;
  if (qs.length === 0) throw invalid('The parameter MetricDataQueries must hold at least one query.');
  if (qs.length > MAX_QUERIES) throw invalid(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
  const ids = new Set<string>();
  return qs.map((q, i): Checked => {
    const at = `MetricDataQueries.member.${i + 1}`;
    if (!ID.test(q.Id)) throw invalid(`The value ${q.Id} for parameter ${at}.Id is invalid. It must start with a lowercase letter and hold only letters, digits and underscores.`);
    if (ids.has(q.Id)) throw invalid('The values for parameter id in MetricDataQueries are not unique.');
    ids.add(q.Id);
    if (q.MetricStat && q.Expression !== undefined) throw invalid(`The parameters ${at}.Expression and ${at}.MetricStat are mutually exclusive and you have specified both.`);
    if (!q.MetricStat && q.Expression === undefined) throw invalid(`The parameter ${at}.MetricStat is required.\n`);
    if (q.MetricStat) {
      if (q.Period !== undefined) throw invalid(`The parameters ${at}.Period and ${at}.MetricStat are mutually exclusive and you have specified both.`);
      const m = q.MetricStat.Metric;
      if (m.Namespace === undefined) throw invalid(`The parameter ${at}.MetricStat.Metric.Namespace is required.`);
      if (m.MetricName === undefined) throw invalid(`The parameter ${at}.MetricStat.Metric.MetricName is required.`);
      checkPeriod(q.MetricStat.Period, `${at}.MetricStat.Period`, invalid);
      if (!isKnownStat(q.MetricStat.Stat)) throw invalid(`The value ${q.MetricStat.Stat} for parameter ${at}.MetricStat.Stat is invalid.`);
      const points = Math.ceil((input.EndTime - input.StartTime) / (q.MetricStat.Period * 1000));
      if (points > DEFAULT_MAX_DATAPOINTS) {
        throw invalid(`${at} asks for up to ${points} data points, more than the ${DEFAULT_MAX_DATAPOINTS} a metric may return. Increase its period or shorten the time range.`);
      }
      return { q, at };
    }
    try {
      return { q, at, expression: parseExpression(q.Expression!) };
    } catch (err) {
      if (err instanceof ExpressionError) throw invalid(`Error in expression ${q.Id}: ${err.message}`);
      throw err;
    }
  });
}

/** Evaluates every query (expressions after what they use); returns each query's value. */
async function evaluateAll(ctx: MetricsContext, input: GetMetricDataInput, checked: Checked[], now: number): Promise<Map<string, MathValue>> {
  const values = new Map<string, MathValue>();
  const byId = new Map(checked.map((c) => [c.q.Id, c]));
  const stats: { id: string; series: Series }[] = [];
  for (const { q } of checked) {
    if (!q.MetricStat) continue;
    const s = q.MetricStat;
    const periods = await readPeriods(ctx.store, {
      metric: {
        namespace: s.Metric.Namespace!, metricName: s.Metric.MetricName!,
        dimensions: canonicalDimensions((s.Metric.Dimensions ?? []).map((d) => ({ name: d.Name, value: d.Value }))),
      },
      startMs: input.StartTime, endMs: input.EndTime, periodSeconds: s.Period, ...(s.Unit !== undefined ? { unit: s.Unit } : {}),
    }, now, false);
    const timestamps: number[] = [];
    const vals: number[] = [];
    for (const p of periods) {
      const v = statisticOf(p.aggregate, s.Stat);
      if (v !== undefined) (timestamps.push(p.startMs), vals.push(v));
    }
    const series: Series = { label: q.Label ?? s.Metric.MetricName!, timestamps, values: vals };
    values.set(q.Id, series);
    stats.push({ id: q.Id, series });
  }
  const visiting = new Set<string>();
  const resolve = (id: string): MathValue | undefined => {
    const have = values.get(id);
    if (have !== undefined) return have;
    const c = byId.get(id);
    if (!c?.expression) return undefined;
    if (visiting.has(id)) throw invalid(`Error in expression ${id}: circular dependency between expressions.`);
    visiting.add(id);
    try {
      const v = evaluate(c.expression, { value: resolve, metrics: () => stats }, c.q.Label ?? id);
      values.set(id, v);
      return v;
    } catch (err) {
      if (err instanceof ExpressionError) throw invalid(`Error in expression ${id}: ${err.message}`);
      throw err;
    } finally {
      visiting.delete(id);
    }
  };
  for (const c of checked) {
    if (!c.expression) continue;
    for (const ref of referencedIds(c.expression)) {
      if (!byId.has(ref)) throw invalid(`Error in expression ${c.q.Id}: Unrecognized metric or expression id: ${ref}`);
    }
    if (usesMetrics(c.expression) && stats.length === 0) throw invalid(`Error in expression ${c.q.Id}: METRICS() needs at least one MetricStat query.`);
    resolve(c.q.Id);
  }
  return values;
}

/** The series each returned query contributes (an expression over an array gives several). */
function returnedSeries(checked: Checked[], values: Map<string, MathValue>): { id: string; series: Series }[] {
  const out: { id: string; series: Series }[] = [];
  for (const { q } of checked) {
    if (q.ReturnData === false) continue;
    const v = values.get(q.Id)!;
    if (typeof v === 'number') throw invalid(`Error in expression ${q.Id}: the expression must return a time series, not a single number.`);
    if (Array.isArray(v)) for (const s of v) out.push({ id: q.Id, series: s });
    else out.push({ id: q.Id, series: v });
  }
  return out;
}

function requestHash(input: GetMetricDataInput): string {
  const { NextToken: _t, MaxDatapoints: _m, ...rest } = input;
  return createHash('sha256').update(JSON.stringify(rest)).digest('base64url').slice(0, 16);
}

function readToken(token: string | undefined, hash: string): number {
  if (token === undefined) return 0;
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { h?: unknown; o?: unknown };
    if (t.h === hash && typeof t.o === 'number' && Number.isSafeInteger(t.o) && t.o >= 0) return t.o;
  } catch {
    // fall through
  }
  throw new InvalidNextToken('The value of NextToken is not valid for this request.');
}

export async function getMetricData(ctx: MetricsContext, input: GetMetricDataInput): Promise<Record<string, unknown>> {
  const now = ctx.clock.now();
  if (input.StartTime >= input.EndTime) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  const max = input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS;
  if (!Number.isInteger(max) || max < 1) throw invalid('The parameter MaxDatapoints must be greater than 0.');
  const hash = requestHash(input);
  const offset = readToken(input.NextToken, hash);
  const checked = checkQueries(input);
  const series = returnedSeries(checked, await evaluateAll(ctx, input, checked, now));
  const descending = (input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
  // Every point of every returned series, in scan order (time, then result order).
  const order: { r: number; k: number; t: number }[] = [];
  series.forEach(({ series: s }, r) => s.timestamps.forEach((t, k) => order.push({ r, k, t })));
  order.sort((a, b) => (descending ? b.t - a.t : a.t - b.t) || a.r - b.r);
  const page = order.slice(offset, offset + max);
  const left = new Set(order.slice(offset + max).map((p) => p.r));
  const results: MetricDataResult[] = series.map(({ id, series: s }, r) => {
    const mine = page.filter((p) => p.r === r);
    return {
      Id: id, Label: s.label, Timestamps: mine.map((p) => p.t), Values: mine.map((p) => s.values[p.k]!),
      StatusCode: left.has(r) ? 'PartialData' : 'Complete', Messages: [],
    };
  });
  const next = offset + max < order.length ? Buffer.from(JSON.stringify({ h: hash, o: offset + max })).toString('base64url') : undefined;
  return { MetricDataResults: results, Messages: [], ...(next ? { NextToken: next } : {}) };
}
