import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterException } from './errors.js';
import { MAX_KEY, decodeStreamToken, encodeStreamToken, pageTokens, planStreamRead } from './stream-tokens.js';

test('tokens look like AWS tokens and round-trip, negative timestamps included', () => {
  const t = encodeStreamToken('forward', 42, { ts: 1_767_225_600_000, id: 17 });
  assert.match(t, /^f\/\d{56}\/s$/);
  assert.deepEqual(decodeStreamToken(t, 42), { direction: 'forward', from: { ts: 1_767_225_600_000, id: 17 }, token: t });
  const b = encodeStreamToken('backward', 7, { ts: -1, id: MAX_KEY });
  assert.match(b, /^b\/\d{56}\/s$/);
  assert.deepEqual(decodeStreamToken(b, 7).from, { ts: -1, id: MAX_KEY });
});

test('a token from another stream, or not a token at all, is InvalidParameterException', () => {
  const t = encodeStreamToken('forward', 42, { ts: 5, id: 1 });
  for (const bad of [t.replace('f/', 'x/'), 'f/123/s', 'garbage', '']) {
    assert.throws(() => decodeStreamToken(bad, 42), InvalidParameterException, bad);
  }
  assert.throws(() => decodeStreamToken(t, 43), (e: unknown) => e instanceof InvalidParameterException && e.message === 'The specified nextToken is invalid.');
});

test('first calls: from the head reads forward from startTime; otherwise backward from endTime', () => {
  assert.deepEqual(planStreamRead(1, { startFromHead: true }), { direction: 'forward', from: { ts: -1, id: MAX_KEY } });
  assert.deepEqual(planStreamRead(1, { startFromHead: true, startTime: 1000 }), { direction: 'forward', from: { ts: 999, id: MAX_KEY } });
  assert.deepEqual(planStreamRead(1, {}), { direction: 'backward', from: { ts: MAX_KEY, id: MAX_KEY } });
  assert.deepEqual(planStreamRead(1, { endTime: 2000 }), { direction: 'backward', from: { ts: 1999, id: MAX_KEY } });
  const t = encodeStreamToken('backward', 1, { ts: 5, id: 9 });
  assert.deepEqual(planStreamRead(1, { nextToken: t, startFromHead: true }), { direction: 'backward', from: { ts: 5, id: 9 }, token: t }, 'the token decides the direction');
});

test('a page continues forward after its newest event and backward before its oldest', () => {
  const plan = planStreamRead(3, { startFromHead: true });
  const tokens = pageTokens(3, plan, { first: { ts: 100, id: 10 }, last: { ts: 200, id: 20 } }, undefined);
  assert.deepEqual(decodeStreamToken(tokens.nextForwardToken, 3), { direction: 'forward', from: { ts: 200, id: 20 }, token: tokens.nextForwardToken });
  assert.deepEqual(decodeStreamToken(tokens.nextBackwardToken, 3).from, { ts: 100, id: 9 });
});

test('an empty page answers the same token it was given, and the same boundary the other way', () => {
  const f = encodeStreamToken('forward', 3, { ts: 200, id: 20 });
  const fromF = pageTokens(3, planStreamRead(3, { nextToken: f }), undefined, undefined);
  assert.equal(fromF.nextForwardToken, f);
  assert.equal(fromF.nextBackwardToken, encodeStreamToken('backward', 3, { ts: 200, id: 20 }));
  const b = encodeStreamToken('backward', 3, { ts: 99, id: 9 });
  const fromB = pageTokens(3, planStreamRead(3, { nextToken: b }), undefined, undefined);
  assert.equal(fromB.nextBackwardToken, b);
  assert.equal(fromB.nextForwardToken, encodeStreamToken('forward', 3, { ts: 99, id: 9 }));
});

test('an empty first page leaves both tokens before the range, so reading forward picks up what comes later', () => {
  const t = pageTokens(3, planStreamRead(3, {}), undefined, 5000);
  assert.deepEqual(decodeStreamToken(t.nextForwardToken, 3).from, { ts: 4999, id: MAX_KEY });
  assert.deepEqual(decodeStreamToken(t.nextBackwardToken, 3).from, { ts: 4999, id: MAX_KEY });
});
