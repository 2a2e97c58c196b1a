/**
 * Cost history outlives the tasks: with a real SQLite store, the figures `pier costs`,
 * `/_pier/costs` and `aws ce get-cost-and-usage` are made from (allMeteredTasks, then the cost
 * report and GetCostAndUsage) are the same before and after the stopped tasks are purged, and
 * match hand-computed Fargate charges.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { allMeteredTasks } from '../../src/control-plane/task-costs.js';
import { getCostAndUsage } from '../../src/metering/cost-and-usage.js';
import { DEFAULT_PRICES } from '../../src/metering/prices.js';
import { buildCostReport } from '../../src/metering/report.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ARN, stopped, usageTask } from '../helpers/usage-tasks.js';

const T0 = 1_765_000_000; // 2025-12-06T05:46:40Z, in seconds
const NOW_MS = (T0 + 10_000) * 1000;
const ACCOUNT = { region: 'us-east-1', accountId: '123456789012' };

let dir = '';
let store: SqliteStore;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pier-cost-history-'));
  store = new SqliteStore(join(dir, 'pier.db'));
  const short = usageTask('short', { pullAt: T0 });
  const spot = usageTask('spot', { service: 'web', spot: true, disk: 50, pullAt: T0 });
  const running = usageTask('running', { pullAt: T0 + 10_000 - 600 });
  await store.transaction(async (tx) => {
    await tx.clusters.put({
      name: 'prod', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod', status: 'ACTIVE',
      body: { settings: [], capacityProviders: [], defaultCapacityProviderStrategy: [] }, createdAt: 1, version: 1,
    });
    for (const r of [short, spot, running]) await tx.tasks.insert(r);
    await tx.tags.put(spot.task.taskArn, [{ key: 'team', value: 'blue' }]);
  });
  // Stopped the way agents' reports stop tasks: a versioned update of the running task.
  await store.transaction(async (tx) => {
    await tx.tasks.update(stopped(short, T0 + 30), 1);
    await tx.tasks.update(stopped(spot, T0 + 3600), 1);
  });
});

after(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function figures(): Promise<{ report: unknown; daily: unknown; byUsageType: unknown; byTag: unknown }> {
  const tasks = await allMeteredTasks(store.read);
  const ce = (extra: Record<string, unknown>): Record<string, unknown> => getCostAndUsage(tasks, DEFAULT_PRICES, {
    TimePeriod: { Start: '2025-12-06', End: '2025-12-07' }, Granularity: 'DAILY', Metrics: ['UnblendedCost', 'UsageQuantity'], ...extra,
  }, ACCOUNT, NOW_MS);
  return {
    report: buildCostReport(tasks, DEFAULT_PRICES, { by: 'service', nowMs: NOW_MS }),
    daily: ce({}),
    byUsageType: ce({ GroupBy: [{ Type: 'DIMENSION', Key: 'USAGE_TYPE' }] }),
    byTag: ce({ GroupBy: [{ Type: 'TAG', Key: 'team' }] }),
  };
}

test('pier costs and Cost Explorer report the same totals after the stopped tasks are purged', async () => {
  const beforePurge = await figures();
  const report = beforePurge.report as ReturnType<typeof buildCostReport>;
  // 0.5 vCPU / 1 GB: 30 s charged as 60 s on demand; an hour on Spot with 30 GiB of storage above
  // the free 20; ten minutes running so far.
  assert.deepEqual(report.tasks.map((t) => [t.taskArn, t.capacityProvider, t.billedSeconds, t.cost]), [
    [ARN('prod', 'running'), 'FARGATE', 600, '0.004114'],
    [ARN('prod', 'short'), 'FARGATE', 60, '0.000411'],
    [ARN('prod', 'spot'), 'FARGATE_SPOT', 3600, '0.010736'],
  ]);
  assert.equal(report.total.cost, '0.015261');
  assert.deepEqual(report.groups.map((g) => [g.key, g.tasks, g.cost]), [['(no service)', 2, '0.004525'], ['prod/web', 1, '0.010736']]);
  const daily = beforePurge.daily as { ResultsByTime: { Total: { UnblendedCost: { Amount: string } } }[] };
  assert.equal(daily.ResultsByTime[0]!.Total.UnblendedCost.Amount, '0.015261');
  const byTag = beforePurge.byTag as { ResultsByTime: { Groups: { Keys: string[]; Metrics: { UnblendedCost: { Amount: string } } }[] }[] };
  assert.deepEqual(byTag.ResultsByTime[0]!.Groups.map((g) => [g.Keys[0], g.Metrics.UnblendedCost.Amount]), [['team$', '0.004525'], ['team$blue', '0.010736']]);

  assert.equal(await store.transaction((tx) => tx.tasks.purgeStopped(NOW_MS)), 2, 'the housekeeping purge deletes both stopped tasks');
  const held = await store.read.tasks.list({ clusterName: 'prod', limit: 10 });
  assert.deepEqual(held.items.map((r) => r.id), ['running']);

  assert.deepEqual(await figures(), beforePurge);
});
