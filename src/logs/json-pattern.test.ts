import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileFilterPattern } from './filter-pattern.js';
import { evaluate, parseJsonPattern, requiredLiterals } from './json-pattern.js';

// AWS's own example documents for JSON patterns.
const TRAIL = JSON.stringify({
  eventType: 'UpdateTrail',
  sourceIPAddress: '111.111.111.111',
  arrayKey: ['value', 'another value'],
  objectList: [{ name: 'a', id: 1 }, { name: 'b', id: 2 }],
  SomeObject: null,
  ThisFlag: true,
});
const USERS = JSON.stringify({
  user: { id: 1, email: 'John.Stiles@example.com' },
  users: [{ id: 2, email: 'John.Doe@example.com' }, { id: 3, email: 'Jane.Doe@example.com' }],
  actions: ['GET', 'PUT', 'DELETE'],
  coordinates: [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
});

const m = (pattern: string, doc: string): boolean => compileFilterPattern(pattern).matches(doc);

test('equality on strings, array elements and nested objects', () => {
  assert.ok(m('{ $.eventType = "UpdateTrail" }', TRAIL));
  assert.ok(m('{ $.eventType = UpdateTrail }', TRAIL));
  assert.ok(!m('{ $.eventType = "updatetrail" }', TRAIL));
  assert.ok(m('{ $.arrayKey[0] = "value" }', TRAIL));
  assert.ok(m('{ $.arrayKey[1] = "another value" }', TRAIL));
  assert.ok(!m('{ $.arrayKey[2] = "value" }', TRAIL));
  assert.ok(m('{ $.objectList[1].id = 2 }', TRAIL));
  assert.ok(!m('{ $.eventType[0] = "U" }', TRAIL));
  assert.ok(m('{ $.coordinates[0][1] = 1 }', USERS));
});

test('wildcards at the start and end of a value; one in the middle is literal', () => {
  assert.ok(m('{ $.sourceIPAddress != 123.123.* }', TRAIL));
  assert.ok(m('{ $.sourceIPAddress = 111.111.* }', TRAIL));
  assert.ok(m('{ $.eventType = *Trail }', TRAIL));
  assert.ok(m('{ $.eventType = Update* }', TRAIL));
  assert.ok(m('{ $.eventType = *dateTr* }', TRAIL));
  assert.ok(m('{ $.eventType = * }', TRAIL));
  assert.ok(!m('{ $.missing = * }', TRAIL));
  assert.ok(!m('{ $.eventType = Up*Trail }', TRAIL));
  assert.ok(m('{ $.x = Up*Trail }', '{"x":"Up*Trail"}'));
  assert.ok(m('{ $.eventType = "*Trail" }', TRAIL));
});

test('IS NULL, IS TRUE, IS FALSE and NOT EXISTS', () => {
  assert.ok(m('{ $.SomeObject IS NULL }', TRAIL));
  assert.ok(!m('{ $.eventType IS NULL }', TRAIL));
  assert.ok(!m('{ $.Nothing IS NULL }', TRAIL));
  assert.ok(m('{ $.SomeOtherObject NOT EXISTS }', TRAIL));
  assert.ok(!m('{ $.SomeObject NOT EXISTS }', TRAIL));
  assert.ok(m('{ $.ThisFlag IS TRUE }', TRAIL));
  assert.ok(!m('{ $.ThisFlag IS FALSE }', TRAIL));
  assert.ok(m('{ $.ThisFlag is true }', TRAIL));
  assert.ok(m('{ $.f IS FALSE }', '{"f":false}'));
});

test('AWS compound examples: && binds tighter than ||, parentheses group', () => {
  assert.ok(m('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', USERS));
  assert.ok(!m('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', USERS));
  assert.ok(m('{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }', USERS));
  assert.ok(!m('{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }', USERS));
});

test('a selector reaching an object or array matches nothing, with = and != alike', () => {
  const doc = '{"users":[1,2,3],"o":{"a":1}}';
  assert.ok(!m('{ $.users = 1 }', doc));
  assert.ok(!m('{ $.users != 1 }', doc));
  assert.ok(!m('{ $.o != 1 }', doc));
  assert.ok(!m('{ $.missing != 1 }', doc));
});

test('numeric comparisons', () => {
  const doc = '{"latency":750,"code":"404","numbers":[0.005, 10],"neg":-3,"p":{"avg":55.5}}';
  assert.ok(m('{ $.latency >= 500 }', doc));
  assert.ok(m('{ $.latency > 5 }', doc));
  assert.ok(!m('{ $.latency < 500 }', doc));
  assert.ok(m('{ $.latency <= 750 }', doc));
  assert.ok(m('{ $.latency = 750.0 }', doc));
  assert.ok(m('{ $.latency != 751 }', doc));
  assert.ok(m('{ $.latency > +100 }', doc));
  assert.ok(m('{ $.numbers[0] < 10e-3 }', doc));
  assert.ok(m('{ $.numbers[1] < 10e3 }', doc));
  assert.ok(m('{ $.neg < -2.5 }', doc));
  assert.ok(m('{ $.p.avg <= 55.5 }', doc));
  assert.ok(m('{ $.code = 404 }', doc), 'a string field equals a number literal by its text');
  assert.ok(m('{ $.code >= 400 }', doc), 'a numeric string compares as a number');
  assert.ok(!m('{ $.missing > 1 }', doc));
  assert.ok(!m('{ $.p > 1 }', doc));
});

test('selector names may hold - _ and @; keywords are case-insensitive', () => {
  assert.ok(m('{ $.a-b_c@d = 1 }', '{"a-b_c@d":1}'));
  assert.ok(m('{ $.x not exists }', '{}'));
});

test('required literals: = strings narrow, everything else does not', () => {
  const req = (p: string) => requiredLiterals(parseJsonPattern(p));
  assert.deepEqual(req('$.a = "ERROR"'), [['ERROR']]);
  assert.deepEqual(req('$.a = *Trail'), [['Trail']]);
  assert.deepEqual(req('$.a = Up*Trail'), [['Up*Trail']]);
  assert.equal(req('$.a = *'), undefined);
  assert.equal(req('$.a = 400'), undefined);
  assert.equal(req('$.a = "400"'), undefined);
  assert.equal(req('$.a != "x"'), undefined);
  assert.equal(req('$.a > 5'), undefined);
  assert.equal(req('$.a IS NULL'), undefined);
  assert.deepEqual(req('$.a = "x" && $.b = "y"'), [['x', 'y']]);
  assert.deepEqual(req('$.a = "x" && $.b > 1'), [['x']]);
  assert.deepEqual(req('$.a = "x" || $.b = "y"'), [['x'], ['y']]);
  assert.equal(req('$.a = "x" || $.b > 1'), undefined);
  assert.deepEqual(req('($.a = "x" || $.a = "y") && $.c = "z"'), [['x', 'z'], ['y', 'z']]);
});

// Property: whenever a JSON pattern matches an event, the event's text contains every literal of
// one of the requirement's alternatives (the narrowing never loses a match).
test('property: the literal requirement never excludes a matching event', () => {
  const word = fc.constantFrom('ERROR', 'WARN', 'Trail', 'abc', 'x y', '404');
  const field = fc.constantFrom('a', 'b', 'c');
  const docArb = fc.record({ a: word, b: word, c: fc.oneof(word, fc.integer({ min: 0, max: 999 })) });
  const cmp = fc.tuple(field, fc.constantFrom('=', '!='), fc.oneof(word, word.map((w) => `*${w.slice(1)}`), word.map((w) => `${w.slice(0, 2)}*`)))
    .map(([f, op, v]) => `$.${f} ${op} "${v}"`);
  const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof({ depthSize: 'small', withCrossShrink: true }, cmp,
      fc.tuple(tie('e'), fc.constantFrom('&&', '||'), tie('e')).map(([l, o, r]) => `(${l}) ${o} (${r})`)),
  })).e;
  fc.assert(fc.property(docArb, expr, (doc, e) => {
    const text = JSON.stringify(doc);
    const parsed = parseJsonPattern(e);
    if (!evaluate(parsed, doc)) return true;
    const req = requiredLiterals(parsed);
    return req === undefined || req.some((alt) => alt.every((lit) => text.includes(lit)));
  }), { numRuns: 500 });
});
