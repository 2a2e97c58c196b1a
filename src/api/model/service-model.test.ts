import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ServiceModel, ServiceModelError } from './service-model.js';

const ECS_MODEL = resolve(process.env['PIER_ROOT'] ?? process.cwd(), 'models/ecs-2014-11-13.json');

const minimal = () => ({
  metadata: { protocol: 'json', jsonVersion: '1.0', endpointPrefix: 'demo', targetPrefix: 'Demo_20240101' },
  operations: {
    Ping: { name: 'Ping', input: { shape: 'PingRequest' }, output: { shape: 'PingResponse' } },
    Noop: { name: 'Noop' },
  },
  shapes: {
    PingRequest: { type: 'structure', members: { id: { shape: 'Str' } }, required: ['id'] },
    PingResponse: { type: 'structure', members: {} },
    Str: { type: 'string' },
  },
});

test('loads the real ECS model and indexes metadata, operations and shapes', () => {
  const m = ServiceModel.fromFile(ECS_MODEL);
  assert.equal(m.targetPrefix, 'AmazonEC2ContainerServiceV20141113');
  assert.equal(m.signingName, 'ecs');
  assert.equal(m.protocol, 'json');
  assert.equal(m.jsonVersion, '1.1');
  assert.equal(m.apiVersion, '2014-11-13');
  assert.ok(m.hasOperation('RunTask'));
  assert.ok(m.hasOperation('DescribeTasks'));
  assert.ok(!m.hasOperation('Nope'));
  assert.ok(!m.hasOperation('toString'));
  assert.ok(!m.hasOperation('__proto__'));
  assert.equal(m.inputShapeName('RunTask'), 'RunTaskRequest');
  assert.equal(m.outputShapeName('RunTask'), 'RunTaskResponse');
  assert.equal(m.inputShapeName('Nope'), undefined);
  assert.ok(m.operation('RunTask')?.errors.includes('InvalidParameterException'));
  assert.equal(m.operationNames.length, 77);

  const req = m.shape('RunTaskRequest');
  assert.equal(req?.type, 'structure');
  if (req?.type === 'structure') assert.deepEqual(req.required, ['taskDefinition']);
  const launchType = m.shape('LaunchType');
  assert.equal(launchType?.type, 'string');
  if (launchType?.type === 'string') assert.ok(launchType.enum?.includes('FARGATE'));
  assert.equal(m.shape('NoSuchShape'), undefined);
  assert.equal(m.shape('constructor'), undefined);
});

test('operations without input report undefined input shape', () => {
  const m = ServiceModel.fromJson(minimal());
  assert.ok(m.hasOperation('Noop'));
  assert.equal(m.inputShapeName('Noop'), undefined);
  assert.equal(m.inputShapeName('Ping'), 'PingRequest');
  assert.equal(m.signingName, 'demo', 'signingName falls back to endpointPrefix');
  assert.equal(m.jsonVersion, '1.0');
  assert.deepEqual([...m.shapeNames()], ['PingRequest', 'PingResponse', 'Str']);
});

test('rejects malformed models with ServiceModelError', () => {
  const cases: [string, (j: ReturnType<typeof minimal>) => unknown][] = [
    ['not an object', () => []],
    ['no shapes', (j) => ({ ...j, shapes: undefined })],
    ['no protocol', (j) => ({ ...j, metadata: { endpointPrefix: 'x' } })],
    ['dangling member ref', (j) => ({ ...j, shapes: { ...j.shapes, Str: undefined, PingRequest: j.shapes.PingRequest } })],
    ['unknown type', (j) => ({ ...j, shapes: { ...j.shapes, Str: { type: 'character' } } })],
    ['required names unknown member', (j) => ({
      ...j,
      shapes: { ...j.shapes, PingRequest: { type: 'structure', members: {}, required: ['id'] } },
    })],
    ['dangling input', (j) => ({ ...j, operations: { X: { input: { shape: 'Missing' } } } })],
    ['input not a structure', (j) => ({ ...j, operations: { X: { input: { shape: 'Str' } } } })],
    ['bad enum', (j) => ({ ...j, shapes: { ...j.shapes, Str: { type: 'string', enum: [1] } } })],
  ];
  for (const [name, mutate] of cases) {
    const json = JSON.parse(JSON.stringify(mutate(minimal()) ?? null)) as unknown;
    assert.throws(() => ServiceModel.fromJson(json), ServiceModelError, name);
  }
});

test('fromFile names the file when it is missing or not JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pier-model-'));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{ nope');
  assert.throws(() => ServiceModel.fromFile(bad), (e: unknown) => e instanceof ServiceModelError && e.message.includes(bad));
  const missing = join(dir, 'missing.json');
  assert.throws(
    () => ServiceModel.fromFile(missing),
    (e: unknown) => e instanceof ServiceModelError && e.message.includes(missing),
  );
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify(minimal()));
  assert.equal(ServiceModel.fromFile(good).targetPrefix, 'Demo_20240101');
});
