/**
 * The usage ledger's contract: a task saved as stopped, after it started pulling, gets a ledger row
 * with the facts metering prices, in the same transaction; the row outlives the task's purge and
 * is refreshed by later writes; reset empties it. On SQLite, migration 11 also fills the ledger
 * from tasks that stopped before it ran.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, migrations } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { TaskUsageRecord } from '../../src/store/store.js';
import { describeStoreContract } from '../helpers/store-contract.js';
import { ARN, stopped, usageTask } from '../helpers/usage-tasks.js';

describeStoreContract('usage ledger', 'pier-store-usage-', (subject) => {
  test('a task saved as stopped gets its ledger row in that transaction; running and never-pulled tasks get none', async () => {
    const running = usageTask('run1', { pullAt: 1_765_000_000.25 });
    const spot = usageTask('spot1', { service: 'web', spot: true, pullAt: 1_765_000_010.0004, disk: 50 });
    const neverPulled = usageTask('nopull');
    await subject.store.transaction(async (tx) => {
      for (const r of [running, spot, neverPulled]) await tx.tasks.insert(r);
      await tx.tags.put(spot.task.taskArn, [{ key: 'team', value: 'blue' }]);
    });
    assert.deepEqual(await subject.store.read.taskUsage.list(), [], 'nothing stopped yet');
    await assert.rejects(subject.store.transaction(async (tx) => {
      await tx.tasks.update(stopped(spot, 1_765_000_100.5), 1);
      throw new Error('rolled back');
    }), /rolled back/);
    assert.deepEqual(await subject.store.read.taskUsage.list(), [], 'a rolled-back stop leaves no row');
    await subject.store.transaction(async (tx) => {
      await tx.tasks.update(stopped(spot, 1_765_000_100.5), 1);
      await tx.tasks.update(stopped(neverPulled, 1_765_000_100), 1);
    });
    const expected: TaskUsageRecord = {
      taskArn: spot.task.taskArn, clusterName: 'prod', family: 'api', serviceName: 'web', capacityProvider: 'FARGATE_SPOT',
      cpu: 512, memoryMiB: 1024, ephemeralStorageGiB: 50, pullStartedAtMs: Math.round(1_765_000_010.0004 * 1000), stoppedAtMs: 1_765_000_100_500,
      tags: { team: 'blue' },
    };
    assert.deepEqual(await subject.store.read.taskUsage.list(), [expected]);
  });

  test('the row outlives the purge of its task, and a task inserted already stopped is kept too', async () => {
    const direct = stopped(usageTask('direct1', { cluster: 'dev', pullAt: 1_765_000_000 }), 1_765_000_030);
    await subject.store.transaction((tx) => tx.tasks.insert(direct));
    const before = await subject.store.read.taskUsage.list();
    assert.deepEqual(before.map((u) => [u.taskArn, u.capacityProvider, u.ephemeralStorageGiB, u.serviceName, u.tags]),
      [[direct.task.taskArn, 'FARGATE', 20, undefined, {}], [ARN('prod', 'spot1'), 'FARGATE_SPOT', 50, 'web', { team: 'blue' }]]);
    assert.equal(await subject.store.transaction((tx) => tx.tasks.purgeStopped(Date.now())), 3, 'both charged stopped tasks and the never-pulled one are purged');
    assert.equal(await subject.store.read.tasks.get('prod', 'spot1'), undefined);
    assert.deepEqual(await subject.store.read.taskUsage.list(), before);
    await subject.reopen();
    assert.deepEqual(await subject.store.read.taskUsage.list(), before, 'kept across a restart');
  });

  test('reset empties the ledger', async () => {
    await subject.store.reset();
    assert.deepEqual(await subject.store.read.taskUsage.list(), []);
  });
});

test('sqlite: migration 11 fills the ledger from tasks that stopped before it ran', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pier-usage-migration-'));
  try {
    const path = join(dir, 'pier.db');
    const db = new Database(path);
    db.exec('CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    for (const m of migrations.filter((x) => x.id < 11)) {
      db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, 0)').run(m.id, m.name);
      db.exec(m.sql);
    }
    const old = stopped(usageTask('old1', { pullAt: 1_764_000_000.0015, spot: true }), 1_764_000_500);
    const live = usageTask('live1', { pullAt: 1_764_000_000 });
    for (const r of [old, live]) {
      db.prepare(`INSERT INTO tasks (cluster, id, host_id, family, service_name, desired_status, last_status, launch_type,
          task_definition_arn, size, doc, version, created_at, stopped_at, cpu, memory, disk)
        VALUES (?, ?, 'h1', 'api', NULL, ?, ?, 'FARGATE', 'x', '{}', ?, 1, 0, ?, 512, 1024, 20)`)
        .run(r.clusterName, r.id, r.task.desiredStatus, r.task.lastStatus, JSON.stringify(r.task), r.task.stoppedAt === undefined ? null : Math.round(r.task.stoppedAt * 1000));
    }
    db.prepare("INSERT INTO tags (resource_arn, key, value) VALUES (?, 'env', 'prod')").run(old.task.taskArn);
    assert.deepEqual(migrate(db), [...migrations.filter((x) => x.id >= 11).map((x) => x.id)]);
    db.close();
    const store = new SqliteStore(path);
    try {
      assert.deepEqual(await store.read.taskUsage.list(), [{
        taskArn: old.task.taskArn, clusterName: 'prod', family: 'api', capacityProvider: 'FARGATE_SPOT',
        cpu: 512, memoryMiB: 1024, ephemeralStorageGiB: 20,
        // The pull start rounded as metering rounds a held task's.
        pullStartedAtMs: Math.round(1_764_000_000.0015 * 1000), stoppedAtMs: 1_764_000_500_000,
        tags: { env: 'prod' },
      }]);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
