import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryInUse, sampleOf } from './task-metrics-reporter.js';

test('a reading after another gives what the task used in between; the first gives memory only', () => {
  const arn = 'arn:aws:ecs:us-east-1:1:task/c/t';
  assert.deepEqual(sampleOf(arn, undefined, { at: 1000, cpuNs: 5e9, memoryBytes: 100, rxBytes: 10, txBytes: 20 }), { taskArn: arn, at: 1000, memoryBytes: 100 });
  assert.deepEqual(sampleOf(arn, { at: 1000, cpuNs: 5e9, rxBytes: 10, txBytes: 20 }, { at: 6000, cpuNs: 6.25e9, memoryBytes: 200, rxBytes: 110, txBytes: 20 }), {
    taskArn: arn, at: 6000, memoryBytes: 200, intervalMs: 5000, cpuNsDelta: 1.25e9, networkRxBytesDelta: 100, networkTxBytesDelta: 0,
  });
  const reset = sampleOf(arn, { at: 1000, cpuNs: 5e9 }, { at: 2000, cpuNs: 1e9 });
  assert.equal(reset.cpuNsDelta, undefined, 'counters that went backwards (a restarted sandbox) give no delta');
  assert.equal(reset.intervalMs, 1000);
});

test('memory in use is usage less the inactive file cache, as Docker counts it (v1 and v2 names)', () => {
  assert.equal(memoryInUse({ usage: 1000, stats: { total_inactive_file: 300 } }), 700);
  assert.equal(memoryInUse({ usage: 1000, stats: { inactive_file: 100 } }), 900);
  assert.equal(memoryInUse({ usage: 1000, stats: {} }), 1000);
  assert.equal(memoryInUse({ stats: {} }), undefined);
});
