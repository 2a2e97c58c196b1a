import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startFailureStreak, THROTTLE_MAX_MS, throttleDelayMs } from './launch-throttle.js';
import { failed, NOW, pending, startFailed, task } from './service-snapshot-support.test.js';

describe('throttle delay', () => {
  test('per round of desiredCount failures: the first retried at once, then the base doubling, at most 27 minutes', () => {
    assert.deepEqual([0, 1, 3, 4, 6, 7, 9, 10, 13].map((n) => throttleDelayMs(n, 3, 1000)), [0, 0, 0, 1000, 1000, 2000, 2000, 4000, 8000]);
    assert.deepEqual([1, 2, 3, 4].map((n) => throttleDelayMs(n, 1, 10_000)), [0, 10_000, 20_000, 40_000]);
    assert.equal(throttleDelayMs(40, 1, 10_000), THROTTLE_MAX_MS);
    assert.equal(THROTTLE_MAX_MS, 27 * 60_000);
    assert.equal(throttleDelayMs(40, 1, 0), 0, 'a base of 0 turns throttling off');
  });
});

describe('streak', () => {
  const none = { count: 0, lastAt: 0 };

  test('counts tasks that stopped before RUNNING since the deployment began, and when the latest did', () => {
    const tasks = [startFailed({ stoppingAtMs: NOW - 3000 }), startFailed({ stoppingAtMs: NOW - 1000 }), startFailed({ stoppingAtMs: NOW - 90_000 }), pending()];
    assert.deepEqual(startFailureStreak(tasks, NOW - 60_000, none), { count: 2, lastAt: NOW - 1000 });
  });

  test('tasks stopped after RUNNING (their command exited, failed health checks) and user stops do not count', () => {
    const tasks = [failed({ startedAtMs: NOW - 9000, stoppingAtMs: NOW - 100 }),
      failed({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed container health checks', startedAtMs: NOW - 9000 }),
      startFailed({ stopCode: 'UserInitiated' })];
    assert.deepEqual(startFailureStreak(tasks, NOW - 60_000, none), { count: 0, lastAt: 0 });
  });

  test('a task that reached RUNNING ends the streak; placement failures after it count', () => {
    const tasks = [startFailed({ stoppingAtMs: NOW - 5000 }), task({ startedAtMs: NOW - 4000 }), startFailed({ stoppingAtMs: NOW - 2000 })];
    assert.deepEqual(startFailureStreak(tasks, NOW - 60_000, { count: 2, lastAt: NOW - 500 }), { count: 3, lastAt: NOW - 500 });
    assert.deepEqual(startFailureStreak(tasks, NOW - 60_000, { count: 2, lastAt: NOW - 4500 }), { count: 1, lastAt: NOW - 2000 });
  });
});
