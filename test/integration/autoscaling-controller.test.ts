/**
 * The autoscaling controller's passes (syncAutoScaling) against a real SQLite store, a fake
 * services seam (an in-memory desired count) and a metric store holding the datapoints the test
 * puts, on a manual clock: scheduled actions apply once at their time, target tracking scales out
 * and back in with its cooldowns kept in the store, a refused change is a Failed activity.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AutoScalingContext, ScalableServices } from '../../src/autoscaling/context.js';
import { putScalingPolicy } from '../../src/autoscaling/policies.js';
import { putScheduledAction } from '../../src/autoscaling/scheduled-actions.js';
import { registerScalableTarget } from '../../src/autoscaling/targets.js';
import type { ControlPlane } from '../../src/control-plane/context.js';
import { syncAutoScaling } from '../../src/control-plane/controllers/autoscaling-controller.js';
import { ManualClock } from '../../src/lib/clock.js';
import { SequentialIds } from '../../src/lib/ids.js';
import { createLogger } from '../../src/lib/logger.js';
import { aggregateOfValue } from '../../src/metrics/aggregate.js';
import type { MetricStore, StoredBucket } from '../../src/metrics/metric-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const KEY = { ServiceNamespace: 'ecs', ResourceId: 'service/c/web', ScalableDimension: 'ecs:service:DesiredCount' };
const keyArgs = { serviceNamespace: 'ecs', resourceIds: ['service/c/web'], limit: 50 };

class FakeServices implements ScalableServices {
  desired = 2;
  exists = true;
  refuse: string | undefined;
  async desiredCount(): Promise<number | undefined> {
    return this.exists ? this.desired : undefined;
  }
  async setDesiredCount(_ref: unknown, n: number): Promise<void> {
    if (this.refuse) throw new Error(this.refuse);
    this.desired = n;
  }
}

/** Answers every read with one bucket per minute at `value` (none when undefined). */
class FakeMetrics {
  value: number | undefined;
  async read(_m: unknown, _tier: number, fromMs: number, toMs: number): Promise<StoredBucket[]> {
    const out: StoredBucket[] = [];
    if (this.value === undefined) return out;
    for (let t = fromMs; t < toMs; t += 60_000) out.push({ startMs: t, unit: 'Percent', aggregate: aggregateOfValue(this.value) });
    return out;
  }
}

describe('autoscaling controller passes', () => {
  let dir = '';
  let store: SqliteStore;
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const services = new FakeServices();
  const metrics = new FakeMetrics();
  let ctx: AutoScalingContext;
  let sync: () => Promise<void>;
  const activities = async () => (await store.read.autoScaling.listActivities(keyArgs)).items;
  const target = async () => (await store.read.autoScaling.getTarget('ecs', 'service/c/web', 'ecs:service:DesiredCount'))!;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pier-autoscaling-'));
    store = new SqliteStore(join(dir, 'pier.db'));
    const cp = { store, clock, ids: new SequentialIds(), scope: { partition: 'aws', region: 'us-east-1', accountId: '123456789012' }, log: createLogger('error') } as unknown as ControlPlane;
    ctx = { cp, services };
    sync = () => syncAutoScaling({ ctx, metrics: metrics as unknown as MetricStore, config: { intervalMs: 1000, highPeriods: 2, lowPeriods: 3 } });
    await registerScalableTarget(ctx, { ...KEY, MinCapacity: 1, MaxCapacity: 6 });
    await putScalingPolicy(ctx, {
      ...KEY, PolicyName: 'cpu', PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, ScaleOutCooldown: 60, ScaleInCooldown: 120 },
    });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('no data, no change', async () => {
    await sync();
    assert.equal(services.desired, 2);
    assert.deepEqual(await activities(), []);
  });

  test('high CPU scales out, records the activity and the time; the cooldown holds the next one', async () => {
    metrics.value = 90;
    await sync();
    assert.equal(services.desired, 4, 'ceil(2 × 90 / 50)');
    const [a] = await activities();
    assert.equal(a!.description, 'Setting desired count to 4.');
    assert.match(a!.cause, /^monitor alarm TargetTracking-service\/c\/web-AlarmHigh-[0-9a-f-]{36} in state ALARM triggered policy cpu$/);
    assert.equal(a!.statusCode, 'Successful');
    assert.equal((await target()).scaling.lastScaleOutAt, clock.now());
    clock.advance(59_000);
    await sync();
    assert.equal(services.desired, 4, 'within ScaleOutCooldown');
    clock.advance(1_000);
    await sync();
    assert.equal(services.desired, 6, 'ceil(4 × 90 / 50) = 8, clamped at max');
  });

  test('low CPU scales in once, then waits ScaleInCooldown', async () => {
    metrics.value = 10;
    await sync();
    assert.equal(services.desired, 2, 'ceil(6 × 10 / 50)');
    clock.advance(119_000);
    await sync();
    assert.equal(services.desired, 2);
    clock.advance(1_000);
    await sync();
    assert.equal(services.desired, 1);
  });

  test('a refused change is a Failed activity and moves no cooldown', async () => {
    metrics.value = 90;
    services.refuse = 'Service was not ACTIVE.';
    const before_ = (await target()).scaling.lastScaleOutAt;
    clock.advance(60_000);
    await sync();
    const [a] = await activities();
    assert.equal(a!.statusCode, 'Failed');
    assert.equal(a!.statusMessage, 'Failed to set desired count to 2. Reason: Service was not ACTIVE.');
    assert.equal((await target()).scaling.lastScaleOutAt, before_);
    services.refuse = undefined;
    metrics.value = undefined;
  });

  test('a scheduled action applies once at its time and moves the desired count inside the range', async () => {
    const at = new Date(clock.now() + 30_000).toISOString().slice(0, 19);
    await putScheduledAction(ctx, { ...KEY, ScheduledActionName: 'soon', Schedule: `at(${at})`, ScalableTargetAction: { MinCapacity: 3, MaxCapacity: 5 } });
    await sync();
    assert.deepEqual([(await target()).minCapacity, (await target()).maxCapacity], [1, 6], 'not yet');
    clock.advance(30_000);
    await sync();
    assert.deepEqual([(await target()).minCapacity, (await target()).maxCapacity], [3, 5]);
    assert.equal(services.desired, 3);
    const [raised, scheduled] = await activities();
    assert.deepEqual([raised!.description, raised!.cause], ['Setting desired count to 3.', 'minimum capacity was set to 3']);
    assert.deepEqual([scheduled!.description, scheduled!.cause, scheduled!.statusMessage],
      ['Setting min capacity to 3 and max capacity to 5', 'scheduled action name soon was triggered', 'Successfully set min capacity to 3 and max capacity to 5']);
    const count = (await activities()).length;
    clock.advance(60_000);
    await sync();
    assert.equal((await activities()).length, count, 'applied once');
  });

  test('a target whose service is gone is deregistered with its policies and actions; its activities stay', async () => {
    services.exists = false;
    await sync();
    assert.equal(await store.read.autoScaling.getTarget('ecs', 'service/c/web', 'ecs:service:DesiredCount'), undefined);
    assert.deepEqual((await store.read.autoScaling.listPolicies(keyArgs)).items, []);
    assert.deepEqual((await store.read.autoScaling.listScheduledActions(keyArgs)).items, []);
    assert.ok((await activities()).length > 0);
  });
});
