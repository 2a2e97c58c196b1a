import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_PRICES, parsePriceTable } from './prices.js';
import { buildCostReport, NO_SERVICE } from './report.js';
import type { MeteredTask } from './usage.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const S = 1000;

function task(over: Partial<MeteredTask> & { id: string }): MeteredTask {
  return {
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/c/${over.id}`, cluster: 'c', family: 'web', service: undefined,
    capacityProvider: 'FARGATE', cpu: 1024, memoryMiB: 2048, ephemeralStorageGiB: 20,
    pullStartedAtMs: T0, stoppedAtMs: T0 + 3600 * S, ...over,
  };
}

const report = (tasks: MeteredTask[], extra: { sinceMs?: number; untilMs?: number; nowMs?: number; by?: 'service' | 'family' | 'cluster' | 'task' } = {}) =>
  buildCostReport(tasks, DEFAULT_PRICES, { by: extra.by ?? 'task', nowMs: extra.nowMs ?? T0 + 7200 * S, ...extra });

describe('metering: Fargate charges by hand', () => {
  test('0.25 vCPU / 0.5 GB for 30 s is charged the one-minute minimum', () => {
    const r = report([task({ id: 'a', cpu: 256, memoryMiB: 512, stoppedAtMs: T0 + 30 * S })]);
    const [line] = r.tasks;
    // 60/3600 h × (0.25 × $0.04048 + 0.5 × $0.004445) = $0.000205708… → $0.000206
    assert.equal(line!.billedSeconds, 60);
    assert.equal(line!.vcpuSeconds, 15);
    assert.equal(line!.gbSeconds, 30);
    assert.equal(line!.ephemeralStorageGbSeconds, 0);
    assert.equal(line!.cost, '0.000206');
    assert.equal(line!.costMicroUsd, 206);
  });

  test('1 vCPU / 2 GB for an hour: $0.04937 on demand, $0.014811 on Spot', () => {
    const r = report([task({ id: 'od' }), task({ id: 'spot', capacityProvider: 'FARGATE_SPOT' })]);
    assert.deepEqual(r.tasks.map((l) => [l.billedSeconds, l.vcpuSeconds, l.gbSeconds, l.cost]), [
      [3600, 3600, 7200, '0.049370'], // $0.04048 + 2 × $0.004445
      [3600, 3600, 7200, '0.014811'], // $0.012144 + 2 × $0.0013335
    ]);
    assert.equal(r.total.cost, '0.064181');
  });

  test('50 GiB of ephemeral storage charges the 30 GiB above the free 20', () => {
    const [line] = report([task({ id: 's', ephemeralStorageGiB: 50 })]).tasks;
    assert.equal(line!.chargedStorageGiB, 30);
    assert.equal(line!.ephemeralStorageGbSeconds, 30 * 3600);
    assert.equal(line!.cost, '0.052700'); // $0.04937 + 30 × $0.000111
  });

  test('a running task is charged up to now, rounded up to the second', () => {
    const now = T0 + 90_500;
    const [line] = report([task({ id: 'r', stoppedAtMs: undefined })], { nowMs: now }).tasks;
    assert.equal(line!.billedSeconds, 91);
    assert.equal(line!.stoppedAt, null);
    assert.equal(line!.cost, '0.001248'); // 91/3600 × $0.04937 = $0.0012480…
  });

  test('a task that never started pulling is not charged', () => {
    const r = report([task({ id: 'n', pullStartedAtMs: undefined, stoppedAtMs: T0 })]);
    assert.deepEqual(r.tasks, []);
    assert.equal(r.total.cost, '0.000000');
    assert.equal(r.total.tasks, 0);
  });

  test('a window takes the part of the charge inside it', () => {
    const t = task({ id: 'w' });
    assert.equal(report([t], { sinceMs: T0 + 1800 * S }).tasks[0]!.cost, '0.024685');
    assert.equal(report([t], { untilMs: T0 + 600 * S }).tasks[0]!.billedSeconds, 600);
    assert.deepEqual(report([t], { sinceMs: T0 + 3600 * S }).tasks, []);
    // The minimum extends a short task's charge past its stop, and a window sees that minute.
    const short = task({ id: 'm', stoppedAtMs: T0 + 10 * S, cpu: 256, memoryMiB: 512 });
    assert.equal(report([short], { sinceMs: T0 + 30 * S }).tasks[0]!.billedSeconds, 30);
  });

  test('group totals are the sums of the rounded lines', () => {
    const tasks = [
      task({ id: '1', cpu: 256, memoryMiB: 512, stoppedAtMs: T0 + 30 * S, service: 'api' }),
      task({ id: '2', cpu: 256, memoryMiB: 512, stoppedAtMs: T0 + 30 * S, service: 'api' }),
      task({ id: '3', cpu: 256, memoryMiB: 512, stoppedAtMs: T0 + 30 * S, family: 'batch' }),
    ];
    const r = report(tasks, { by: 'service' });
    assert.deepEqual(r.groups.map((g) => [g.key, g.tasks, g.cost]), [[NO_SERVICE, 1, '0.000206'], ['c/api', 2, '0.000412']]);
    assert.equal(r.total.cost, '0.000618'); // not 3 × $0.000205708 = $0.000617
    assert.equal(r.total.vcpuSeconds, 45);
    assert.deepEqual(report(tasks, { by: 'family' }).groups.map((g) => [g.key, g.cost]), [['batch', '0.000206'], ['web', '0.000412']]);
  });
});

describe('metering: the price table', () => {
  test('an operator file overrides the fields it names', () => {
    const p = parsePriceTable({ FARGATE_SPOT: { vcpuHour: 0.01 }, minimumSeconds: 0 });
    assert.equal(p.FARGATE_SPOT.vcpuHour, 10_000_000n);
    assert.equal(p.FARGATE_SPOT.gbHour, DEFAULT_PRICES.FARGATE_SPOT.gbHour);
    assert.equal(p.FARGATE, DEFAULT_PRICES.FARGATE);
    const r = buildCostReport([task({ id: 'x', capacityProvider: 'FARGATE_SPOT', memoryMiB: 0, stoppedAtMs: T0 + 30 * S })], p, { by: 'task', nowMs: T0 });
    assert.equal(r.tasks[0]!.cost, '0.000083'); // 30/3600 × $0.01
  });

  test('bad tables are refused with what to fix', () => {
    assert.throws(() => parsePriceTable([]), /must be a JSON object/);
    assert.throws(() => parsePriceTable({ FARGATE: { cpuHour: 1 } }), /unknown field 'FARGATE.cpuHour'/);
    assert.throws(() => parsePriceTable({ fargate: {} }), /unknown field 'fargate'/);
    assert.throws(() => parsePriceTable({ FARGATE: { vcpuHour: -1 } }), /FARGATE.vcpuHour must be a price/);
    assert.throws(() => parsePriceTable({ FARGATE: { vcpuHour: '0.04' } }), /FARGATE.vcpuHour must be a price/);
    assert.throws(() => parsePriceTable({ FARGATE: { gbHour: 0.0000000001 } }), /at most 9 decimal places/);
    assert.throws(() => parsePriceTable({ minimumSeconds: 1.5 }), /minimumSeconds must be a whole number/);
    assert.throws(() => parsePriceTable({ currency: 'EUR' }), /currency must be 'USD'/);
  });
});
