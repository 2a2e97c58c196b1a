/**
 * ListMetrics: metrics that received data in the past two weeks (or three hours, with
 * RecentlyActive PT3H), filtered by namespace, name and dimensions (a filter without a value
 * matches any value of that dimension), 500 a page, in (namespace, name, dimensions) order.
 * NextToken is opaque: the key of the page's last metric.
 */
import { DAY_MS, type MetricsContext } from './context.js';
import { invalidValue } from './errors.js';
import type { MetricIdentity } from './metric-store.js';

export interface ListMetricsInput {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value?: string }[];
  NextToken?: string;
  RecentlyActive?: string;
  IncludeLinkedAccounts?: boolean;
  OwningAccount?: string;
}

export const PAGE_SIZE = 500;

const encodeToken = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');

function decodeToken(token: string): string {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  try {
    const parsed = JSON.parse(key) as unknown;
    if (Array.isArray(parsed) && parsed.length === 3 && parsed.every((x) => typeof x === 'string')) return key;
  } catch {
    // fall through
  }
  throw invalidValue('The value for parameter NextToken is invalid.');
}

export const toWireMetric = (m: MetricIdentity): Record<string, unknown> => ({
  Namespace: m.namespace, MetricName: m.metricName, Dimensions: m.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
});

export async function listMetrics(ctx: MetricsContext, input: ListMetricsInput): Promise<Record<string, unknown>> {
  const now = ctx.clock.now();
  const page = await ctx.store.list({
    ...(input.Namespace !== undefined ? { namespace: input.Namespace } : {}),
    ...(input.MetricName !== undefined ? { metricName: input.MetricName } : {}),
    dimensions: (input.Dimensions ?? []).map((d) => ({ name: d.Name, ...(d.Value !== undefined ? { value: d.Value } : {}) })),
    activeSinceMs: now - (input.RecentlyActive === 'PT3H' ? 3 * 3_600_000 : 14 * DAY_MS),
    ...(input.NextToken !== undefined ? { afterKey: decodeToken(input.NextToken) } : {}),
    limit: PAGE_SIZE,
  });
  return { Metrics: page.metrics.map(toWireMetric), ...(page.nextKey ? { NextToken: encodeToken(page.nextKey) } : {}) };
}
