import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerDefinition } from './task-definition/types.js';
import { awslogsConfig, AwslogsConfigError } from './awslogs-config.js';

const c = (options: Record<string, string> | undefined, logDriver = 'awslogs'): ContainerDefinition =>
  ({ name: 'web', logConfiguration: { logDriver, ...(options ? { options } : {}) } }) as ContainerDefinition;

test('the stream is prefix/container/task; create-group and the start pattern are read', () => {
  const cfg = awslogsConfig(c({ 'awslogs-group': '/ecs/app', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs', 'awslogs-create-group': 'True' }), 'abc');
  assert.equal(cfg?.logGroupName, '/ecs/app');
  assert.equal(cfg?.logStreamName, 'ecs/web/abc');
  assert.equal(cfg?.createGroup, true);
  assert.equal(cfg?.startPattern, undefined);
  const multi = awslogsConfig(c({ 'awslogs-group': 'g', 'awslogs-multiline-pattern': '^INFO|^ERROR' }), 'abc');
  assert.equal(multi?.logStreamName, 'abc');
  assert.ok(multi?.startPattern?.test('ERROR x'));
  const both = awslogsConfig(c({ 'awslogs-group': 'g', 'awslogs-multiline-pattern': '^INFO', 'awslogs-datetime-format': '%Y' }), 'abc');
  assert.ok(both?.startPattern?.test('2026 x'), 'the datetime format wins');
});

test('other drivers are not awslogs; bad options are refused', () => {
  assert.equal(awslogsConfig(c(undefined, 'json-file'), 'abc'), undefined);
  for (const bad of [{}, { 'awslogs-group': 'g', 'awslogs-create-group': 'yes' }, { 'awslogs-group': 'g', mode: 'fast' },
    { 'awslogs-group': 'g', 'max-buffer-size': 'lots' }, { 'awslogs-group': 'g', 'awslogs-multiline-pattern': '(' },
    { 'awslogs-group': 'g', 'awslogs-datetime-format': '%Q' }] as Record<string, string>[]) {
    assert.throws(() => awslogsConfig(c(bad), 'abc'), AwslogsConfigError, JSON.stringify(bad));
  }
  assert.ok(awslogsConfig(c({ 'awslogs-group': 'g', mode: 'non-blocking', 'max-buffer-size': '25m' }), 'abc'));
});
