import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClientException, InvalidParameterException } from '../errors.js';
import { FARGATE_SIZES } from './fargate-sizes.js';
import { MAX_OVERRIDES_LENGTH, parseTaskOverrides } from './parse-overrides.js';
import { assertRejects, fargateRequest, register } from './test-fixtures.js';
import type { ContainerDefinition, TaskDefinitionBody, TaskOverride } from './types.js';

function definition(containers: ContainerDefinition[] = [{ name: 'app', image: 'nginx' }], cpu = '1024', memory = '2048'): TaskDefinitionBody {
  return register(fargateRequest({ cpu, memory, containerDefinitions: containers })).taskDefinition;
}

const twoContainers = (): TaskDefinitionBody => definition([
  { name: 'app', image: 'nginx', cpu: 512, memory: 1024 },
  { name: 'side', image: 'busybox', essential: false, memoryReservation: 256 },
]);

test('no overrides: the definition size and one empty override per container, as ECS echoes them', () => {
  const result = parseTaskOverrides(twoContainers(), undefined);
  assert.deepEqual(result.size, { cpu: 1024, memory: 2048, ephemeralStorageGiB: 20 });
  assert.deepEqual(result.overrides, {
    containerOverrides: [{ name: 'app' }, { name: 'side' }],
    inferenceAcceleratorOverrides: [],
  });
  assert.deepEqual(parseTaskOverrides(twoContainers(), {}).overrides, result.overrides);
});

test('container overrides are echoed in model order and merged into the per-container list', () => {
  const overrides: TaskOverride = {
    containerOverrides: [{ memory: 600, environment: [{ name: 'A', value: '1' }], command: ['run'], name: 'side' }],
    taskRoleArn: 'arn:aws:iam::123456789012:role/other',
  };
  const result = parseTaskOverrides(twoContainers(), overrides);
  assert.deepEqual(result.overrides, {
    containerOverrides: [{ name: 'app' }, { name: 'side', command: ['run'], environment: [{ name: 'A', value: '1' }], memory: 600 }],
    inferenceAcceleratorOverrides: [],
    taskRoleArn: 'arn:aws:iam::123456789012:role/other',
  });
  assert.deepEqual(Object.keys(result.overrides.containerOverrides?.[1] ?? {}), ['name', 'command', 'environment', 'memory']);
});

test('container override names must exist and be unique', () => {
  assertRejects(() => parseTaskOverrides(twoContainers(), { containerOverrides: [{ name: 'ghost', command: ['x'] }] }),
    InvalidParameterException, 'Override for container named ghost is not a container in the TaskDefinition.');
  assertRejects(() => parseTaskOverrides(twoContainers(), { containerOverrides: [{ command: ['x'] }] }),
    InvalidParameterException, /^Container override name must be specified/);
  assertRejects(() => parseTaskOverrides(twoContainers(), { containerOverrides: [{ name: 'app' }, { name: 'app' }] }),
    InvalidParameterException, "Container 'app' appears more than once in containerOverrides.");
});

test('task cpu/memory overrides are normalised and must form a Fargate pair', () => {
  const grown = parseTaskOverrides(definition(), { cpu: '2 vCPU', memory: '8GB' });
  assert.deepEqual(grown.size, { cpu: 2048, memory: 8192, ephemeralStorageGiB: 20 });
  assert.equal(grown.overrides.cpu, '2048');
  assert.equal(grown.overrides.memory, '8192');
  assertRejects(() => parseTaskOverrides(definition(), { cpu: '384' }), ClientException, "Invalid 'cpu' setting for task.");
  assertRejects(() => parseTaskOverrides(definition(), { memory: '16GB' }), ClientException,
    'No Fargate configuration exists for given values: 1024 CPU, 16384 memory. See the Amazon ECS documentation for the valid values.');
  assertRejects(() => parseTaskOverrides(definition(), { cpu: 'fast' }), InvalidParameterException,
    /^Invalid 'cpu' setting for task override\./);
});

test('only one of cpu/memory overridden: paired with the definition\'s other value', () => {
  assert.deepEqual(parseTaskOverrides(definition(), { memory: '8192' }).size, { cpu: 1024, memory: 8192, ephemeralStorageGiB: 20 });
  assertRejects(() => parseTaskOverrides(definition(), { cpu: '4096' }), ClientException,
    /^No Fargate configuration exists for given values: 4096 CPU, 2048 memory\./);
  assertRejects(() => parseTaskOverrides(definition(), { memory: '512' }), ClientException,
    /^No Fargate configuration exists for given values: 1024 CPU, 512 memory\./);
  assert.deepEqual(parseTaskOverrides(definition(), { cpu: '512' }).size, { cpu: 512, memory: 2048, ephemeralStorageGiB: 20 });
});

test('property: every table pair is a valid override of any definition', () => {
  const pairs = FARGATE_SIZES.flatMap((row) => row.memory.map((memory) => ({ cpu: row.cpu, memory })));
  const base = definition();
  fc.assert(fc.property(fc.constantFrom(...pairs), ({ cpu, memory }) => {
    const { size } = parseTaskOverrides(base, { cpu: String(cpu), memory: String(memory) });
    return size.cpu === cpu && size.memory === memory;
  }));
});

test('ephemeralStorage override: 21 and 200 accepted, 20 and 201 rejected, definition value used otherwise', () => {
  for (const sizeInGiB of [21, 200]) {
    const result = parseTaskOverrides(definition(), { ephemeralStorage: { sizeInGiB } });
    assert.equal(result.size.ephemeralStorageGiB, sizeInGiB);
    assert.deepEqual(result.overrides.ephemeralStorage, { sizeInGiB });
  }
  for (const sizeInGiB of [20, 201]) {
    assertRejects(() => parseTaskOverrides(definition(), { ephemeralStorage: { sizeInGiB } }), InvalidParameterException,
      `Invalid 'ephemeralStorage.sizeInGiB' setting for task override. The value must be between 21 and 200 GiB; got ${sizeInGiB}.`);
  }
  const withStorage = register(fargateRequest({ ephemeralStorage: { sizeInGiB: 60 } })).taskDefinition;
  assert.equal(parseTaskOverrides(withStorage, undefined).size.ephemeralStorageGiB, 60);
});

test('container cpu/memory overrides must be non-negative integers', () => {
  for (const field of ['cpu', 'memory', 'memoryReservation'] as const) {
    assert.ok(parseTaskOverrides(twoContainers(), { containerOverrides: [{ name: 'app', [field]: 0 }] }));
    assertRejects(() => parseTaskOverrides(twoContainers(), { containerOverrides: [{ name: 'side', [field]: -1 }] }),
      InvalidParameterException, `Invalid '${field}' override for container 'side'. The value must be a non-negative integer; got -1.`);
  }
});

test('container overrides must fit the effective task size', () => {
  // app reserves 512 CPU; the task has 1024.
  assert.ok(parseTaskOverrides(twoContainers(), { containerOverrides: [{ name: 'side', cpu: 512 }] }));
  assertRejects(() => parseTaskOverrides(twoContainers(), { containerOverrides: [{ name: 'side', cpu: 513 }] }), ClientException,
    /^The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'\. The containers reserve 1025/);
  assertRejects(() => parseTaskOverrides(twoContainers(), { containerOverrides: [{ name: 'app', memory: 2049 }] }), ClientException,
    "The 'memory' setting for container 'app' is greater than for the task (2049 MiB > 2048 MiB).");
  // Shrinking the task below what the containers hold is refused too.
  assertRejects(() => parseTaskOverrides(twoContainers(), { cpu: '512', memory: '1024' }), ClientException,
    /^The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'\. The containers reserve 1280 MiB/);
  assertRejects(() => parseTaskOverrides(twoContainers(), { containerOverrides: [{ name: 'side', memory: 256 }] }), InvalidParameterException,
    "Invalid memory override for container 'side'. 'memory' (256 MiB) must be greater than 'memoryReservation' (256 MiB).");
});

test(`overrides JSON: ${MAX_OVERRIDES_LENGTH} characters accepted, one more rejected`, () => {
  const sized = (length: number): TaskOverride => {
    const empty: TaskOverride = { containerOverrides: [{ name: 'app', command: [''] }] };
    const padding = length - JSON.stringify(empty).length;
    return { containerOverrides: [{ name: 'app', command: ['x'.repeat(padding)] }] };
  };
  assert.equal(JSON.stringify(sized(MAX_OVERRIDES_LENGTH)).length, MAX_OVERRIDES_LENGTH);
  assert.ok(parseTaskOverrides(definition(), sized(MAX_OVERRIDES_LENGTH)));
  assertRejects(() => parseTaskOverrides(definition(), sized(MAX_OVERRIDES_LENGTH + 1)), InvalidParameterException,
    'Container Overrides length must be at most 8192');
});

test('Fargate-only override rules: no GPUs, no inference accelerators', () => {
  assertRejects(() => parseTaskOverrides(definition(), { containerOverrides: [{ name: 'app', resourceRequirements: [{ type: 'GPU', value: '1' }] }] }),
    InvalidParameterException, /do not support GPU resource requirements\. The override for container 'app' requests a GPU\.$/);
  assertRejects(() => parseTaskOverrides(definition(), { inferenceAcceleratorOverrides: [{ deviceName: 'd', deviceType: 't' }] }),
    InvalidParameterException, 'Tasks using the Fargate launch type do not support inferenceAcceleratorOverrides.');
});

test('a definition without task size cannot be sized for Fargate unless the override supplies it', () => {
  const ec2 = register({ family: 'ec2', containerDefinitions: [{ name: 'app', image: 'x', memory: 128 }] }).taskDefinition;
  assertRejects(() => parseTaskOverrides(ec2, undefined), ClientException, "Fargate requires that 'cpu' be defined at the task level.");
  assert.deepEqual(parseTaskOverrides(ec2, { cpu: '256', memory: '512' }).size, { cpu: 256, memory: 512, ephemeralStorageGiB: 20 });
});

test('the input override is not mutated', () => {
  const overrides: TaskOverride = { cpu: '1 vCPU', containerOverrides: [{ name: 'app', environment: [{ name: 'A', value: '1' }] }] };
  const before = structuredClone(overrides);
  const result = parseTaskOverrides(definition(), overrides);
  result.overrides.containerOverrides?.[0]?.environment?.push({ name: 'B', value: '2' });
  assert.deepEqual(overrides, before);
});
