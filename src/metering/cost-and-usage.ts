/**
 * Cost Explorer's GetCostAndUsage over Pier's metered tasks. What Pier can answer honestly:
 *
 * - Dimensions SERVICE (always "Amazon Elastic Container Service", where AWS bills Fargate),
 *   USAGE_TYPE (Fargate's usage types, src/metering/usage-types.ts), REGION and LINKED_ACCOUNT.
 * - Tags: the task's own tags, plus aws:ecs:clusterName and aws:ecs:serviceName, the managed tags
 *   AWS puts on tasks for cost allocation; a group key is `Key$value` (`Key$` when untagged).
 * - Cost metrics are all the same figure (Pier has no credits, reservations or blending);
 *   UsageQuantity is hours, summed across units ("N/A") unless grouped by usage type.
 *
 * Each task's charge in each bucket (each usage type's, when usage types are asked for) is rounded
 * once to micro-dollars; totals and groups are sums of those.
 */
import { formatUsd, costMicroUsd } from './cost.js';
import { InvalidNextTokenException, ValidationException } from './cost-explorer-errors.js';
import { checkExpression, matches, mentionsDimension, type Expression } from './cost-explorer-filter.js';
import { buckets, formatBound, parsePeriod, type Granularity, type Period } from './cost-explorer-periods.js';
import type { PriceTable } from './prices.js';
import { chargedInterval, ratesFor, usageIn, type MeteredTask } from './usage.js';
import { usageHours, usageParts } from './usage-types.js';

export interface GetCostAndUsageInput {
  TimePeriod: { Start: string; End: string };
  Granularity: Granularity;
  Metrics: string[];
  GroupBy?: { Type?: string; Key?: string }[];
  Filter?: Expression;
  NextPageToken?: string;
  BillingViewArn?: string;
}

export interface Account { readonly region: string; readonly accountId: string }

export const ECS_SERVICE = 'Amazon Elastic Container Service';
export const DIMENSIONS = ['SERVICE', 'USAGE_TYPE', 'REGION', 'LINKED_ACCOUNT'] as const;
const COST_METRICS = ['AmortizedCost', 'BlendedCost', 'NetAmortizedCost', 'NetUnblendedCost', 'UnblendedCost'];
const METRICS = [...COST_METRICS, 'UsageQuantity'];

/** One charge: a task's usage in one bucket (of one usage type, when split). */
interface Charge {
  readonly dimensions: Record<string, string>;
  readonly tags: Record<string, string>;
  readonly micro: bigint;
  readonly hours: number;
  readonly unit: string;
}

interface Sum { micro: bigint; hours: number; unit: string | undefined }

function checkInput(input: GetCostAndUsageInput): void {
  if (input.NextPageToken !== undefined) throw new InvalidNextTokenException('Pier answers in one page; this NextPageToken was not issued by it');
  if (input.BillingViewArn !== undefined) throw new ValidationException('Pier has one billing view, the account\'s own; leave BillingViewArn out');
  if (input.Metrics.length === 0) throw new ValidationException(`Metrics must name at least one of ${METRICS.join(', ')}`);
  for (const m of input.Metrics) {
    if (!METRICS.includes(m)) throw new ValidationException(`Metric ${m} is not supported by Pier; use ${METRICS.join(', ')}`);
  }
  const groups = input.GroupBy ?? [];
  if (groups.length > 2) throw new ValidationException('GroupBy takes at most two group definitions');
  for (const g of groups) {
    if (g.Type === 'DIMENSION') {
      if (!(DIMENSIONS as readonly string[]).includes(g.Key ?? '')) throw new ValidationException(`Dimension ${g.Key ?? ''} is not supported by Pier for GroupBy; use one of ${DIMENSIONS.join(', ')}`);
    } else if (g.Type === 'TAG') {
      if (!g.Key) throw new ValidationException('A TAG group definition needs a Key');
    } else {
      throw new ValidationException(`GroupBy Type ${g.Type ?? '(none)'} is not supported by Pier; use DIMENSION or TAG`);
    }
  }
  if (input.Filter) checkExpression(input.Filter, DIMENSIONS);
}

function taskTags(t: MeteredTask): Record<string, string> {
  return { ...t.tags, 'aws:ecs:clusterName': t.cluster, ...(t.service !== undefined ? { 'aws:ecs:serviceName': t.service } : {}) };
}

function charges(tasks: readonly MeteredTask[], bucket: Period, split: boolean, prices: PriceTable, account: Account, nowMs: number): Charge[] {
  const out: Charge[] = [];
  for (const t of tasks) {
    const interval = chargedInterval(t, nowMs, prices);
    if (!interval) continue;
    const usage = usageIn(t, interval, { sinceMs: bucket.startMs, untilMs: bucket.endMs }, prices);
    if (usage.billedMs === 0) continue;
    const rates = ratesFor(t, prices);
    const base = { SERVICE: ECS_SERVICE, REGION: account.region, LINKED_ACCOUNT: account.accountId };
    const tags = taskTags(t);
    if (!split) {
      out.push({ dimensions: base, tags, micro: costMicroUsd(usage, rates), hours: usageHours(usage), unit: 'N/A' });
      continue;
    }
    for (const p of usageParts(usage, t.capacityProvider === 'FARGATE_SPOT', account.region)) {
      out.push({ dimensions: { ...base, USAGE_TYPE: p.usageType }, tags, micro: costMicroUsd(p.usage, rates), hours: p.hours, unit: p.unit });
    }
  }
  return out;
}

const formatHours = (h: number): string => h.toFixed(10).replace(/\.?0+$/, '');

function metricValues(metrics: readonly string[], s: Sum): Record<string, { Amount: string; Unit: string }> {
  return Object.fromEntries(metrics.map((m) => [m, m === 'UsageQuantity'
    ? { Amount: formatHours(s.hours), Unit: s.unit ?? 'N/A' }
    : { Amount: formatUsd(s.micro), Unit: 'USD' }]));
}

function add(s: Sum, c: Charge): void {
  s.micro += c.micro;
  s.hours += c.hours;
  s.unit = s.unit === undefined || s.unit === c.unit ? c.unit : 'N/A';
}

export function getCostAndUsage(tasks: readonly MeteredTask[], prices: PriceTable, input: GetCostAndUsageInput, account: Account, nowMs: number): Record<string, unknown> {
  checkInput(input);
  const period = parsePeriod(input.TimePeriod);
  const withTime = period.withTime || input.Granularity === 'HOURLY';
  const groupBy = input.GroupBy ?? [];
  const split = groupBy.some((g) => g.Type === 'DIMENSION' && g.Key === 'USAGE_TYPE') || mentionsDimension(input.Filter, 'USAGE_TYPE');
  const results = buckets(period, input.Granularity).map((bucket) => {
    const cs = charges(tasks, bucket, split, prices, account, nowMs).filter((c) => !input.Filter || matches(input.Filter, c));
    const timePeriod = { Start: formatBound(bucket.startMs, withTime), End: formatBound(bucket.endMs, withTime) };
    const estimated = bucket.endMs > nowMs;
    if (groupBy.length === 0) {
      const total: Sum = { micro: 0n, hours: 0, unit: undefined };
      for (const c of cs) add(total, c);
      return { TimePeriod: timePeriod, Total: metricValues(input.Metrics, total), Groups: [], Estimated: estimated };
    }
    const groups = new Map<string, { keys: string[]; sum: Sum }>();
    for (const c of cs) {
      const keys = groupBy.map((g) => (g.Type === 'TAG' ? `${g.Key}$${c.tags[g.Key!] ?? ''}` : c.dimensions[g.Key!]!));
      const id = JSON.stringify(keys);
      const g = groups.get(id) ?? { keys, sum: { micro: 0n, hours: 0, unit: undefined } };
      groups.set(id, g);
      add(g.sum, c);
    }
    const sorted = [...groups.values()].sort((a, b) => (a.keys.join('\0') < b.keys.join('\0') ? -1 : 1));
    return { TimePeriod: timePeriod, Total: {}, Groups: sorted.map((g) => ({ Keys: g.keys, Metrics: metricValues(input.Metrics, g.sum) })), Estimated: estimated };
  });
  return {
    ...(groupBy.length ? { GroupDefinitions: groupBy.map((g) => ({ Type: g.Type, Key: g.Key })) } : {}),
    ResultsByTime: results,
    DimensionValueAttributes: [],
  };
}
