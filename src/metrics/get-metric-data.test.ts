import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import type { MetricsContext } from './context.js';
import { InvalidNextToken, InvalidParameterCombinationException, ValidationError } from './errors.js';
import { getMetricData, type GetMetricDataInput } from './get-metric-data.js';
import { getMetricStatistics } from './get-metric-statistics.js';
import { listMetrics } from './list-metrics.js';
import { putMetricData } from './put-metric-data.js';
import { SqliteMetricStore } from './sqlite/sqlite-metric-store.js';

const dir = mkdtempSync(join(tmpdir(), 'pier-gmd-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const NOW = Date.UTC(2026, 5, 15, 12);
const T0 = NOW - 10 * 60_000;
const ctx: MetricsContext = { store: SqliteMetricStore.open({ dir }), clock: new ManualClock(NOW), log: silentLogger };

const ready = (async () => {
  await putMetricData(ctx, {
    Namespace: 'App',
    MetricData: [0, 1, 2, 3].map((i) => ({ MetricName: 'Hits', Value: i + 1, Timestamp: T0 + i * 60_000 })),
  });
})();

const query = (extra: Partial<GetMetricDataInput> = {}): GetMetricDataInput => ({
  StartTime: T0, EndTime: T0 + 4 * 60_000,
  MetricDataQueries: [
    { Id: 'h', MetricStat: { Metric: { Namespace: 'App', MetricName: 'Hits' }, Period: 60, Stat: 'Sum' } },
    { Id: 'd', Expression: 'h * 10' },
  ],
  ...extra,
});

test('pages follow the scan across results: the newest points of every result first', async () => {
  await ready;
  const seen: [string, number[], string][] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const out = await getMetricData(ctx, query({ MaxDatapoints: 3, ...(token ? { NextToken: token } : {}) })) as { MetricDataResults: { Id: string; Values: number[]; StatusCode: string }[]; NextToken?: string };
    for (const r of out.MetricDataResults) seen.push([r.Id, r.Values, r.StatusCode]);
    token = out.NextToken;
    pages += 1;
  } while (token);
  assert.equal(pages, 3);
  assert.deepEqual(seen, [
    ['h', [4, 3], 'PartialData'], ['d', [40], 'PartialData'],
    ['h', [2], 'PartialData'], ['d', [30, 20], 'PartialData'],
    ['h', [1], 'Complete'], ['d', [10], 'Complete'],
  ]);
});

test('a token belongs to its request; bad requests are ValidationError', async () => {
  await ready;
  const first = await getMetricData(ctx, query({ MaxDatapoints: 1 })) as { NextToken: string };
  await assert.rejects(getMetricData(ctx, query({ NextToken: first.NextToken, StartTime: T0 - 60_000 })), InvalidNextToken);
  await assert.rejects(getMetricData(ctx, query({ NextToken: 'garbage' })), InvalidNextToken);
  const bad = async (q: GetMetricDataInput['MetricDataQueries'], message: RegExp): Promise<void> => {
    await assert.rejects(getMetricData(ctx, query({ MetricDataQueries: q })), (e: unknown) => e instanceof ValidationError && message.test((e as Error).message));
  };
  await bad([{ Id: 'a', Expression: '1' }, { Id: 'a', Expression: '2' }], /not unique/);
  await bad([{ Id: 'a' }], /MetricDataQueries\.member\.1\.MetricStat is required/);
  await bad([{ Id: 'a', Expression: '1', MetricStat: { Metric: { Namespace: 'A', MetricName: 'B' }, Period: 60, Stat: 'Sum' } }], /mutually exclusive/);
  await bad([{ Id: 'a', Period: 60, MetricStat: { Metric: { Namespace: 'A', MetricName: 'B' }, Period: 60, Stat: 'Sum' } }], /Period and MetricDataQueries\.member\.1\.MetricStat are mutually exclusive/);
  await bad([{ Id: 'a', MetricStat: { Metric: { Namespace: 'A', MetricName: 'B' }, Period: 45, Stat: 'Sum' } }], /MetricStat\.Period must be 1, 5, 10, 20, 30 or a multiple of 60/);
  await bad([{ Id: 'a', Expression: 'SUM(1' }], /Error in expression a: Unexpected end of expression/);
  await bad([{ Id: 'a', Expression: 'AVG(METRICS())' }], /METRICS\(\) needs at least one MetricStat query/);
  await bad([{ Id: 'h', MetricStat: { Metric: { Namespace: 'App', MetricName: 'Hits' }, Period: 60, Stat: 'Sum' } }, { Id: 's', Expression: 'SUM(h)' }],
    /must return a time series, not a single number/);
  await assert.rejects(getMetricData(ctx, query({
    StartTime: NOW - 2 * 86_400_000, MetricDataQueries: [{ Id: 'a', MetricStat: { Metric: { Namespace: 'A', MetricName: 'B' }, Period: 1, Stat: 'Sum' } }],
  })), (e: unknown) => e instanceof ValidationError && /asks for up to 172440 data points, more than the 100800/.test((e as Error).message));
});

test('GetMetricStatistics: exclusive statistic kinds and the 1,440-datapoint limit', async () => {
  await ready;
  const base = { Namespace: 'App', MetricName: 'Hits', StartTime: T0, EndTime: T0 + 4 * 60_000, Period: 120 };
  const out = await getMetricStatistics(ctx, { ...base, Statistics: ['Sum', 'Maximum'] });
  assert.deepEqual(out.Datapoints, [{ Timestamp: T0, Sum: 3, Maximum: 2, Unit: 'None' }, { Timestamp: T0 + 120_000, Sum: 7, Maximum: 4, Unit: 'None' }]);
  await assert.rejects(getMetricStatistics(ctx, { ...base, StartTime: NOW - 86_400_000, EndTime: NOW, Period: 30, Statistics: ['Sum'] }), InvalidParameterCombinationException);
});

test('ListMetrics tokens are opaque and checked', async () => {
  await ready;
  assert.deepEqual((await listMetrics(ctx, { Namespace: 'App' })).Metrics, [{ Namespace: 'App', MetricName: 'Hits', Dimensions: [] }]);
  await assert.rejects(listMetrics(ctx, { NextToken: 'bm9wZQ' }), /NextToken is invalid/);
});
