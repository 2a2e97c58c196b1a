import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SequentialIds } from '../lib/ids.js';
import { IdPrefix, uniqueId } from './ids.js';
import { MANAGED_POLICIES, findManagedPolicy, managedPolicyArn, managedPolicyId } from './managed-policies.js';
import { PolicyKind, parsePolicyDocument } from './policy-document.js';

test('the catalogue: ordered by name, every document a valid identity policy, AWS ARNs and stable ANPA ids', () => {
  const names = MANAGED_POLICIES.map((p) => p.name);
  assert.deepEqual(names, [...names].sort());
  assert.deepEqual(names, [
    'AdministratorAccess', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonECSTaskExecutionRolePolicy', 'AmazonECS_FullAccess',
    'AmazonS3ReadOnlyAccess', 'CloudWatchLogsFullAccess', 'ReadOnlyAccess', 'SecretsManagerReadWrite',
  ]);
  for (const p of MANAGED_POLICIES) {
    assert.doesNotThrow(() => parsePolicyDocument(p.document, PolicyKind.identity), p.name);
    assert.match(managedPolicyId(p), /^ANPA[A-Z2-7]{17}$/);
    assert.equal(findManagedPolicy('aws', managedPolicyArn('aws', p)), p);
  }
  assert.equal(managedPolicyArn('aws', findManagedPolicy('aws', 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy')!),
    'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy');
  assert.equal(findManagedPolicy('aws', 'arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy'), undefined, 'the path is part of the ARN');
  assert.equal(new Set(MANAGED_POLICIES.map(managedPolicyId)).size, MANAGED_POLICIES.length);
});

test('role ids: AROA and 17 base32 characters from the id source', () => {
  const ids = new SequentialIds();
  const a = uniqueId(ids, IdPrefix.role);
  assert.match(a, /^AROA[A-Z2-7]{17}$/);
  assert.notEqual(uniqueId(ids, IdPrefix.role), a);
});
