/**
 * The store's behaviour suite for Application Auto Scaling: scalable targets (insert once,
 * versioned replace, filters and pages), policies and scheduled actions (upsert by name, filters,
 * pages, removed with their target), activities (newest first, replaced by id, pages, outlive
 * their target), what reset clears and what survives a reopen. Every store implementation must pass it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AutoScalingListQuery, ConflictError, type ScalableTargetRecord, type ScalingActivityRecord, type ScalingPolicyRecord, type ScheduledActionRecord,
} from '../../src/store/store.js';
import { describeStoreContract } from '../helpers/store-contract.js';

const DIM = 'ecs:service:DesiredCount';

function target(resourceId: string, extra: Partial<ScalableTargetRecord> = {}): ScalableTargetRecord {
  return {
    serviceNamespace: 'ecs', resourceId, scalableDimension: DIM, arn: `arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/${resourceId.replace(/\//g, '')}`,
    minCapacity: 1, maxCapacity: 4, roleArn: 'arn:aws:iam::123456789012:role/r',
    suspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false },
    scaling: {}, createdAt: 1_000, version: 1, ...extra,
  };
}

function policy(resourceId: string, name: string, extra: Partial<ScalingPolicyRecord> = {}): ScalingPolicyRecord {
  return {
    serviceNamespace: 'ecs', resourceId, scalableDimension: DIM, name, arn: `arn:policy:${resourceId}:${name}`, policyType: 'TargetTrackingScaling',
    configuration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } },
    alarms: [{ AlarmName: `TargetTracking-${resourceId}-AlarmHigh-1`, AlarmARN: 'arn:alarm' }], createdAt: 2_000, ...extra,
  };
}

function action(resourceId: string, name: string, extra: Partial<ScheduledActionRecord> = {}): ScheduledActionRecord {
  return {
    serviceNamespace: 'ecs', resourceId, scalableDimension: DIM, name, arn: `arn:action:${resourceId}:${name}`, schedule: 'rate(5 minutes)',
    createdAt: 3_000, updatedAt: 3_000, ...extra,
  };
}

function activity(resourceId: string, id: string, extra: Partial<ScalingActivityRecord> = {}): ScalingActivityRecord {
  return {
    id, serviceNamespace: 'ecs', resourceId, scalableDimension: DIM, description: 'Setting desired count to 2.', cause: 'c', startTime: 4_000,
    statusCode: 'Successful', ...extra,
  };
}

describeStoreContract('auto scaling', 'pier-store-autoscaling-', (subject) => {
  const repo = () => subject.store.read.autoScaling;

  test('targets: inserted once, replaced only at their version, found by key', async () => {
    const a = target('service/c/a');
    await subject.store.transaction((tx) => tx.autoScaling.putTarget(a));
    assert.deepEqual(await repo().getTarget('ecs', 'service/c/a', DIM), a);
    assert.equal(await repo().getTarget('ecs', 'service/c/a', 'other'), undefined);
    await assert.rejects(subject.store.transaction((tx) => tx.autoScaling.putTarget(a)), ConflictError);
    const b = { ...a, minCapacity: 2, maxCapacity: 9, scaling: { lastScaleOutAt: 5 }, version: 2 };
    await subject.store.transaction((tx) => tx.autoScaling.putTarget(b, 1));
    await assert.rejects(subject.store.transaction((tx) => tx.autoScaling.putTarget({ ...b, minCapacity: 7, version: 2 }, 1)), ConflictError);
    assert.deepEqual(await repo().getTarget('ecs', 'service/c/a', DIM), b, 'the refused write changed nothing');
  });

  test('targets: listed by resource ID within a namespace, filtered by IDs and dimension, in pages', async () => {
    await subject.store.transaction(async (tx) => {
      for (const id of ['service/c/d', 'service/c/b', 'service/c/c']) await tx.autoScaling.putTarget(target(id));
      await tx.autoScaling.putTarget({ ...target('table/t'), serviceNamespace: 'dynamodb', scalableDimension: 'dynamodb:table:ReadCapacityUnits' });
    });
    const ids = async (q: AutoScalingListQuery) => {
      const p = await repo().listTargets(q);
      return { ids: p.items.map((t) => t.resourceId), next: p.nextKey };
    };
    assert.deepEqual((await ids({ serviceNamespace: 'ecs', limit: 10 })).ids, ['service/c/a', 'service/c/b', 'service/c/c', 'service/c/d']);
    assert.deepEqual((await ids({ serviceNamespace: 'dynamodb', limit: 10 })).ids, ['table/t']);
    assert.deepEqual((await ids({ serviceNamespace: 'ecs', resourceIds: ['service/c/d', 'service/c/a', 'nope'], limit: 10 })).ids, ['service/c/a', 'service/c/d']);
    assert.deepEqual((await ids({ serviceNamespace: 'ecs', scalableDimension: 'other', limit: 10 })).ids, []);
    const first = await ids({ serviceNamespace: 'ecs', limit: 3 });
    assert.deepEqual(first.ids, ['service/c/a', 'service/c/b', 'service/c/c']);
    assert.ok(first.next);
    assert.deepEqual(await ids({ serviceNamespace: 'ecs', limit: 3, afterKey: first.next! }), { ids: ['service/c/d'], next: undefined });
  });

  test('policies and scheduled actions: upsert by name, filtered by names, paged; removed with their target', async () => {
    await subject.store.transaction(async (tx) => {
      await tx.autoScaling.putPolicy(policy('service/c/a', 'mem'));
      await tx.autoScaling.putPolicy(policy('service/c/a', 'cpu'));
      await tx.autoScaling.putPolicy(policy('service/c/b', 'cpu'));
      await tx.autoScaling.putPolicy(policy('service/c/a', 'cpu', { configuration: { TargetValue: 70 } }));
      await tx.autoScaling.putScheduledAction(action('service/c/a', 'night', { timezone: 'Europe/Paris', startTime: 10, endTime: 20, minCapacity: 0, maxCapacity: 1 }));
      await tx.autoScaling.putScheduledAction(action('service/c/a', 'day'));
      await tx.autoScaling.putScheduledAction(action('service/c/a', 'day', { schedule: 'cron(0 8 * * ? *)', lastAppliedAt: 99 }));
    });
    assert.deepEqual((await repo().getPolicy('ecs', 'service/c/a', DIM, 'cpu'))?.configuration, { TargetValue: 70 });
    const all = await repo().listPolicies({ serviceNamespace: 'ecs', limit: 10 });
    assert.deepEqual(all.items.map((p) => `${p.resourceId}:${p.name}`), ['service/c/a:cpu', 'service/c/a:mem', 'service/c/b:cpu']);
    const named = await repo().listPolicies({ serviceNamespace: 'ecs', names: ['cpu'], resourceIds: ['service/c/a'], limit: 10 });
    assert.deepEqual(named.items.map((p) => p.name), ['cpu']);
    const p1 = await repo().listPolicies({ serviceNamespace: 'ecs', limit: 2 });
    assert.equal(p1.items.length, 2);
    assert.deepEqual((await repo().listPolicies({ serviceNamespace: 'ecs', limit: 2, afterKey: p1.nextKey! })).items.map((p) => p.name), ['cpu']);
    assert.deepEqual(await repo().getScheduledAction('ecs', 'service/c/a', DIM, 'night'),
      action('service/c/a', 'night', { timezone: 'Europe/Paris', startTime: 10, endTime: 20, minCapacity: 0, maxCapacity: 1 }));
    assert.deepEqual(await repo().getScheduledAction('ecs', 'service/c/a', DIM, 'day'), action('service/c/a', 'day', { schedule: 'cron(0 8 * * ? *)', lastAppliedAt: 99 }));
    assert.deepEqual((await repo().listScheduledActions({ serviceNamespace: 'ecs', limit: 10 })).items.map((a) => a.name), ['day', 'night']);
    assert.equal(await subject.store.transaction((tx) => tx.autoScaling.removePolicy('ecs', 'service/c/a', DIM, 'mem')), true);
    assert.equal(await subject.store.transaction((tx) => tx.autoScaling.removePolicy('ecs', 'service/c/a', DIM, 'mem')), false);
    assert.equal(await subject.store.transaction((tx) => tx.autoScaling.removeScheduledAction('ecs', 'service/c/a', DIM, 'day')), true);
    assert.equal(await subject.store.transaction((tx) => tx.autoScaling.removeTarget('ecs', 'service/c/a', DIM)), true);
    assert.equal(await subject.store.transaction((tx) => tx.autoScaling.removeTarget('ecs', 'service/c/a', DIM)), false);
    assert.deepEqual((await repo().listPolicies({ serviceNamespace: 'ecs', limit: 10 })).items.map((p) => p.resourceId), ['service/c/b']);
    assert.deepEqual((await repo().listScheduledActions({ serviceNamespace: 'ecs', limit: 10 })).items, []);
  });

  test('activities: newest first, replaced by id, filtered, paged, kept after their target goes', async () => {
    await subject.store.transaction(async (tx) => {
      await tx.autoScaling.putActivity(activity('service/c/a', 'a1', { statusCode: 'InProgress' }));
      await tx.autoScaling.putActivity(activity('service/c/b', 'b1'));
      await tx.autoScaling.putActivity(activity('service/c/a', 'a2', { statusMessage: 'ok', endTime: 4_500 }));
      await tx.autoScaling.putActivity(activity('service/c/a', 'a1', { statusCode: 'Successful', endTime: 4_100 }));
    });
    const all = await repo().listActivities({ serviceNamespace: 'ecs', limit: 10 });
    assert.deepEqual(all.items.map((a) => a.id), ['a2', 'b1', 'a1'], 'replacing keeps an activity in its place');
    assert.deepEqual(all.items[2], activity('service/c/a', 'a1', { statusCode: 'Successful', endTime: 4_100 }));
    assert.deepEqual(all.items[0], activity('service/c/a', 'a2', { statusMessage: 'ok', endTime: 4_500 }));
    assert.deepEqual((await repo().listActivities({ serviceNamespace: 'ecs', resourceIds: ['service/c/a'], limit: 10 })).items.map((a) => a.id), ['a2', 'a1']);
    const p1 = await repo().listActivities({ serviceNamespace: 'ecs', limit: 2 });
    assert.deepEqual(p1.items.map((a) => a.id), ['a2', 'b1']);
    assert.deepEqual((await repo().listActivities({ serviceNamespace: 'ecs', limit: 2, afterKey: p1.nextKey! })).items.map((a) => a.id), ['a1']);
  });

  test('survives a reopen; reset clears it all', async () => {
    await subject.reopen();
    assert.ok(await repo().getTarget('ecs', 'service/c/b', DIM));
    assert.equal((await repo().listActivities({ serviceNamespace: 'ecs', limit: 10 })).items.length, 3);
    await subject.store.reset();
    assert.deepEqual((await repo().listTargets({ serviceNamespace: 'ecs', limit: 10 })).items, []);
    assert.deepEqual((await repo().listPolicies({ serviceNamespace: 'ecs', limit: 10 })).items, []);
    assert.deepEqual((await repo().listActivities({ serviceNamespace: 'ecs', limit: 10 })).items, []);
  });
});
