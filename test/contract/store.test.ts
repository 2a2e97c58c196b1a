/**
 * The store's behaviour suite. Every implementation must pass it; today SQLite, PostgreSQL next
 * (add a factory to `implementations`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Task } from '../../src/ecs/wire.js';
import { ConflictError, type ClusterRecord, type TaskRecord } from '../../src/store/store.js';
import { describeStoreContract } from '../helpers/store-contract.js';

const cluster = (name: string, version = 1): ClusterRecord => ({
  name, arn: `arn:aws:ecs:us-east-1:123456789012:cluster/${name}`, status: 'ACTIVE',
  body: { settings: [], capacityProviders: [], defaultCapacityProviderStrategy: [] }, createdAt: 1, version,
});

function task(id: string, opts: Partial<{ cluster: string; host: string; family: string; last: Task['lastStatus']; desired: Task['desiredStatus']; startedBy: string; stoppedAt: number; version: number }> = {}): TaskRecord {
  const c = opts.cluster ?? 'c1';
  return {
    id, clusterName: c, hostId: opts.host, family: opts.family ?? 'web', startedBy: opts.startedBy, serviceName: undefined,
    size: { cpu: 256, memory: 512, ephemeralStorageGiB: 20 }, networkConfiguration: undefined,
    task: {
      taskArn: `arn:aws:ecs:us-east-1:123456789012:task/${c}/${id}`, clusterArn: 'x', taskDefinitionArn: `arn:aws:ecs:us-east-1:123456789012:task-definition/${opts.family ?? 'web'}:1`,
      attachments: [], attributes: [], containers: [], cpu: '256', memory: '512', createdAt: 1, desiredStatus: opts.desired ?? 'RUNNING',
      lastStatus: opts.last ?? 'PROVISIONING', enableExecuteCommand: false, ephemeralStorage: { sizeInGiB: 20 },
      fargateEphemeralStorage: { sizeInGiB: 20 }, healthStatus: 'UNKNOWN', launchType: 'FARGATE', overrides: {},
      platformVersion: '1.4.0', platformFamily: 'Linux', version: opts.version ?? 1,
      ...(opts.stoppedAt !== undefined ? { stoppedAt: opts.stoppedAt / 1000 } : {}),
    },
  };
}

describeStoreContract('', 'pier-store-', (subject) => {
  test('a failed transaction leaves nothing behind', async () => {
    await assert.rejects(subject.store.transaction(async (tx) => {
      await tx.clusters.put(cluster('rolled-back'));
      throw new Error('boom');
    }), /boom/);
    assert.equal(await subject.store.read.clusters.get('rolled-back'), undefined);
  });

  test('versioned writes: a stale version is a ConflictError and changes nothing', async () => {
    await subject.store.transaction((tx) => tx.clusters.put(cluster('v')));
    await subject.store.transaction((tx) => tx.clusters.put({ ...cluster('v', 2), status: 'INACTIVE' }, 1));
    await assert.rejects(subject.store.transaction((tx) => tx.clusters.put({ ...cluster('v', 2), status: 'ACTIVE' }, 1)), ConflictError);
    assert.equal((await subject.store.read.clusters.get('v'))!.status, 'INACTIVE');
    await assert.rejects(subject.store.transaction((tx) => tx.clusters.put(cluster('v'))), ConflictError, 'insert of an existing key conflicts');
  });

  test('racing transactions serialize: concurrent increments are never lost', async () => {
    await subject.store.transaction((tx) => tx.meta.put('n', '0'));
    await Promise.all(Array.from({ length: 50 }, () => subject.store.transaction(async (tx) => {
      const n = Number(await tx.meta.get('n'));
      await tx.meta.put('n', String(n + 1));
    })));
    assert.equal(await subject.store.read.meta.get('n'), '50');
  });

  test('readers never see uncommitted writes', async () => {
    let seenInside: unknown = 'unset';
    await subject.store.transaction(async (tx) => {
      await tx.meta.put('pending', 'yes');
      seenInside = await subject.store.read.meta.get('pending');
    });
    assert.equal(seenInside, undefined);
    assert.equal(await subject.store.read.meta.get('pending'), 'yes');
  });

  test('task definition revisions count up per family and are never reused after removal', async () => {
    const revs: number[] = [];
    for (let i = 0; i < 3; i++) revs.push(await subject.store.transaction((tx) => tx.taskDefinitions.nextRevision('fam')));
    assert.deepEqual(revs, [1, 2, 3]);
    assert.equal(await subject.store.transaction((tx) => tx.taskDefinitions.nextRevision('other')), 1);
    const body = { family: 'fam' };
    for (const rev of [1, 2, 3]) {
      await subject.store.transaction((tx) => tx.taskDefinitions.put({
        family: 'fam', revision: rev, arn: `arn:td/fam:${rev}`, status: rev === 2 ? 'INACTIVE' : 'ACTIVE', body,
        size: { cpu: 256, memory: 512, ephemeralStorageGiB: 20 }, registeredAt: rev,
      }));
    }
    assert.equal((await subject.store.read.taskDefinitions.latestActive('fam'))!.revision, 3);
    await subject.store.transaction((tx) => tx.taskDefinitions.remove('fam', 3));
    assert.equal((await subject.store.read.taskDefinitions.latestActive('fam'))!.revision, 1);
    assert.equal(await subject.store.transaction((tx) => tx.taskDefinitions.nextRevision('fam')), 4);
    const desc = await subject.store.read.taskDefinitions.list({ sort: 'DESC', limit: 10, status: 'ACTIVE' });
    assert.deepEqual(desc.items.map((d) => d.revision), [1]);
    const families = await subject.store.read.taskDefinitions.listFamilies({ status: 'ALL', limit: 10 });
    assert.deepEqual(families.items, ['fam']);
  });

  test('task pages walk every matching task exactly once, in id order', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => i.toString(16).padStart(32, '0'));
    await subject.store.transaction(async (tx) => {
      for (const [i, id] of ids.entries()) {
        await tx.tasks.insert(task(id, { cluster: 'paged', desired: i % 5 === 0 ? 'STOPPED' : 'RUNNING', startedBy: i % 2 ? 'odd' : 'even' }));
      }
    });
    const seen: string[] = [];
    let afterId: string | undefined;
    do {
      const page = await subject.store.read.tasks.list({ clusterName: 'paged', desiredStatus: 'RUNNING', limit: 7, ...(afterId ? { afterId } : {}) });
      seen.push(...page.items.map((t) => t.id));
      afterId = page.nextKey;
    } while (afterId);
    assert.deepEqual(seen, ids.filter((_, i) => i % 5 !== 0));
    const odd = await subject.store.read.tasks.list({ clusterName: 'paged', desiredStatus: 'RUNNING', startedBy: 'odd', limit: 100 });
    assert.equal(odd.items.length, ids.filter((_, i) => i % 5 !== 0 && i % 2 === 1).length);
    assert.equal((await subject.store.read.tasks.getMany('paged', [ids[3]!, 'nope', ids[4]!])).length, 2);
  });

  test('docsInActiveCluster: stored task documents of an ACTIVE cluster in one read; undefined for a missing or INACTIVE cluster', async () => {
    const ids = ['d1', 'd2', 'd3'].map((p) => p.padEnd(32, '0'));
    await subject.store.transaction(async (tx) => {
      await tx.clusters.put(cluster('docs'));
      await tx.clusters.put(cluster('docs-other'));
      for (const id of ids.slice(0, 2)) await tx.tasks.insert(task(id, { cluster: 'docs' }));
      await tx.tasks.insert(task(ids[2]!, { cluster: 'docs-other' }));
    });
    const docs = await subject.store.read.tasks.docsInActiveCluster('docs', [ids[1]!, 'nope', ids[2]!, ids[0]!]);
    assert.deepEqual([...docs!.keys()].sort(), [ids[0], ids[1]]);
    assert.deepEqual(JSON.parse(docs!.get(ids[0]!)!), task(ids[0]!, { cluster: 'docs' }).task);
    assert.deepEqual([...(await subject.store.read.tasks.docsInActiveCluster('docs', [ids[1]!]))!.keys()], [ids[1]]);
    assert.equal((await subject.store.read.tasks.docsInActiveCluster('docs', ['nope']))!.size, 0);
    assert.equal((await subject.store.read.tasks.docsInActiveCluster('docs', []))!.size, 0);
    assert.equal(await subject.store.read.tasks.docsInActiveCluster('no-such-cluster', [ids[0]!]), undefined);
    await subject.store.transaction((tx) => tx.clusters.put({ ...cluster('docs', 2), status: 'INACTIVE' }, 1));
    assert.equal(await subject.store.read.tasks.docsInActiveCluster('docs', [ids[0]!]), undefined);
    assert.equal(await subject.store.read.tasks.docsInActiveCluster('docs', ids), undefined);
  });

  test('task updates are versioned; host usage counts only tasks that are not STOPPED', async () => {
    await subject.store.transaction(async (tx) => {
      await tx.tasks.insert(task('a'.repeat(32), { host: 'h1' }));
      await tx.tasks.insert(task('b'.repeat(32), { host: 'h1' }));
      await tx.tasks.insert(task('c'.repeat(32), { host: 'h1', last: 'STOPPED', desired: 'STOPPED', stoppedAt: 1000 }));
    });
    const usage = (await subject.store.read.tasks.hostUsage()).find((u) => u.hostId === 'h1')!;
    assert.deepEqual(usage.used, { cpu: 512, memory: 1024, ephemeralStorageGiB: 40 });
    assert.equal(usage.taskCount, 2);
    const a = (await subject.store.read.tasks.get('c1', 'a'.repeat(32)))!;
    const next = { ...a, task: { ...a.task, lastStatus: 'RUNNING' as const, version: 2 } };
    await subject.store.transaction((tx) => tx.tasks.update(next, 1));
    await assert.rejects(subject.store.transaction((tx) => tx.tasks.update(next, 1)), ConflictError);
    assert.equal((await subject.store.read.tasks.get('c1', 'a'.repeat(32)))!.task.lastStatus, 'RUNNING');
    assert.equal((await subject.store.read.tasks.onHost('h1')).length, 2);
    assert.equal(await subject.store.read.tasks.countActive('c1'), 2);
    assert.equal(await subject.store.transaction((tx) => tx.tasks.purgeStopped(999)), 0);
    assert.equal(await subject.store.transaction((tx) => tx.tasks.purgeStopped(1001)), 1);
    assert.equal(await subject.store.read.tasks.get('c1', 'c'.repeat(32)), undefined);
  });

  test('tags: put overwrites by key, remove by key, getMany groups by resource', async () => {
    await subject.store.transaction(async (tx) => {
      await tx.tags.put('arn:1', [{ key: 'a', value: '1' }, { key: 'b', value: '2' }]);
      await tx.tags.put('arn:1', [{ key: 'a', value: '9' }]);
      await tx.tags.put('arn:2', [{ key: 'c', value: '3' }]);
      await tx.tags.remove('arn:1', ['b', 'missing']);
    });
    assert.deepEqual(await subject.store.read.tags.get('arn:1'), [{ key: 'a', value: '9' }]);
    const many = await subject.store.read.tags.getMany(['arn:1', 'arn:2', 'arn:3']);
    assert.deepEqual(many.get('arn:2'), [{ key: 'c', value: '3' }]);
    assert.deepEqual(many.get('arn:3'), []);
  });

  test('reset removes user resources but keeps access keys, meta and hosts; data survives reopen', async () => {
    await subject.store.transaction(async (tx) => {
      await tx.accessKeys.put({ accessKeyId: 'AKIAKEEP', secretAccessKey: 's', userName: 'root', createdAt: 1 });
      await tx.hosts.put({ id: 'h-keep', availabilityZone: 'us-east-1a', capacity: { cpu: 1, memory: 1, ephemeralStorageGiB: 1 }, status: 'ACTIVE', tokenHash: 'x', hostname: undefined, runtimes: [], registeredAt: 1, lastHeartbeatAt: 1, version: 1 });
      await tx.clusters.put(cluster('doomed'));
    });
    await subject.store.reset();
    assert.equal(await subject.store.read.clusters.get('doomed'), undefined);
    assert.ok(await subject.store.read.accessKeys.get('AKIAKEEP'));
    assert.ok(await subject.store.read.hosts.get('h-keep'));
    await subject.store.transaction((tx) => tx.clusters.put(cluster('persisted')));
    await subject.reopen();
    assert.equal((await subject.store.read.clusters.get('persisted'))!.name, 'persisted');
    assert.equal(await subject.store.transaction((tx) => tx.taskDefinitions.nextRevision('after-reopen')), 1);
  });
});
