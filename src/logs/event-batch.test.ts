import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchOf, chronological, eventsOf, messageAt, pick, slice, validUtf8 } from './event-batch.js';
import { decodeShipBody, encodeShipBody, ShipBodyError } from './ship-body.js';

const header = { taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/0123', containerName: 'app', source: 'stdout', fromOffset: 3, toOffset: 40 };

test('a batch keeps each message, its timestamp and offset; slices and picks share or copy them', () => {
  const b = batchOf([{ timestamp: 5, message: 'héllo', offset: 3 }, { timestamp: 4, message: '', offset: 10 }, { timestamp: 6, message: 'x y', offset: 11 }]);
  assert.deepEqual(b.ends, [6, 6, 9]);
  assert.equal(messageAt(b, 0), 'héllo');
  assert.deepEqual(eventsOf(slice(b, 1, 3)), [{ timestamp: 4, message: '', offset: 10 }, { timestamp: 6, message: 'x y', offset: 11 }]);
  assert.equal(slice(b, 0, 3), b);
  assert.deepEqual(eventsOf(pick(b, [2, 0])).map((e) => e.message), ['x y', 'héllo']);
  assert.deepEqual(eventsOf(chronological(b)).map((e) => e.timestamp), [4, 5, 6]);
});

test('invalid UTF-8 is stored as its decoding, the way a string would hold it', () => {
  const b = { timestamps: [1, 2], ends: [2, 4], data: Buffer.from([0x61, 0xff, 0x62, 0x63]), offsets: [0, 3] };
  const v = validUtf8(b);
  assert.deepEqual(eventsOf(v), [{ timestamp: 1, message: 'a\uFFFD', offset: 0 }, { timestamp: 2, message: 'bc', offset: 3 }]);
  assert.equal(v.data.length, 6);
  const fine = batchOf([{ timestamp: 1, message: 'ok' }]);
  assert.equal(validUtf8(fine), fine);
});

test('the binary ship body round-trips header and events, whatever alignment it arrives at', () => {
  const events = batchOf([{ timestamp: 1_764_000_000_123, message: 'one', offset: 3 }, { timestamp: 1_764_000_000_124, message: 'zwei – 2', offset: 7 }, { timestamp: 1_764_000_000_124, message: '3', offset: 39 }]);
  const body = encodeShipBody(header, events);
  for (const shift of [0, 1, 3]) {
    const moved = Buffer.alloc(body.length + shift);
    body.copy(moved, shift);
    const { header: h, events: e } = decodeShipBody(moved.subarray(shift));
    assert.deepEqual(h, header);
    assert.deepEqual(eventsOf(e), eventsOf(events));
  }
  const empty = decodeShipBody(encodeShipBody(header, batchOf([])));
  assert.equal(empty.events.timestamps.length, 0);
});

test('a malformed ship body is refused with a reason', () => {
  const good = encodeShipBody(header, batchOf([{ timestamp: 1, message: 'a', offset: 0 }, { timestamp: 2, message: 'b', offset: 2 }]));
  assert.throws(() => decodeShipBody(Buffer.from('{"taskArn":"x"}')), ShipBodyError);
  assert.throws(() => decodeShipBody(good.subarray(0, good.length - 1)), /do not fill/);
  assert.throws(() => decodeShipBody(Buffer.concat([good, Buffer.from('x')])), /do not fill/);
  const backwards = encodeShipBody(header, { timestamps: [1, 2], ends: [1, 2], data: Buffer.from('ab'), offsets: [5, 5] });
  assert.throws(() => decodeShipBody(backwards), /offset must be a byte offset after the previous one/);
  const fractional = encodeShipBody(header, { timestamps: [1.5], ends: [1], data: Buffer.from('a'), offsets: [0] });
  assert.throws(() => decodeShipBody(fractional), /integer timestamp/);
  assert.throws(() => decodeShipBody(encodeShipBody({ ...header, source: 'stdin' }, batchOf([]))), /source must be stdout or stderr/);
});
