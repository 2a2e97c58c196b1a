import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datetimeFormatRegex, DatetimeFormatError } from './strftime.js';

test('a datetime format matches lines that start with such a timestamp', () => {
  const iso = datetimeFormatRegex('%Y-%m-%dT%H:%M:%S');
  assert.ok(iso.test('2026-12-05T18:40:01 INFO started'));
  assert.ok(!iso.test('  at Object.<anonymous> (/app/x.js:1:1)'));
  assert.ok(!iso.test('x 2026-12-05T18:40:01'), 'anchored at the start');
  const syslog = datetimeFormatRegex('%b %d, %Y %I:%M:%S %p');
  assert.ok(syslog.test('Dec 05, 2026 06:40:01 PM something'));
  assert.ok(datetimeFormatRegex('[%F %T.%L]').test('[2026-12-05 18:40:01.123] x'));
  assert.ok(datetimeFormatRegex('100%% %Y').test('100% 2026'));
});

test('unknown directives are refused', () => {
  assert.throws(() => datetimeFormatRegex('%Q'), DatetimeFormatError);
  assert.throws(() => datetimeFormatRegex('%'), DatetimeFormatError);
});
