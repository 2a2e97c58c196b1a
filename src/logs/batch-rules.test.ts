import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_BATCH_BYTES, MAX_BATCH_EVENTS, checkBatch, eventBytes, planBatch, splitIntoBatches, type InputLogEvent,
} from './batch-rules.js';
import { InvalidParameterException } from './errors.js';

const NOW = Date.UTC(2026, 5, 1);
const H = 3600_000;
const D = 24 * H;
const ev = (timestamp: number, message = 'm'): InputLogEvent => ({ timestamp, message });

const refused = (events: InputLogEvent[], message: string | RegExp): void => {
  assert.throws(() => checkBatch(events), (e: unknown) => {
    assert.ok(e instanceof InvalidParameterException);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
};

test('a batch in order, within limits, is accepted whole', () => {
  const events = [ev(NOW - H), ev(NOW - H), ev(NOW), ev(NOW + H)];
  assert.deepEqual(planBatch(events, NOW, undefined), { start: 0, end: 4, rejected: undefined });
});

test('out of chronological order: refused whole', () => {
  refused([ev(NOW), ev(NOW - 1)], 'Log events in a single PutLogEvents request must be in chronological order.');
});

test('spanning more than 24 hours: refused whole; exactly 24 hours is fine', () => {
  refused([ev(NOW - D - 1), ev(NOW)], 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
  assert.doesNotThrow(() => checkBatch([ev(NOW - D), ev(NOW)]));
});

test('size counts UTF-8 bytes plus 26 per event, up to 1,048,576', () => {
  assert.equal(eventBytes(ev(0, 'é')), 28);
  const fits = [ev(NOW, 'x'.repeat(MAX_BATCH_BYTES - 26))];
  assert.doesNotThrow(() => checkBatch(fits));
  refused([ev(NOW, 'x'.repeat(MAX_BATCH_BYTES - 25))], `Upload too large: ${MAX_BATCH_BYTES + 1} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
  refused([ev(NOW, 'é'.repeat((MAX_BATCH_BYTES - 26) / 2)), ev(NOW, 'x')], /^Upload too large/);
});

test('at most 10,000 events, at least one', () => {
  assert.doesNotThrow(() => checkBatch(Array.from({ length: MAX_BATCH_EVENTS }, () => ev(NOW))));
  refused(Array.from({ length: MAX_BATCH_EVENTS + 1 }, () => ev(NOW)), /1 to 10000 log events/);
  refused([], /1 to 10000 log events/);
});

test('too old (14 days), expired (retention) and too new (2 hours ahead) are reported, the rest accepted', () => {
  const events = [ev(NOW - 15 * D), ev(NOW - 14 * D - 1), ev(NOW - 14 * D + 1000), ev(NOW), ev(NOW + 2 * H), ev(NOW + 2 * H + 1)];
  refused(events, /cannot span more than 24 hours/);
  const late = [ev(NOW - 14 * D - 5), ev(NOW - 14 * D - 1), ev(NOW - 14 * D), ev(NOW - 14 * D + 10)];
  assert.deepEqual(planBatch(late, NOW, undefined), { start: 2, end: 4, rejected: { tooOldLogEventEndIndex: 2 } });
  const ahead = [ev(NOW + H), ev(NOW + 2 * H), ev(NOW + 2 * H + 1), ev(NOW + 3 * H)];
  assert.deepEqual(planBatch(ahead, NOW, undefined), { start: 0, end: 2, rejected: { tooNewLogEventStartIndex: 2 } });
  const retained = [ev(NOW - D - 3 * H), ev(NOW - D - 1), ev(NOW - D + 1), ev(NOW - 4 * H)];
  assert.deepEqual(planBatch(retained, NOW, 1), { start: 2, end: 4, rejected: { expiredLogEventEndIndex: 2 } });
  const allNew = [ev(NOW + 3 * H)];
  assert.deepEqual(planBatch(allNew, NOW, undefined), { start: 0, end: 0, rejected: { tooNewLogEventStartIndex: 0 } });
  const both = [ev(NOW - 15 * D), ev(NOW - 15 * D + 1)];
  assert.deepEqual(planBatch(both, NOW, 7), { start: 2, end: 2, rejected: { tooOldLogEventEndIndex: 2, expiredLogEventEndIndex: 2 } });
});

test('property: splitIntoBatches keeps every event, in timestamp order, in batches checkBatch accepts', () => {
  const arb = fc.array(fc.record({ timestamp: fc.integer({ min: NOW - 3 * D, max: NOW }), message: fc.string({ minLength: 1, maxLength: 40 }) }), { maxLength: 300 });
  fc.assert(fc.property(arb, (events) => {
    const batches = splitIntoBatches(events);
    for (const b of batches) checkBatch(b);
    const flat = batches.flat();
    assert.equal(flat.length, events.length);
    const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp);
    assert.deepEqual(flat, sorted, 'stable: same-timestamp events keep their order');
  }), { numRuns: 200 });
});

test('splitIntoBatches cuts at 10,000 events and 1 MB, and splits a message too big for any batch', () => {
  assert.deepEqual(splitIntoBatches(Array.from({ length: 25_000 }, () => ev(NOW))).map((b) => b.length), [10_000, 10_000, 5_000]);
  const big = splitIntoBatches([ev(NOW, 'a'.repeat(600_000)), ev(NOW, 'b'.repeat(600_000))]);
  assert.deepEqual(big.map((b) => b.length), [1, 1]);
  const huge = splitIntoBatches([ev(NOW, 'é'.repeat(1_000_000))]);
  assert.equal(huge.flat().map((e) => e.message).join(''), 'é'.repeat(1_000_000), 'pieces join back to the message');
  for (const b of huge) checkBatch(b);
});
