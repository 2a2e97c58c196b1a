import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  FARGATE_SIZES, describeValidMemoryFor, isValidFargateCpu, isValidFargateSize, normalizeCpu, normalizeMemory,
} from './fargate-sizes.js';

function range(min: number, max: number, step: number): number[] {
  const values: number[] = [];
  for (let value = min; value <= max; value += step) values.push(value);
  return values;
}

/** fargate-semantics.md 3.3, transcribed row by row. */
const TABLE: readonly [number, readonly number[]][] = [
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16384, 1024)],
  [4096, range(8192, 30720, 1024)],
  [8192, range(16384, 61440, 4096)],
  [16384, range(32768, 122880, 8192)],
];
const TABLE_PAIRS = TABLE.flatMap(([cpu, memories]) => memories.map((memory) => [cpu, memory] as const));

function oracle(cpu: number, memory: number): boolean {
  return TABLE_PAIRS.some(([c, m]) => c === cpu && m === memory);
}

test('FARGATE_SIZES lists exactly the rows of the Fargate table', () => {
  assert.deepEqual(FARGATE_SIZES.map((row) => [row.cpu, [...row.memory]]), TABLE.map(([c, m]) => [c, [...m]]));
});

for (const [cpu, memories] of TABLE) {
  test(`every memory value in the ${cpu} CPU row is accepted`, () => {
    for (const memory of memories) assert.equal(isValidFargateSize(cpu, memory), true, `${cpu}/${memory}`);
  });
}

const REJECTED_NEIGHBOURS: readonly [number, number][] = [
  [256, 256], [256, 1536], [256, 3072], [512, 512], [512, 5120], [1024, 1024], [1024, 9216],
  [2048, 3072], [2048, 17408], [4096, 7168], [4096, 31744], [8192, 15360], [8192, 17408], [8192, 65536],
  [16384, 30720], [16384, 36864], [16384, 131072], [128, 512], [300, 1024], [32768, 65536], [1024, 2560],
];
for (const [cpu, memory] of REJECTED_NEIGHBOURS) {
  test(`${cpu} CPU / ${memory} MiB is rejected`, () => assert.equal(isValidFargateSize(cpu, memory), false));
}

test('the 4 GiB and 8 GiB increment rows include their second step (8192/20480, 16384/40960)', () => {
  // The table says "16384-61440 step 4096" and "32768-122880 step 8192", so these are valid.
  assert.equal(isValidFargateSize(8192, 20480), true);
  assert.equal(isValidFargateSize(16384, 40960), true);
});

test('Windows tasks only get the 1, 2 and 4 vCPU rows', () => {
  assert.equal(isValidFargateSize(256, 512, 'windows'), false);
  assert.equal(isValidFargateSize(512, 1024, 'windows'), false);
  assert.equal(isValidFargateSize(8192, 16384, 'windows'), false);
  assert.equal(isValidFargateSize(16384, 32768, 'windows'), false);
  assert.equal(isValidFargateSize(1024, 2048, 'windows'), true);
  assert.equal(isValidFargateSize(4096, 30720, 'windows'), true);
  assert.equal(isValidFargateCpu(2048, 'windows'), true);
  assert.equal(isValidFargateCpu(256, 'windows'), false);
});

test('property: isValidFargateSize agrees with the table for arbitrary pairs', () => {
  const tableCpu = fc.constantFrom(...TABLE.map(([cpu]) => cpu));
  const cpu = fc.oneof(tableCpu, fc.integer({ min: -1, max: 40000 }));
  const memory = fc.oneof(
    fc.integer({ min: 0, max: 260 }).map((n) => n * 512),
    fc.integer({ min: -1, max: 200000 }),
  );
  fc.assert(fc.property(cpu, memory, (c, m) => isValidFargateSize(c, m) === oracle(c, m)), { numRuns: 5000 });
});

test('describeValidMemoryFor names the values for a listed row and the ranges for stepped rows', () => {
  assert.equal(describeValidMemoryFor(256), 'valid memory values for 256 CPU are 512, 1024 and 2048 MiB');
  assert.equal(
    describeValidMemoryFor(8192),
    'valid memory values for 8192 CPU are 16384 to 61440 MiB in increments of 4096 MiB',
  );
  assert.match(describeValidMemoryFor(300), /300 is not a valid Fargate CPU value; valid CPU values are 256, 512/);
});

const CPU_FORMS: readonly [string, number | undefined][] = [
  ['256', 256], ['1024', 1024], [' 512 ', 512], ['1 vCPU', 1024], ['1vcpu', 1024], ['1 VCPU', 1024],
  ['.25 vcpu', 256], ['0.25 vCPU', 256], ['0.5 vCPU', 512], ['2 vCPU', 2048], ['16 vcpu', 16384],
  ['0.125 vCPU', 128], ['1.5 vCPU', 1536], ['1.', undefined], ['0.3 vCPU', undefined], ['', undefined],
  ['vCPU', undefined], ['1 cpu', undefined], ['-256', undefined], ['256.0', undefined], ['1e3', undefined],
  ['1 GB', undefined], ['one', undefined], ['99999999999999999999', undefined],
];
for (const [raw, expected] of CPU_FORMS) {
  test(`normalizeCpu(${JSON.stringify(raw)}) is ${String(expected)}`, () => assert.equal(normalizeCpu(raw), expected));
}

const MEMORY_FORMS: readonly [string, number | undefined][] = [
  ['512', 512], ['1GB', 1024], ['1 GB', 1024], ['1 gb', 1024], ['0.5GB', 512], ['.5 GB', 512], ['2GB', 2048],
  ['120 GB', 122880], [' 3GB ', 3072], ['0.1GB', undefined], ['1 GiB', undefined], ['1MB', undefined],
  ['', undefined], ['GB', undefined], ['-1GB', undefined], ['1 vCPU', undefined], ['1.5', undefined],
];
for (const [raw, expected] of MEMORY_FORMS) {
  test(`normalizeMemory(${JSON.stringify(raw)}) is ${String(expected)}`, () => assert.equal(normalizeMemory(raw), expected));
}

function randomCase(text: string): fc.Arbitrary<string> {
  return fc.array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((upper) => [...text].map((ch, i) => (upper[i] === true ? ch.toUpperCase() : ch.toLowerCase())).join(''));
}

test('property: plain integers normalise to themselves', () => {
  fc.assert(fc.property(fc.nat({ max: 10_000_000 }), (n) => normalizeCpu(String(n)) === n && normalizeMemory(String(n)) === n));
});

test('property: "<k> vCPU" normalises to k * 1024 for any spacing and case', () => {
  const vcpus = fc.constantFrom(0.125, 0.25, 0.5, 1, 2, 4, 8, 16);
  fc.assert(fc.property(vcpus, fc.constantFrom('', ' ', '  '), randomCase('vcpu'), (k, space, unit) =>
    normalizeCpu(`${k}${space}${unit}`) === k * 1024));
});

test('property: "<g> GB" normalises to g * 1024 MiB for any spacing and case', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 120 }), fc.constantFrom('', ' '), randomCase('gb'), (g, space, unit) =>
    normalizeMemory(`${g}${space}${unit}`) === g * 1024));
});
