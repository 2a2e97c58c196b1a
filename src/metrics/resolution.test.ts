import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignStart, isValidPeriod, tierForQuery, tiersFor } from './resolution.js';

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const DAY = 86_400_000;
const at = (iso: string): number => Date.parse(iso);

test('periods: 1, 5, 10, 20, 30 or multiples of 60', () => {
  for (const p of [1, 5, 10, 20, 30, 60, 120, 300, 3600, 86_400]) assert.ok(isValidPeriod(p), String(p));
  for (const p of [0, 2, 15, 45, 61, 90, 1.5, -60]) assert.ok(!isValidPeriod(p), String(p));
});

test('start times round down as CloudWatch rounds them', () => {
  assert.equal(alignStart(at('2026-06-15T11:32:34.500Z'), NOW, 60), at('2026-06-15T11:32:00Z'));
  assert.equal(alignStart(at('2026-06-15T11:32:34Z'), NOW, 300), at('2026-06-15T11:32:00Z'), 'within 15 days: to the minute');
  assert.equal(alignStart(at('2026-05-20T12:32:34Z'), NOW, 300), at('2026-05-20T12:30:00Z'), '15 to 63 days: to 5 minutes');
  assert.equal(alignStart(at('2026-03-01T12:32:34Z'), NOW, 3600), at('2026-03-01T12:00:00Z'), 'beyond 63 days: to the hour');
  assert.equal(alignStart(at('2026-06-15T11:05:23Z'), NOW, 10), at('2026-06-15T11:05:20Z'));
  assert.equal(alignStart(at('2026-06-15T11:07:17Z'), NOW, 5), at('2026-06-15T11:07:15Z'));
});

test('a query reads the finest tier that divides its period and still holds its start', () => {
  assert.equal(tierForQuery(60, NOW - 3_600_000, NOW)?.seconds, 60);
  assert.equal(tierForQuery(300, NOW - DAY, NOW)?.seconds, 60, '1-minute data sums into 5-minute periods');
  assert.equal(tierForQuery(10, NOW - 3_600_000, NOW)?.seconds, 1);
  assert.equal(tierForQuery(10, NOW - 4 * 3_600_000, NOW), undefined, 'high-resolution data is kept 3 hours');
  assert.equal(tierForQuery(60, NOW - 20 * DAY, NOW), undefined, 'beyond 15 days a 60 s period has no data');
  assert.equal(tierForQuery(300, NOW - 20 * DAY, NOW)?.seconds, 300);
  assert.equal(tierForQuery(600, NOW - 70 * DAY, NOW), undefined);
  assert.equal(tierForQuery(7200, NOW - 70 * DAY, NOW)?.seconds, 3600);
  assert.equal(tierForQuery(3600, NOW - 456 * DAY, NOW), undefined);
});

test('points are written at their resolution and every coarser one', () => {
  assert.deepEqual(tiersFor(1).map((t) => t.seconds), [1, 60, 300, 3600]);
  assert.deepEqual(tiersFor(60).map((t) => t.seconds), [60, 300, 3600]);
});
