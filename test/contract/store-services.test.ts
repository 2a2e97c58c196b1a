/**
 * The store's behaviour suite for services: records round-trip with their deployments, names are
 * unique per cluster, versioned writes refuse a stale version (racing scale and deploy), listing
 * by cluster, status and launch type in pages, counts per status, events newest first with only
 * the newest 100 kept, task protection set and cleared, reset and reopen.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConflictError, type ServiceRecord } from '../../src/store/store.js';
import { describeStoreContract } from '../helpers/store-contract.js';

function service(name: string, extra: Partial<ServiceRecord> = {}): ServiceRecord {
  return {
    clusterName: 'c1', name, arn: `arn:aws:ecs:us-east-1:123456789012:service/c1/${name}`, status: 'ACTIVE',
    body: { desiredCount: 2, taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1', launchType: 'FARGATE' },
    deployments: [{
      id: 'ecs-svc/1234567890123456789', status: 'PRIMARY', taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1',
      desiredCount: 2, failedTasks: 0, rolloutState: 'IN_PROGRESS', rolloutStateReason: 'ECS deployment ecs-svc/1234567890123456789 in progress.',
      launchType: 'FARGATE', createdAt: 1_000, updatedAt: 1_000,
    }],
    scheduler: {}, createdAt: 1_000, version: 1, ...extra,
  };
}

describeStoreContract('services', 'pier-store-services-', (subject) => {
  test('a service round-trips with its deployments; a second insert of the name conflicts and changes nothing', async () => {
    const web = service('web');
    await subject.store.transaction((tx) => tx.services.put(web));
    assert.deepEqual(await subject.store.read.services.get('c1', 'web'), web);
    assert.equal(await subject.store.read.services.get('c2', 'web'), undefined);
    await assert.rejects(subject.store.transaction((tx) => tx.services.put(service('web', { body: { desiredCount: 9 } }))), ConflictError);
    assert.deepEqual(await subject.store.read.services.get('c1', 'web'), web);
  });

  test('versioned writes: the expected version replaces, a stale one conflicts (two racing scales: one wins)', async () => {
    const current = (await subject.store.read.services.get('c1', 'web'))!;
    const scaled = { ...current, body: { ...current.body, desiredCount: 5 }, version: current.version + 1 };
    await subject.store.transaction((tx) => tx.services.put(scaled, current.version));
    const racing = { ...current, body: { ...current.body, desiredCount: 7 }, version: current.version + 1 };
    await assert.rejects(subject.store.transaction((tx) => tx.services.put(racing, current.version)), ConflictError);
    assert.equal((await subject.store.read.services.get('c1', 'web'))!.body.desiredCount, 5);
  });

  test('list: by cluster, by status, by launch type, in pages by name; across clusters; counts per status', async () => {
    await subject.store.transaction(async (tx) => {
      await tx.services.put(service('api', { body: { launchType: undefined, capacityProviderStrategy: [] } }));
      await tx.services.put(service('old', { status: 'DRAINING' }));
      await tx.services.put(service('zeta'));
      await tx.services.put(service('web', { clusterName: 'c2' }));
    });
    const names = (p: { items: ServiceRecord[] }) => p.items.map((s) => `${s.clusterName}/${s.name}`);
    assert.deepEqual(names(await subject.store.read.services.list({ clusterName: 'c1', limit: 10 })), ['c1/api', 'c1/old', 'c1/web', 'c1/zeta']);
    assert.deepEqual(names(await subject.store.read.services.list({ clusterName: 'c1', statuses: ['ACTIVE'], limit: 10 })), ['c1/api', 'c1/web', 'c1/zeta']);
    assert.deepEqual(names(await subject.store.read.services.list({ clusterName: 'c1', launchType: 'FARGATE', statuses: ['ACTIVE'], limit: 10 })), ['c1/web', 'c1/zeta']);
    const first = await subject.store.read.services.list({ clusterName: 'c1', limit: 2 });
    assert.deepEqual(names(first), ['c1/api', 'c1/old']);
    assert.equal(first.nextKey, 'old');
    const second = await subject.store.read.services.list({ clusterName: 'c1', limit: 2, afterName: first.nextKey! });
    assert.deepEqual(names(second), ['c1/web', 'c1/zeta']);
    assert.equal(second.nextKey, undefined);
    const across = await subject.store.read.services.list({ limit: 3 });
    assert.deepEqual(names(across), ['c1/api', 'c1/old', 'c1/web']);
    assert.deepEqual(names(await subject.store.read.services.list({ limit: 3, afterName: across.nextKey! })), ['c1/zeta', 'c2/web']);
    assert.deepEqual(await subject.store.read.services.countByStatus('c1'), { ACTIVE: 3, DRAINING: 1 });
    assert.deepEqual(await subject.store.read.services.countByStatus('nope'), {});
  });

  test('events: newest first, only the newest 100 kept, per service', async () => {
    await subject.store.transaction(async (tx) => {
      for (let i = 0; i < 105; i++) await tx.services.addEvents('c1', 'web', [{ id: `e${i}`, createdAt: 1_000 + i, message: `m${i}` }]);
      await tx.services.addEvents('c1', 'api', [{ id: 'a0', createdAt: 5, message: 'api' }, { id: 'a1', createdAt: 6, message: 'api 2' }]);
    });
    const events = await subject.store.read.services.events('c1', 'web', 1000);
    assert.equal(events.length, 100);
    assert.equal(events[0]!.id, 'e104');
    assert.equal(events[99]!.id, 'e5');
    assert.deepEqual((await subject.store.read.services.events('c1', 'api', 10)).map((e) => e.message), ['api 2', 'api']);
    assert.deepEqual((await subject.store.read.services.events('c1', 'web', 2)).map((e) => e.id), ['e104', 'e103']);
  });

  test('task protection: set, replaced, cleared; per cluster', async () => {
    await subject.store.transaction(async (tx) => {
      await tx.taskProtection.put('c1', 't1', 5_000);
      await tx.taskProtection.put('c1', 't2', 6_000);
      await tx.taskProtection.put('c1', 't1', 9_000);
      await tx.taskProtection.put('c1', 't2', undefined);
    });
    assert.deepEqual([...await subject.store.read.taskProtection.get('c1', ['t1', 't2', 't3'])], [['t1', 9_000]]);
    assert.deepEqual([...await subject.store.read.taskProtection.get('c2', ['t1'])], []);
  });

  test('everything survives a reopen; reset removes services, events and protection', async () => {
    await subject.reopen();
    assert.equal((await subject.store.read.services.get('c1', 'web'))!.body.desiredCount, 5);
    assert.equal((await subject.store.read.services.events('c1', 'web', 1)).length, 1);
    await subject.store.reset();
    assert.equal(await subject.store.read.services.get('c1', 'web'), undefined);
    assert.deepEqual(await subject.store.read.services.events('c1', 'web', 10), []);
    assert.equal((await subject.store.read.taskProtection.get('c1', ['t1'])).size, 0);
  });
});
