import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getCostAndUsage, type GetCostAndUsageInput } from './cost-and-usage.js';
import { DEFAULT_PRICES } from './prices.js';
import type { MeteredTask } from './usage.js';

const H = 3_600_000;
/** 2026-12-01 23:00 UTC. */
const T0 = Date.UTC(2026, 11, 1, 23);
const NOW = Date.UTC(2026, 11, 10);
const ACCOUNT = { region: 'us-east-1', accountId: '123456789012' };

function task(id: string, over: Partial<MeteredTask> = {}): MeteredTask {
  return {
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/c/${id}`, cluster: 'c', family: 'web', service: undefined,
    capacityProvider: 'FARGATE', cpu: 1024, memoryMiB: 2048, ephemeralStorageGiB: 20, pullStartedAtMs: T0, stoppedAtMs: T0 + H, ...over,
  };
}

const ask = (tasks: MeteredTask[], over: Partial<GetCostAndUsageInput> = {}): any => getCostAndUsage(tasks, DEFAULT_PRICES, {
  TimePeriod: { Start: '2026-12-01', End: '2026-12-03' }, Granularity: 'DAILY', Metrics: ['UnblendedCost', 'UsageQuantity'], ...over,
}, ACCOUNT, NOW);

describe('Cost Explorer GetCostAndUsage over metered tasks', () => {
  test('DAILY splits a task across midnight; each day is charged its half', () => {
    const r = ask([task('a', { pullStartedAtMs: T0 + H / 2, stoppedAtMs: T0 + 3 * H / 2 })]);
    assert.deepEqual(r.ResultsByTime, [
      { TimePeriod: { Start: '2026-12-01', End: '2026-12-02' }, Total: { UnblendedCost: { Amount: '0.024685', Unit: 'USD' }, UsageQuantity: { Amount: '1.5', Unit: 'N/A' } }, Groups: [], Estimated: false },
      { TimePeriod: { Start: '2026-12-02', End: '2026-12-03' }, Total: { UnblendedCost: { Amount: '0.024685', Unit: 'USD' }, UsageQuantity: { Amount: '1.5', Unit: 'N/A' } }, Groups: [], Estimated: false },
    ]);
  });

  test('MONTHLY and HOURLY buckets are cut at month and hour boundaries', () => {
    const monthly = ask([task('a')], { Granularity: 'MONTHLY', TimePeriod: { Start: '2026-11-15', End: '2027-01-01' } });
    assert.deepEqual(monthly.ResultsByTime.map((b: any) => [b.TimePeriod.Start, b.TimePeriod.End, b.Total.UnblendedCost.Amount, b.Estimated]),
      [['2026-11-15', '2026-12-01', '0.000000', false], ['2026-12-01', '2027-01-01', '0.049370', true]]);
    const hourly = ask([task('a')], { Granularity: 'HOURLY', TimePeriod: { Start: '2026-12-01T22:30:00Z', End: '2026-12-02T00:30:00Z' } });
    assert.deepEqual(hourly.ResultsByTime.map((b: any) => [b.TimePeriod.Start, b.Total.UnblendedCost.Amount]),
      [['2026-12-01T22:30:00Z', '0.000000'], ['2026-12-01T23:00:00Z', '0.049370'], ['2026-12-02T00:00:00Z', '0.000000']]);
  });

  test('GroupBy USAGE_TYPE names Fargate\'s usage types, on demand and Spot, with storage above 20 GiB', () => {
    const r = ask([task('a', { ephemeralStorageGiB: 50 }), task('s', { capacityProvider: 'FARGATE_SPOT' })], {
      TimePeriod: { Start: '2026-12-01', End: '2026-12-03' }, Granularity: 'MONTHLY', GroupBy: [{ Type: 'DIMENSION', Key: 'USAGE_TYPE' }],
    });
    assert.deepEqual(r.GroupDefinitions, [{ Type: 'DIMENSION', Key: 'USAGE_TYPE' }]);
    assert.deepEqual(r.ResultsByTime[0].Total, {});
    assert.deepEqual(r.ResultsByTime[0].Groups.map((g: any) => [g.Keys[0], g.Metrics.UnblendedCost.Amount, g.Metrics.UsageQuantity.Amount, g.Metrics.UsageQuantity.Unit]), [
      ['USE1-Fargate-EphemeralStorage-GB-Hours', '0.003330', '30', 'GB-Hours'],
      ['USE1-Fargate-GB-Hours', '0.008890', '2', 'GB-Hours'],
      ['USE1-Fargate-vCPU-Hours:perCPU', '0.040480', '1', 'vCPU-Hours'],
      ['USE1-SpotUsage-Fargate-GB-Hours', '0.002667', '2', 'GB-Hours'],
      ['USE1-SpotUsage-Fargate-vCPU-Hours:perCPU', '0.012144', '1', 'vCPU-Hours'],
    ]);
  });

  test('GroupBy the ECS managed tags, and filters by dimension and tag', () => {
    const tasks = [task('a', { service: 'api', tags: { team: 'blue' } }), task('b', { cpu: 256, memoryMiB: 512, stoppedAtMs: T0 + 30_000 })];
    const monthly = { Granularity: 'MONTHLY' as const };
    const r = ask(tasks, { ...monthly, GroupBy: [{ Type: 'TAG', Key: 'aws:ecs:serviceName' }, { Type: 'TAG', Key: 'aws:ecs:clusterName' }] });
    assert.deepEqual(r.ResultsByTime[0].Groups.map((g: any) => [g.Keys, g.Metrics.UnblendedCost.Amount]), [
      [['aws:ecs:serviceName$', 'aws:ecs:clusterName$c'], '0.000206'],
      [['aws:ecs:serviceName$api', 'aws:ecs:clusterName$c'], '0.049370'],
    ]);
    const blue = ask(tasks, { ...monthly, Filter: { Tags: { Key: 'team', Values: ['blue'] } } });
    assert.equal(blue.ResultsByTime[0].Total.UnblendedCost.Amount, '0.049370');
    const notCpu = ask(tasks, { ...monthly, Filter: { Not: { Dimensions: { Key: 'USAGE_TYPE', Values: ['USE1-Fargate-vCPU-Hours:perCPU'] } } } });
    // Memory only: 2 × $0.004445, and 60/3600 × 0.5 × $0.004445 = $0.000037 for the short task.
    assert.equal(notCpu.ResultsByTime[0].Total.UnblendedCost.Amount, '0.008927');
  });

  test('requests Pier cannot answer are refused with ValidationException and what to do', () => {
    const refused = (over: Partial<GetCostAndUsageInput>, code: string, message: RegExp): void => {
      assert.throws(() => ask([], over), (e: any) => e.code === code && message.test(e.message));
    };
    refused({ TimePeriod: { Start: '2026-12-03', End: '2026-12-01' } }, 'ValidationException', /^Start date \(and hour\) should be before end date \(and hour\)$/);
    refused({ TimePeriod: { Start: '2026-02-30', End: '2026-03-02' } }, 'ValidationException', /Start must be a date/);
    refused({ Metrics: ['NormalizedUsageAmount'] }, 'ValidationException', /Metric NormalizedUsageAmount is not supported by Pier/);
    refused({ Metrics: [] }, 'ValidationException', /Metrics must name at least one/);
    refused({ GroupBy: [{ Type: 'DIMENSION', Key: 'AZ' }] }, 'ValidationException', /Dimension AZ is not supported by Pier for GroupBy/);
    refused({ GroupBy: [{ Type: 'COST_CATEGORY', Key: 'x' }] }, 'ValidationException', /GroupBy Type COST_CATEGORY is not supported/);
    refused({ GroupBy: [{ Type: 'TAG', Key: 'a' }, { Type: 'TAG', Key: 'b' }, { Type: 'TAG', Key: 'c' }] }, 'ValidationException', /at most two/);
    refused({ Filter: { Dimensions: { Key: 'AZ', Values: ['x'] } } }, 'ValidationException', /Dimension AZ is not supported by Pier/);
    refused({ Filter: { And: [{ Tags: { Key: 'a', Values: ['b'] } }] } }, 'ValidationException', /And needs at least two/);
    refused({ NextPageToken: 'abc' }, 'InvalidNextTokenException', /not issued by it/);
    refused({ Granularity: 'HOURLY', TimePeriod: { Start: '2026-01-01', End: '2027-01-01' } }, 'ValidationException', /more than 5000 hourly periods/);
  });
});
