import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClientException } from '../errors.js';
import { assertRejects, fargateRequest, register } from './test-fixtures.js';
import type { ContainerCondition, ContainerDefinition, EfsVolumeConfiguration, Volume } from './types.js';

function definition(containers: ContainerDefinition[]) {
  return fargateRequest({ containerDefinitions: containers });
}

test('dependsOn: a START dependency on another container is accepted and kept', () => {
  const parsed = register(definition([
    { name: 'app', image: 'x', dependsOn: [{ containerName: 'db', condition: 'START' }] },
    { name: 'db', image: 'y' },
  ]));
  assert.deepEqual(parsed.taskDefinition.containerDefinitions[0]?.dependsOn, [{ containerName: 'db', condition: 'START' }]);
});

test('dependsOn: unknown target and self-dependency', () => {
  assertRejects(() => register(definition([{ name: 'app', image: 'x', dependsOn: [{ containerName: 'db', condition: 'START' }] }])),
    ClientException, "Invalid 'dependsOn' setting for container 'app'. Container 'db' is not defined in the task definition.");
  assertRejects(() => register(definition([{ name: 'app', image: 'x', dependsOn: [{ containerName: 'app', condition: 'START' }] }])),
    ClientException, "Invalid 'dependsOn' setting for container 'app'. A container cannot depend on itself.");
});

for (const condition of ['COMPLETE', 'SUCCESS'] as const) {
  test(`dependsOn: ${condition} is refused on an essential target and accepted on a non-essential one`, () => {
    const request = (initEssential: boolean | undefined) => definition([
      { name: 'app', image: 'x', dependsOn: [{ containerName: 'init', condition }] },
      { name: 'init', image: 'y', essential: initEssential },
    ]);
    assertRejects(() => register(request(undefined)), ClientException,
      `A dependency container with SUCCESS or COMPLETE condition cannot be an essential container. Container 'app' depends on essential container 'init' with condition ${condition}.`);
    assertRejects(() => register(request(true)), ClientException, /cannot be an essential container/);
    assert.ok(register(request(false)));
  });
}

test('dependsOn: HEALTHY needs a health check on the target', () => {
  const request = (healthCheck?: ContainerDefinition['healthCheck']) => definition([
    { name: 'app', image: 'x', dependsOn: [{ containerName: 'db', condition: 'HEALTHY' }] },
    { name: 'db', image: 'y', healthCheck },
  ]);
  assertRejects(() => register(request()), ClientException,
    "Invalid 'dependsOn' setting for container 'app'. Condition HEALTHY needs a healthCheck on container 'db', which has none.");
  assert.ok(register(request({ command: ['CMD', 'pg_isready'] })));
});

test('dependsOn: cycles are reported with their path', () => {
  assertRejects(() => register(definition([
    { name: 'a', image: 'x', dependsOn: [{ containerName: 'b', condition: 'START' }] },
    { name: 'b', image: 'x', dependsOn: [{ containerName: 'c', condition: 'START' }] },
    { name: 'c', image: 'x', dependsOn: [{ containerName: 'a', condition: 'START' }] },
  ])), ClientException, "Invalid 'dependsOn' setting for container 'a'. The container dependencies form a cycle: a -> b -> c -> a.");
});

/** Kahn's algorithm: true when the directed graph has no cycle. */
function isAcyclic(nodeCount: number, edges: readonly [number, number][]): boolean {
  const indegree = new Array<number>(nodeCount).fill(0);
  for (const [, to] of edges) indegree[to] = (indegree[to] ?? 0) + 1;
  const ready = indegree.flatMap((degree, node) => (degree === 0 ? [node] : []));
  let removed = 0;
  while (ready.length > 0) {
    const node = ready.pop() as number;
    removed += 1;
    for (const [from, to] of edges) {
      if (from !== node) continue;
      indegree[to] = (indegree[to] ?? 0) - 1;
      if (indegree[to] === 0) ready.push(to);
    }
  }
  return removed === nodeCount;
}

test('property: random START dependency graphs register exactly when they are acyclic', () => {
  const graph = fc.integer({ min: 2, max: 10 }).chain((n) => fc.record({
    n: fc.constant(n),
    edges: fc.uniqueArray(
      fc.tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n - 1 })).filter(([from, to]) => from !== to),
      { maxLength: 15, selector: ([from, to]) => `${from}>${to}` },
    ),
  }));
  fc.assert(fc.property(graph, ({ n, edges }) => {
    const containers: ContainerDefinition[] = Array.from({ length: n }, (_, i) => ({
      name: `c${i}`, image: 'x',
      dependsOn: edges.filter(([from]) => from === i).map(([, to]) => ({ containerName: `c${to}`, condition: 'START' as ContainerCondition })),
    }));
    if (isAcyclic(n, edges)) {
      register(definition(containers));
    } else {
      assertRejects(() => register(definition(containers)), ClientException, /The container dependencies form a cycle: (c\d -> )+c\d\.$/);
    }
  }), { numRuns: 400 });
});

function withVolumes(volumes: Volume[]) {
  return fargateRequest({ volumes });
}

test('volumes: names required, valid and unique', () => {
  assertRejects(() => register(withVolumes([{}])), ClientException, 'Volume.name should not be null or empty.');
  assertRejects(() => register(withVolumes([{ name: 'my vol' }])), ClientException, /^Volume\.name contains invalid characters\. Volume 'my vol'/);
  assert.ok(register(withVolumes([{ name: 'v'.repeat(255) }])));
  assertRejects(() => register(withVolumes([{ name: 'v'.repeat(256) }])), ClientException, /^Volume\.name contains invalid characters/);
  assertRejects(() => register(withVolumes([{ name: 'data' }, { name: 'data' }])), ClientException,
    "Volume names must be unique within a Task Definition. Duplicate name: 'data'.");
});

test('volumes: one source per volume, at most one configured at launch', () => {
  assertRejects(() => register(withVolumes([{ name: 'v', host: {}, efsVolumeConfiguration: { fileSystemId: 'fs-1' } }])), ClientException,
    /^Invalid setting for volume 'v'\. Specify only one of .*; got host and efsVolumeConfiguration\.$/);
  assert.ok(register(withVolumes([{ name: 'ebs', configuredAtLaunch: true }, { name: 'scratch' }])));
  assertRejects(() => register(withVolumes([{ name: 'a', configuredAtLaunch: true }, { name: 'b', configuredAtLaunch: true }])),
    ClientException, "Only one volume in a task definition can be configured at launch; volumes 'a', 'b' set configuredAtLaunch.");
});

function efs(config: Partial<EfsVolumeConfiguration>) {
  return withVolumes([{ name: 'shared', efsVolumeConfiguration: { fileSystemId: 'fs-12345678', ...config } }]);
}

test('EFS: fileSystemId is required', () => {
  assertRejects(() => register(efs({ fileSystemId: '' })), ClientException,
    "Invalid 'efsVolumeConfiguration.fileSystemId' setting for volume 'shared'. A file system ID is required.");
});

test('EFS: with an access point the root directory must be omitted or "/"', () => {
  const accessPoint = { transitEncryption: 'ENABLED' as const, authorizationConfig: { accessPointId: 'fsap-1' } };
  assert.ok(register(efs(accessPoint)));
  assert.ok(register(efs({ ...accessPoint, rootDirectory: '/' })));
  assertRejects(() => register(efs({ ...accessPoint, rootDirectory: '/data' })), ClientException,
    "Invalid 'efsVolumeConfiguration.rootDirectory' setting for volume 'shared'. It must be omitted or '/' when an access point is used; got '/data'.");
  assert.ok(register(efs({ rootDirectory: '/data' })));
});

test('EFS: IAM authorization or an access point needs transit encryption', () => {
  const message = "Invalid 'efsVolumeConfiguration.transitEncryption' setting for volume 'shared'. Transit encryption must be ENABLED when IAM authorization or an access point is used.";
  assertRejects(() => register(efs({ authorizationConfig: { iam: 'ENABLED' } })), ClientException, message);
  assertRejects(() => register(efs({ transitEncryption: 'DISABLED', authorizationConfig: { accessPointId: 'fsap-1' } })), ClientException, message);
  assert.ok(register(efs({ transitEncryption: 'ENABLED', authorizationConfig: { iam: 'ENABLED' } })));
  assert.ok(register(efs({ authorizationConfig: { iam: 'DISABLED' } })));
});
