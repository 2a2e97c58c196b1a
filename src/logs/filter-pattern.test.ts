import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterException } from './errors.js';
import { compileFilterPattern, decodedJsonStrings, parseTerms } from './filter-pattern.js';

const LINES = [
  '[ERROR] A fatal exception has occurred',
  'Exiting with ERRORCODE: -1',
  '[ERROR] Caught IllegalArgumentException',
  '[WARN] Failed to process the request',
  'ERROR WARN message',
  'WARN message',
  'error in lower case',
  'INFO all good',
];

const pick = (pattern: string, lines: readonly string[] = LINES): string[] => {
  const p = compileFilterPattern(pattern);
  return lines.filter((l) => p.matches(l));
};

const invalid = (pattern: string, message: RegExp | string = 'Invalid filter pattern'): void => {
  assert.throws(() => compileFilterPattern(pattern), (e: unknown) => {
    assert.ok(e instanceof InvalidParameterException, `${pattern}: ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message, pattern);
    else assert.match(e.message, message, pattern);
    return true;
  });
};

test('an empty or blank pattern matches every event', () => {
  for (const p of ['', '   ', undefined]) {
    const c = compileFilterPattern(p);
    assert.equal(c.kind, 'all');
    assert.ok(c.matches('anything'));
    assert.equal(c.requirement, undefined);
  }
});

test('a term matches case-sensitively anywhere in the message, also inside longer words', () => {
  assert.deepEqual(pick('ERROR'), [LINES[0], LINES[1], LINES[2], LINES[4]]);
  assert.deepEqual(pick('Exception'), [LINES[2]]);
  assert.deepEqual(pick('error'), [LINES[6]]);
});

test('several terms must all appear, in any order', () => {
  assert.deepEqual(pick('ERROR Exception'), [LINES[2]]);
  assert.deepEqual(pick('Exception ERROR'), [LINES[2]]);
  assert.deepEqual(pick('Failed to process the request'), [LINES[3]]);
  assert.deepEqual(pick('request Failed'), [LINES[3]]);
  assert.deepEqual(compileFilterPattern('ERROR Exception').requirement, [['ERROR', 'Exception']]);
});

test('a quoted phrase matches only as one exact substring', () => {
  const lines = ['Failed to process the request', 'process Failed to', 'Failed  to process'];
  assert.deepEqual(pick('"Failed to process"', lines), [lines[0]]);
  assert.deepEqual(pick('"Failed to" "the request"', lines), [lines[0]]);
  assert.deepEqual(pick('"ERRORCODE: -1"'), [LINES[1]]);
  assert.deepEqual(pick('"say \\"hi\\""', ['they say "hi" here', 'say hi']), ['they say "hi" here']);
  assert.deepEqual(compileFilterPattern('"Failed to process"').requirement, [['Failed to process']]);
});

test('?terms: any one of them', () => {
  assert.deepEqual(pick('?ERROR ?WARN'), [LINES[0], LINES[1], LINES[2], LINES[3], LINES[4], LINES[5]]);
  assert.deepEqual(pick('?fatal ?Illegal'), [LINES[0], LINES[2]]);
  assert.deepEqual(compileFilterPattern('?ERROR ?WARN').requirement, [['ERROR'], ['WARN']]);
});

test('-terms exclude, alone or with other terms, with or without a space after the minus', () => {
  assert.deepEqual(pick('ERROR -WARN'), [LINES[0], LINES[1], LINES[2]]);
  assert.deepEqual(pick('"ERROR" - "Exiting"'), [LINES[0], LINES[2], LINES[4]]);
  assert.deepEqual(pick('-ERROR'), [LINES[3], LINES[5], LINES[6], LINES[7]]);
  assert.deepEqual(pick('?WARN ?fatal -message'), [LINES[0], LINES[3]]);
  assert.equal(compileFilterPattern('-ERROR').requirement, undefined);
  assert.deepEqual(compileFilterPattern('ERROR -WARN').requirement, [['ERROR']]);
});

test('plain and ? terms together: every plain term and one of the ? terms', () => {
  assert.deepEqual(pick('message ?ERROR ?INFO'), [LINES[4]]);
  assert.deepEqual(compileFilterPattern('message ?ERROR ?INFO').requirement, [['message', 'ERROR'], ['message', 'INFO']]);
});

test('terms keep the characters AWS asks to quote, and parseTerms reports roles', () => {
  assert.deepEqual(parseTerms('a ?"b c" -d "e\\\\f"'), [
    { text: 'a', role: 'and' }, { text: 'b c', role: 'or' }, { text: 'd', role: 'not' }, { text: 'e\\f', role: 'and' },
  ]);
  assert.deepEqual(pick('user=u42', ['GET / user=u42 200', 'user=u4']), ['GET / user=u42 200']);
});

test('malformed unstructured patterns are InvalidParameterException "Invalid filter pattern"', () => {
  for (const p of ['"unterminated', 'ab"cd', '?', '- ', '"a"b', 'ERROR ?']) invalid(p);
});

test('space-delimited and regex patterns are refused as unsupported, with a clear message', () => {
  invalid('[ip, user, status=404]', /space-delimited/);
  invalid('%ERROR|WARN%', /regular expression/);
});

test('a pattern starting with { must be a whole JSON pattern', () => {
  for (const p of ['{ $.a = 1', '{}', '{ }', '{ a = 1 }', '{ $.a }', '{ $.a == 1 }', '{ $.a = }', '{ $.a > abc }',
    '{ $.a = 1 && }', '{ ($.a = 1 }', '{ $.a IS MAYBE }', '{ $.a NOT THERE }', '{ $. = 1 }', '{ $.a[x] = 1 }',
    '{ $.a = "open }', '{ $.a = 1 } trailing']) invalid(p);
});

test('JSON patterns only ever match JSON events', () => {
  const p = compileFilterPattern('{ $.level = "ERROR" }');
  assert.equal(p.kind, 'json');
  assert.ok(p.matches('{"level":"ERROR"}'));
  assert.ok(p.matches('  {"level": "ERROR", "n": 1}'));
  assert.ok(!p.matches('level=ERROR'));
  assert.ok(!p.matches('{"level":"ERROR"'));
  assert.ok(!p.matches('"ERROR"'));
  assert.ok(!p.matches('{"level":"WARN"}'));
});

test('decodedJsonStrings gives the strings of JSON messages with escapes, and nothing otherwise', () => {
  assert.deepEqual(decodedJsonStrings('{"a":"\\u0045RROR","b":["x\\"y",{"c\\n":1}]}'), ['a', 'ERROR', 'b', 'x"y', 'c\n']);
  assert.deepEqual(decodedJsonStrings('{"a":"ERROR"}'), []);
  assert.deepEqual(decodedJsonStrings('plain \\ text'), []);
  assert.deepEqual(decodedJsonStrings('{"broken\\": '), []);
});
