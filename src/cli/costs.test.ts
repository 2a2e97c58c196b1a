import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWhen } from './costs.js';

const NOW = Date.UTC(2026, 11, 6, 12);

test('pier costs --since/--until: durations before now and ISO times', () => {
  assert.equal(parseWhen('since', '90s', NOW), '2026-12-06T11:58:30.000Z');
  assert.equal(parseWhen('since', '12h', NOW), '2026-12-06T00:00:00.000Z');
  assert.equal(parseWhen('since', '7d', NOW), '2026-11-29T12:00:00.000Z');
  assert.equal(parseWhen('since', '2w', NOW), '2026-11-22T12:00:00.000Z');
  assert.equal(parseWhen('until', '2026-12-01', NOW), '2026-12-01T00:00:00.000Z');
  assert.equal(parseWhen('until', '2026-12-01T08:30:00+01:00', NOW), '2026-12-01T07:30:00.000Z');
  for (const bad of ['yesterday', '7 days', '-1h', '1y', '12/01/2026']) {
    assert.throws(() => parseWhen('since', bad, NOW), new RegExp(`^Error: --since must be a duration before now .* got '${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'$`));
  }
});
