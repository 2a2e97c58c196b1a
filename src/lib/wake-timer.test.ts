import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WakeTimer } from './wake-timer.js';

test('WakeTimer: sleeps, is cut short by wake(), and remembers a wake that came first', async () => {
  const t = new WakeTimer();
  let t0 = performance.now();
  await t.sleep(30);
  assert.ok(performance.now() - t0 >= 25);
  t0 = performance.now();
  setTimeout(() => t.wake(), 5);
  await t.sleep(5_000);
  assert.ok(performance.now() - t0 < 1_000);
  t.wake();
  t0 = performance.now();
  await t.sleep(5_000);
  assert.ok(performance.now() - t0 < 50, 'the earlier wake ends the next sleep at once');
  t0 = performance.now();
  await t.sleep(30);
  assert.ok(performance.now() - t0 >= 25, 'only once');
});
