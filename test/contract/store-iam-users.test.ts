/**
 * The store's behaviour suite for IAM users: names unique regardless of case, found by name or id,
 * listed by name with a path prefix and pages; their access keys (status, per user and all);
 * their inline and attached policies; a user with children cannot be removed; reset clears users
 * and their keys but keeps the account's root keys; everything survives a reopen.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConflictError, type UserAccessKeyRecord, type UserRecord } from '../../src/store/store.js';
import { describeStoreContract } from '../helpers/store-contract.js';

const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}';
const LOGS = 'arn:aws:iam::aws:policy/CloudWatchLogsFullAccess';

function user(name: string, path = '/', extra: Partial<UserRecord> = {}): UserRecord {
  return {
    userId: `AIDA${name.toUpperCase().padEnd(17, 'X').slice(0, 17)}`, name, path, arn: `arn:aws:iam::123456789012:user${path}${name}`,
    tags: [], createdAt: 1_000, ...extra,
  };
}

const key = (id: string, userId: string, createdAt: number): UserAccessKeyRecord =>
  ({ accessKeyId: id, secretAccessKey: `secret-${id}`, userId, status: 'Active', createdAt });

describeStoreContract('IAM users', 'pier-store-iam-users-', (subject) => {
  test('users round-trip, by name in any case and by id; names unique regardless of case; lists by name, prefix and page', async () => {
    const alice = user('Alice', '/team/', { tags: [{ key: 'team', value: 'web' }] });
    await subject.store.transaction(async (tx) => {
      for (const u of [alice, user('bob'), user('carol', '/team/')]) await tx.users.insert(u);
    });
    assert.deepEqual(await subject.store.read.users.getByName('alice'), alice);
    assert.deepEqual(await subject.store.read.users.getById(alice.userId), alice);
    await assert.rejects(subject.store.transaction((tx) => tx.users.insert(user('ALICE'))), ConflictError);
    const first = await subject.store.read.users.list({ limit: 2 });
    assert.deepEqual(first.items.map((u) => u.name), ['Alice', 'bob']);
    assert.deepEqual((await subject.store.read.users.list({ limit: 2, afterName: first.nextKey! })).items.map((u) => u.name), ['carol']);
    assert.deepEqual((await subject.store.read.users.list({ limit: 10, pathPrefix: '/team/' })).items.map((u) => u.name), ['Alice', 'carol']);
  });

  test('access keys: per user oldest first, all of them, status, removal; a user with keys or policies cannot be removed', async () => {
    const alice = (await subject.store.read.users.getByName('alice'))!;
    const bob = (await subject.store.read.users.getByName('bob'))!;
    await subject.store.transaction(async (tx) => {
      await tx.userAccessKeys.insert(key('AKIAB', alice.userId, 2));
      await tx.userAccessKeys.insert(key('AKIAA', alice.userId, 1));
      await tx.userAccessKeys.insert(key('AKIAC', bob.userId, 3));
      await tx.userAccessKeys.setStatus('AKIAB', 'Inactive');
      await tx.userPolicies.putInline(bob.userId, 'ecs', POLICY);
      await tx.userPolicies.attach(bob.userId, LOGS);
    });
    assert.deepEqual((await subject.store.read.userAccessKeys.listByUser(alice.userId)).map((k) => [k.accessKeyId, k.status]), [['AKIAA', 'Active'], ['AKIAB', 'Inactive']]);
    assert.deepEqual((await subject.store.read.userAccessKeys.listAll()).map((k) => k.accessKeyId), ['AKIAA', 'AKIAB', 'AKIAC']);
    assert.deepEqual(await subject.store.read.userAccessKeys.get('AKIAC'), key('AKIAC', bob.userId, 3));
    assert.deepEqual(await subject.store.read.userPolicies.listInline(bob.userId), [{ name: 'ecs', document: POLICY }]);
    assert.deepEqual(await subject.store.read.userPolicies.listAttached(bob.userId), [LOGS]);
    await assert.rejects(subject.store.transaction((tx) => tx.users.remove(alice.userId)));
    assert.ok(await subject.store.read.users.getById(alice.userId), 'the refused removal changed nothing');
    await subject.store.transaction((tx) => tx.userAccessKeys.remove('AKIAA'));
    assert.equal(await subject.store.read.userAccessKeys.get('AKIAA'), undefined);
  });

  test('users, keys and policies survive a reopen; reset clears them and keeps the root keys', async () => {
    await subject.store.transaction((tx) => tx.accessKeys.put({ accessKeyId: 'AKIAROOT', secretAccessKey: 's', userName: 'root', createdAt: 1 }));
    await subject.reopen();
    const bob = (await subject.store.read.users.getByName('bob'))!;
    assert.deepEqual(await subject.store.read.userPolicies.listAttached(bob.userId), [LOGS]);
    assert.equal((await subject.store.read.userAccessKeys.listAll()).length, 2);
    await subject.store.reset();
    assert.deepEqual((await subject.store.read.users.list({ limit: 10 })).items, []);
    assert.deepEqual(await subject.store.read.userAccessKeys.listAll(), []);
    assert.equal((await subject.store.read.accessKeys.get('AKIAROOT'))?.userName, 'root');
  });
});
