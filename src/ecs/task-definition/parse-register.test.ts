import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClientException, InvalidParameterException } from '../errors.js';
import { FARGATE_SIZES } from './fargate-sizes.js';
import { MAX_DEFINITION_BYTES } from './parse-register.js';
import { EXECUTION_ROLE, assertRejects, fargateRequest, literal, register, withContainer } from './test-fixtures.js';
import type { ContainerDefinition } from './types.js';

test('a minimal Fargate definition gets the defaults ECS shows', () => {
  const parsed = register(withContainer({ portMappings: [{ containerPort: 80 }] }));
  assert.equal(parsed.family, 'web');
  assert.deepEqual(parsed.tags, []);
  assert.deepEqual(parsed.size, { cpu: 256, memory: 512, ephemeralStorageGiB: 20 });
  assert.deepEqual(parsed.taskDefinition, {
    containerDefinitions: [{
      name: 'app',
      image: 'nginx',
      cpu: 0,
      portMappings: [{ containerPort: 80, hostPort: 80, protocol: 'tcp' }],
      essential: true,
      environment: [],
      mountPoints: [],
      volumesFrom: [],
      systemControls: [],
    }],
    family: 'web',
    networkMode: 'awsvpc',
    volumes: [],
    requiresAttributes: [{ name: 'ecs.capability.task-eni' }],
    placementConstraints: [],
    compatibilities: ['EC2', 'FARGATE'],
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
  });
});

test('members keep the model order and members ECS does not know are dropped', () => {
  const request = { ...fargateRequest({ taskRoleArn: 'arn:aws:iam::123456789012:role/task' }), bogus: 1 };
  const parsed = register(request);
  assert.deepEqual(Object.keys(parsed.taskDefinition), [
    'containerDefinitions', 'family', 'taskRoleArn', 'networkMode', 'volumes', 'requiresAttributes',
    'placementConstraints', 'compatibilities', 'requiresCompatibilities', 'cpu', 'memory',
  ]);
});

test('explicit values are kept: essential false on a second container, protocol udp, given lists', () => {
  const parsed = register(fargateRequest({
    containerDefinitions: [
      { name: 'app', image: 'nginx', cpu: 128, environment: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] },
      { name: 'side', image: 'busybox', essential: false, portMappings: [{ containerPort: 53, hostPort: 53, protocol: 'udp' }] },
    ],
  }));
  const [app, side] = parsed.taskDefinition.containerDefinitions;
  assert.equal(app?.cpu, 128);
  assert.deepEqual(app?.environment, [{ name: 'A', value: '1' }, { name: 'A', value: '2' }]);
  assert.equal(side?.essential, false);
  assert.deepEqual(side?.portMappings, [{ containerPort: 53, hostPort: 53, protocol: 'udp' }]);
});

test('the input is not mutated and the output shares no objects with it', () => {
  const request = withContainer({ portMappings: [{ containerPort: 80 }] });
  const before = structuredClone(request);
  const parsed = register(request);
  assert.deepEqual(request, before);
  parsed.taskDefinition.containerDefinitions[0]?.portMappings?.push({ containerPort: 1 });
  assert.deepEqual(request, before);
});

test('"1 vCPU" / "2GB" are stored as unit strings and sized in units', () => {
  const parsed = register(fargateRequest({ cpu: '1 vCPU', memory: '2 GB' }));
  assert.equal(parsed.taskDefinition.cpu, '1024');
  assert.equal(parsed.taskDefinition.memory, '2048');
  assert.deepEqual(parsed.size, { cpu: 1024, memory: 2048, ephemeralStorageGiB: 20 });
});

test('empty role ARNs are dropped, given ones kept', () => {
  const parsed = register(fargateRequest({ taskRoleArn: '', executionRoleArn: EXECUTION_ROLE }));
  assert.equal('taskRoleArn' in parsed.taskDefinition, false);
  assert.equal(parsed.taskDefinition.executionRoleArn, EXECUTION_ROLE);
});

test('runtimePlatform, ephemeralStorage and tags are carried through', () => {
  const parsed = register(fargateRequest({
    runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
    ephemeralStorage: { sizeInGiB: 50 },
    tags: [{ key: 'team', value: 'infra' }],
  }));
  assert.deepEqual(parsed.taskDefinition.runtimePlatform, { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' });
  assert.deepEqual(parsed.taskDefinition.ephemeralStorage, { sizeInGiB: 50 });
  assert.equal(parsed.size.ephemeralStorageGiB, 50);
  assert.deepEqual(parsed.tags, [{ key: 'team', value: 'infra' }]);
});

test('invalid tags are rejected with InvalidParameterException', () => {
  assertRejects(() => register(fargateRequest({ tags: [{ key: 'aws:owner', value: 'x' }] })),
    InvalidParameterException, /'aws:' prefix is reserved/);
});

test('family: blank, too long, bad characters', () => {
  assertRejects(() => register(fargateRequest({ family: '' })), ClientException, 'Family can not be blank.');
  assert.equal(register(fargateRequest({ family: 'f'.repeat(255) })).family, 'f'.repeat(255));
  assertRejects(() => register(fargateRequest({ family: 'f'.repeat(256) })), ClientException,
    'Family must be at most 255 characters; got 256.');
  for (const family of ['my family', 'web.app', 'a/b', 'café']) {
    assertRejects(() => register(fargateRequest({ family })), ClientException, /^Family contains invalid characters\./);
  }
  assert.equal(register(fargateRequest({ family: 'A-z_0-9' })).family, 'A-z_0-9');
});

function containers(count: number): ContainerDefinition[] {
  return Array.from({ length: count }, (_, i) => ({ name: `c${i}`, image: 'busybox' }));
}

test('container count: 0 rejected, 1 and 10 accepted, 11 rejected', () => {
  assertRejects(() => register(fargateRequest({ containerDefinitions: [] })), ClientException, 'Container list cannot be empty.');
  assert.equal(register(fargateRequest({ containerDefinitions: containers(1) })).taskDefinition.containerDefinitions.length, 1);
  assert.equal(register(fargateRequest({ containerDefinitions: containers(10) })).taskDefinition.containerDefinitions.length, 10);
  assertRejects(() => register(fargateRequest({ containerDefinitions: containers(11) })), ClientException,
    'Too many containers. A task definition can have at most 10 containers; got 11.');
});

test('container names: missing, invalid characters, 255/256 characters, duplicates', () => {
  assertRejects(() => register(withContainer({ name: '' })), ClientException, 'Container.name should not be null or empty.');
  assertRejects(() => register(fargateRequest({ containerDefinitions: [{ image: 'nginx' }] })), ClientException,
    'Container.name should not be null or empty.');
  assertRejects(() => register(withContainer({ name: 'my app' })), ClientException, /^Container\.name contains invalid characters\. Container 'my app'/);
  assert.ok(register(withContainer({ name: 'n'.repeat(255) })));
  assertRejects(() => register(withContainer({ name: 'n'.repeat(256) })), ClientException, /at most 255 characters/);
  assertRejects(() => register(fargateRequest({ containerDefinitions: [{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }] })),
    ClientException, "Container names must be unique within a Task Definition. Duplicate name: 'a'.");
});

test('image is required', () => {
  assertRejects(() => register(withContainer({ image: '' })), ClientException,
    "Container.image should not be null or empty. Container 'app' has no image.");
});

test('at least one container must be essential', () => {
  assertRejects(() => register(fargateRequest({ containerDefinitions: [{ name: 'a', image: 'x', essential: false }] })),
    ClientException, /^Task definition must have at least one essential container\./);
  assert.ok(register(fargateRequest({
    containerDefinitions: [{ name: 'a', image: 'x', essential: false }, { name: 'b', image: 'x' }],
  })));
});

test('task cpu/memory that cannot be read are InvalidParameterException', () => {
  assertRejects(() => register(fargateRequest({ cpu: 'lots' })), InvalidParameterException,
    "Invalid 'cpu' setting for task. Expected CPU units such as '1024' or vCPUs such as '1 vCPU'; got 'lots'.");
  assertRejects(() => register(fargateRequest({ memory: '1 TB' })), InvalidParameterException,
    /^Invalid 'memory' setting for task\..*got '1 TB'\.$/);
});

test('property: every table pair registers; random other pairs fail with the ECS message', () => {
  const validPairs = FARGATE_SIZES.flatMap((row) => row.memory.map((memory) => ({ cpu: row.cpu, memory })));
  for (const { cpu, memory } of validPairs) {
    const parsed = register(fargateRequest({ cpu: String(cpu), memory: String(memory) }));
    assert.deepEqual(parsed.size, { cpu, memory, ephemeralStorageGiB: 20 });
  }
  const isTablePair = (cpu: number, memory: number): boolean => validPairs.some((p) => p.cpu === cpu && p.memory === memory);
  const tableCpu = fc.constantFrom(...FARGATE_SIZES.map((row) => row.cpu));
  fc.assert(fc.property(tableCpu, fc.integer({ min: 1, max: 130000 }), (cpu, memory) => {
    fc.pre(!isTablePair(cpu, memory));
    assertRejects(() => register(fargateRequest({ cpu: String(cpu), memory: String(memory) })), ClientException,
      `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`);
  }), { numRuns: 300 });
});

test('definition size: exactly 64 KiB is accepted, one byte more is rejected', () => {
  const sized = (bytes: number) => {
    const base = withContainer({ environment: [{ name: 'PAD', value: '' }] });
    const padding = bytes - Buffer.byteLength(JSON.stringify(base));
    return withContainer({ environment: [{ name: 'PAD', value: 'x'.repeat(padding) }] });
  };
  assert.ok(register(sized(MAX_DEFINITION_BYTES)));
  assertRejects(() => register(sized(MAX_DEFINITION_BYTES + 1)), ClientException,
    "Actual length: '65537'. Max allowed length is '65536' bytes.");
});

test('definition size counts UTF-8 bytes, not characters', () => {
  const base = withContainer({ environment: [{ name: 'PAD', value: '' }] });
  const room = MAX_DEFINITION_BYTES - Buffer.byteLength(JSON.stringify(base));
  // 'é' is two bytes: half as many characters as bytes of room, plus one, overflows.
  const request = withContainer({ environment: [{ name: 'PAD', value: 'é'.repeat(Math.floor(room / 2) + 1) }] });
  assertRejects(() => register(request), ClientException, literal('Max allowed length is'));
});

test('requiresAttributes lists capabilities the definition uses, each once', () => {
  const parsed = register(fargateRequest({
    executionRoleArn: EXECUTION_ROLE,
    taskRoleArn: 'arn:aws:iam::123456789012:role/task',
    containerDefinitions: [
      {
        name: 'app', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1',
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g', 'awslogs-region': 'r' } },
        healthCheck: { command: ['CMD', 'true'] },
        secrets: [{ name: 'S', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf' }],
      },
      {
        name: 'side', image: 'busybox', essential: false, dependsOn: [{ containerName: 'app', condition: 'HEALTHY' }],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g', 'awslogs-region': 'r' } },
      },
    ],
  }));
  assert.deepEqual(parsed.taskDefinition.requiresAttributes.map((a) => a.name), [
    'com.amazonaws.ecs.capability.logging-driver.awslogs',
    'com.amazonaws.ecs.capability.docker-remote-api.1.19',
    'ecs.capability.execution-role-awslogs',
    'ecs.capability.container-health-check',
    'ecs.capability.execution-role-ecr-pull',
    'ecs.capability.secrets.asm.environment-variables',
    'ecs.capability.container-ordering',
    'ecs.capability.task-eni',
    'com.amazonaws.ecs.capability.task-iam-role',
  ]);
});

test('requiresAttributes: SSM secrets, private registry credentials, FireLens and EFS', () => {
  const parsed = register(fargateRequest({
    executionRoleArn: EXECUTION_ROLE,
    volumes: [{ name: 'efs', efsVolumeConfiguration: { fileSystemId: 'fs-1', transitEncryption: 'ENABLED', authorizationConfig: { iam: 'ENABLED' } } }],
    containerDefinitions: [
      {
        name: 'app', image: 'registry.example.com/app', repositoryCredentials: { credentialsParameter: 'arn:aws:secretsmanager:r:1:secret:c' },
        secrets: [{ name: 'S', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/s' }],
        logConfiguration: { logDriver: 'awsfirelens' },
      },
      { name: 'router', image: 'fluent-bit', firelensConfiguration: { type: 'fluentbit' } },
    ],
  }));
  assert.deepEqual(parsed.taskDefinition.requiresAttributes.map((a) => a.name), [
    'com.amazonaws.ecs.capability.logging-driver.awsfirelens',
    'ecs.capability.secrets.ssm.environment-variables',
    'com.amazonaws.ecs.capability.private-registry-authentication.secretsmanager',
    'ecs.capability.firelens.fluentbit',
    'ecs.capability.task-eni',
    'ecs.capability.efs',
    'ecs.capability.efsAuth',
  ]);
});

test('proxyConfiguration must name a container of the definition', () => {
  assertRejects(() => register(fargateRequest({ proxyConfiguration: { type: 'APPMESH', containerName: 'envoy' } })),
    ClientException, /^Invalid 'proxyConfiguration\.containerName' setting for task\. Container 'envoy'/);
  assert.ok(register(fargateRequest({ proxyConfiguration: { type: 'APPMESH', containerName: 'app' } })));
});
