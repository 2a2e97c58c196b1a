import { test } from 'node:test';
import assert from 'node:assert/strict';
import { regionCode } from './availability-zones.js';

test('zone ids use AWS region codes', () => {
  assert.deepEqual(['us-east-1', 'eu-west-2', 'ap-southeast-2', 'ap-northeast-1', 'ca-central-1', 'sa-east-1', 'local'].map(regionCode),
    ['use1', 'euw2', 'apse2', 'apne1', 'cac1', 'sae1', 'local']);
});
