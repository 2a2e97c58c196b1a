/**
 * The store's behaviour suite for IAM: roles (names unique regardless of case, found by name or by
 * ARN, listed by name with a path prefix and pages), their inline policies and attached managed
 * policies, what reset clears, and what survives a reopen. Every store implementation must pass it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConflictError, type RoleRecord, type Store } from '../../src/store/store.js';
import { describeStoreContract } from '../helpers/store-contract.js';

const TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const LOGS = 'arn:aws:iam::aws:policy/CloudWatchLogsFullAccess';

function role(name: string, path = '/', extra: Partial<RoleRecord> = {}): RoleRecord {
  return {
    roleId: `AROA${name.toUpperCase().padEnd(17, 'X').slice(0, 17)}`, name, path, arn: `arn:aws:iam::123456789012:role${path}${name}`,
    assumeRolePolicyDocument: TRUST, maxSessionDuration: 3600, tags: [], createdAt: 1_000, ...extra,
  };
}

describeStoreContract('IAM', 'pier-store-iam-', (subject) => {
  test('roles round-trip; found by name regardless of case and by exact ARN; names unique regardless of case', async () => {
    const app = role('AppRole', '/team/', { description: 'the app', tags: [{ key: 'team', value: 'core' }], maxSessionDuration: 7200 });
    await subject.store.transaction((tx) => tx.roles.insert(app));
    assert.deepEqual(await subject.store.read.roles.getByName('AppRole'), app);
    assert.deepEqual(await subject.store.read.roles.getByName('approle'), app);
    assert.deepEqual(await subject.store.read.roles.getByArn(app.arn), app);
    assert.equal(await subject.store.read.roles.getByArn(app.arn.toLowerCase()), undefined);
    assert.equal(await subject.store.read.roles.getByName('other'), undefined);
    await assert.rejects(subject.store.transaction((tx) => tx.roles.insert(role('APPROLE'))), ConflictError);
    assert.equal((await subject.store.read.roles.getByName('approle'))?.name, 'AppRole', 'the refused insert changed nothing');
  });

  test('list: by name regardless of case, a path prefix, pages that continue after a name', async () => {
    await subject.store.transaction(async (tx) => {
      for (const r of [role('beta'), role('Alpha', '/svc/'), role('gamma', '/svc/ecs/'), role('delta')]) await tx.roles.insert(r);
    });
    const names = async (opts: Parameters<Store['read']['roles']['list']>[0]) => {
      const page = await subject.store.read.roles.list(opts);
      return { names: page.items.map((r) => r.name), next: page.nextKey };
    };
    assert.deepEqual(await names({ limit: 10 }), { names: ['Alpha', 'AppRole', 'beta', 'delta', 'gamma'], next: undefined });
    assert.deepEqual(await names({ limit: 2 }), { names: ['Alpha', 'AppRole'], next: 'AppRole' });
    assert.deepEqual(await names({ limit: 2, afterName: 'AppRole' }), { names: ['beta', 'delta'], next: 'delta' });
    assert.deepEqual(await names({ limit: 2, afterName: 'delta' }), { names: ['gamma'], next: undefined });
    assert.deepEqual(await names({ limit: 10, pathPrefix: '/svc/' }), { names: ['Alpha', 'gamma'], next: undefined });
    assert.deepEqual(await names({ limit: 10, pathPrefix: '/svc/ecs/' }), { names: ['gamma'], next: undefined });
    assert.deepEqual(await names({ limit: 10, pathPrefix: '/nothing/' }), { names: [], next: undefined });
  });

  test('update replaces the trust policy, description and duration; recordUse sets the last use', async () => {
    const before_ = (await subject.store.read.roles.getByName('beta'))!;
    const changed = { ...before_, assumeRolePolicyDocument: '{"Statement":[]}', description: 'now described', maxSessionDuration: 43200 };
    await subject.store.transaction((tx) => tx.roles.update(changed));
    assert.deepEqual(await subject.store.read.roles.getByName('beta'), changed);
    await subject.store.transaction((tx) => tx.roles.recordUse(before_.roleId, 5_000, 'us-east-1'));
    assert.deepEqual((await subject.store.read.roles.getByName('beta'))?.lastUsed, { at: 5_000, region: 'us-east-1' });
  });

  test('inline policies: put replaces by name, listed by name, removed once', async () => {
    const id = (await subject.store.read.roles.getByName('AppRole'))!.roleId;
    await subject.store.transaction(async (tx) => {
      await tx.rolePolicies.putInline(id, 's3', '{"v":1}');
      await tx.rolePolicies.putInline(id, 'logs', '{"v":2}');
      await tx.rolePolicies.putInline(id, 's3', '{"v":3}');
    });
    assert.equal(await subject.store.read.rolePolicies.getInline(id, 's3'), '{"v":3}');
    assert.equal(await subject.store.read.rolePolicies.getInline(id, 'S3'), undefined);
    assert.deepEqual(await subject.store.read.rolePolicies.listInline(id), [{ name: 'logs', document: '{"v":2}' }, { name: 's3', document: '{"v":3}' }]);
    assert.equal(await subject.store.transaction((tx) => tx.rolePolicies.removeInline(id, 'logs')), true);
    assert.equal(await subject.store.transaction((tx) => tx.rolePolicies.removeInline(id, 'logs')), false);
    assert.deepEqual((await subject.store.read.rolePolicies.listInline(id)).map((p) => p.name), ['s3']);
  });

  test('attached policies: attaching twice is one attachment; counts per policy; detach once', async () => {
    const app = (await subject.store.read.roles.getByName('AppRole'))!.roleId;
    const beta = (await subject.store.read.roles.getByName('beta'))!.roleId;
    await subject.store.transaction(async (tx) => {
      await tx.rolePolicies.attach(app, LOGS);
      await tx.rolePolicies.attach(app, ADMIN);
      await tx.rolePolicies.attach(app, ADMIN);
      await tx.rolePolicies.attach(beta, ADMIN);
    });
    assert.deepEqual(await subject.store.read.rolePolicies.listAttached(app), [ADMIN, LOGS]);
    assert.deepEqual(await subject.store.read.rolePolicies.attachmentCounts(), new Map([[ADMIN, 2], [LOGS, 1]]));
    assert.equal(await subject.store.transaction((tx) => tx.rolePolicies.detach(beta, ADMIN)), true);
    assert.equal(await subject.store.transaction((tx) => tx.rolePolicies.detach(beta, ADMIN)), false);
    assert.deepEqual(await subject.store.read.rolePolicies.attachmentCounts(), new Map([[ADMIN, 1], [LOGS, 1]]));
  });

  test('a role with policies cannot be removed; without them it can, and its name is free again', async () => {
    const app = (await subject.store.read.roles.getByName('AppRole'))!;
    await assert.rejects(subject.store.transaction((tx) => tx.roles.remove(app.roleId)));
    assert.ok(await subject.store.read.roles.getByName('AppRole'), 'the refused remove changed nothing');
    await subject.store.transaction(async (tx) => {
      await tx.rolePolicies.removeInline(app.roleId, 's3');
      for (const arn of await tx.rolePolicies.listAttached(app.roleId)) await tx.rolePolicies.detach(app.roleId, arn);
      await tx.roles.remove(app.roleId);
    });
    assert.equal(await subject.store.read.roles.getByName('AppRole'), undefined);
    assert.equal(await subject.store.read.roles.getByArn(app.arn), undefined);
    await subject.store.transaction((tx) => tx.roles.insert(role('approle')));
    assert.equal((await subject.store.read.roles.getByName('AppRole'))?.name, 'approle');
  });

  test('roles and their policies survive a reopen; reset clears them and keeps the account', async () => {
    const gamma = (await subject.store.read.roles.getByName('gamma'))!;
    await subject.store.transaction(async (tx) => {
      await tx.rolePolicies.putInline(gamma.roleId, 'p', '{}');
      await tx.rolePolicies.attach(gamma.roleId, LOGS);
      await tx.meta.put('accountId', '123456789012');
    });
    await subject.reopen();
    assert.deepEqual(await subject.store.read.roles.getByArn(gamma.arn), gamma);
    assert.deepEqual(await subject.store.read.rolePolicies.listAttached(gamma.roleId), [LOGS]);
    await subject.store.reset();
    assert.deepEqual((await subject.store.read.roles.list({ limit: 100 })).items, []);
    assert.deepEqual(await subject.store.read.rolePolicies.attachmentCounts(), new Map());
    assert.deepEqual(await subject.store.read.rolePolicies.listInline(gamma.roleId), []);
    assert.equal(await subject.store.read.meta.get('accountId'), '123456789012');
  });
});
