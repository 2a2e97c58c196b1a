import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CborDecodeError, decodeCbor, encodeCbor } from './codec.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => Buffer.from(h, 'hex');

test('Dates are tag 1 over epoch seconds: an integer when whole, a double otherwise; both decode to Dates', () => {
  assert.equal(hex(encodeCbor(new Date(1_700_000_000_000))), 'c11a6553f100');
  assert.equal(hex(encodeCbor(new Date(1_700_000_000_500))), 'c1fb41d954fc40200000');
  assert.deepEqual(decodeCbor(bytes('c11a6553f100')), new Date(1_700_000_000_000));
  assert.deepEqual(decodeCbor(bytes('c1fb41d954fc40200000')), new Date(1_700_000_000_500));
  assert.deepEqual(decodeCbor(bytes('c1f93c00')), new Date(1000), 'a half-precision float of seconds');
});

test('maps, lists, numbers and strings round-trip; undefined members are left out', () => {
  const v = { Namespace: 'App', MetricData: [{ MetricName: 'm', Value: 1.5, Values: [1, -2, 2 ** 40], Timestamp: new Date(0) }], Skip: undefined, N: null, B: true };
  const { Skip: _s, ...expected } = v;
  assert.deepEqual(decodeCbor(encodeCbor(v)), expected);
});

test('indefinite-length maps and lists decode; indefinite-length strings, which no SDK sends, are refused', () => {
  // {_ "a": [_ 1, 2], "b": "x"}
  assert.deepEqual(decodeCbor(bytes('bf6161 9f0102ff 6162 6178 ff'.replace(/ /g, ''))), { a: [1, 2], b: 'x' });
  assert.throws(() => decodeCbor(bytes('7f61786179ff')), CborDecodeError);
  assert.equal(decodeCbor(new Uint8Array()), undefined, 'an empty body');
});

test('malformed input and tags other than 1 are CborDecodeError', () => {
  for (const h of ['a1', 'ff', 'c16161', 'c26161', '1b']) assert.throws(() => decodeCbor(bytes(h)), CborDecodeError, h);
});
