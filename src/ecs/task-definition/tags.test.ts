import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidParameterException } from '../errors.js';
import { validateTags } from './parse-overrides.js';
import { assertRejects } from './test-fixtures.js';

const tags = (count: number) => Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));

test('absent tags are an empty list; given tags are returned as {key, value}', () => {
  assert.deepEqual(validateTags(undefined), []);
  assert.deepEqual(validateTags(null), []);
  assert.deepEqual(validateTags([{ key: 'team', value: 'infra' }, { key: 'empty' }]), [
    { key: 'team', value: 'infra' }, { key: 'empty', value: '' },
  ]);
});

test('count: 50 accepted, 51 rejected; a smaller limit can be passed', () => {
  assert.equal(validateTags(tags(50)).length, 50);
  assertRejects(() => validateTags(tags(51)), InvalidParameterException, 'A resource can have at most 50 tags; 51 were given.');
  assert.equal(validateTags(tags(10), 10).length, 10);
  assertRejects(() => validateTags(tags(11), 10), InvalidParameterException, 'A resource can have at most 10 tags; 11 were given.');
});

test('key length: 1 and 128 accepted, 0 and 129 rejected (counted in characters)', () => {
  assert.ok(validateTags([{ key: 'k', value: '' }]));
  assert.ok(validateTags([{ key: 'k'.repeat(128), value: '' }]));
  assert.ok(validateTags([{ key: 'é'.repeat(128), value: '' }]));
  assertRejects(() => validateTags([{ key: '', value: 'v' }]), InvalidParameterException,
    'Tag keys must be between 1 and 128 characters; the key at index 0 has 0.');
  assertRejects(() => validateTags([{ key: 'k'.repeat(129), value: 'v' }]), InvalidParameterException,
    'Tag keys must be between 1 and 128 characters; the key at index 0 has 129.');
  assertRejects(() => validateTags([{ value: 'v' }]), InvalidParameterException, /the key at index 0 has 0\.$/);
});

test('value length: 0 and 256 accepted, 257 rejected', () => {
  assert.ok(validateTags([{ key: 'k', value: '' }]));
  assert.ok(validateTags([{ key: 'k', value: 'v'.repeat(256) }]));
  assertRejects(() => validateTags([{ key: 'k', value: 'v'.repeat(257) }]), InvalidParameterException,
    "Tag values must be at most 256 characters; the value of tag 'k' has 257.");
});

test('keys must be unique (case-sensitive)', () => {
  assertRejects(() => validateTags([{ key: 'a', value: '1' }, { key: 'a', value: '2' }]), InvalidParameterException,
    "Tag keys must be unique; 'a' appears more than once.");
  assert.equal(validateTags([{ key: 'a', value: '1' }, { key: 'A', value: '2' }]).length, 2);
});

test('the aws: prefix is reserved in any case', () => {
  for (const key of ['aws:createdBy', 'AWS:x', 'Aws:y']) {
    assertRejects(() => validateTags([{ key, value: 'v' }]), InvalidParameterException,
      `Tag key '${key}' is invalid: the 'aws:' prefix is reserved for AWS use.`);
  }
  assert.ok(validateTags([{ key: 'awsome', value: 'v' }, { key: 'my:aws:key', value: 'v' }]));
});

test('characters outside the model pattern are refused', () => {
  assertRejects(() => validateTags([{ key: 'a*b', value: 'v' }]), InvalidParameterException, /^Tag 'a\*b' contains invalid characters\./);
  assertRejects(() => validateTags([{ key: 'k', value: 'semi;colon' }]), InvalidParameterException, /^Tag 'k' contains invalid characters\./);
  assert.ok(validateTags([{ key: 'Ünïcode 名前 _.:/=+-@', value: 'ok 1' }]));
});

test('malformed tag lists are InvalidParameterException', () => {
  assertRejects(() => validateTags('team=infra'), InvalidParameterException, "'tags' must be a list of {key, value} objects.");
  assertRejects(() => validateTags(['team']), InvalidParameterException, "Tag at index 0 must be an object with 'key' and 'value'.");
  assertRejects(() => validateTags([{ key: 'k', value: 5 }]), InvalidParameterException, "The value of tag 'k' must be a string.");
});

test('property: valid generated tag sets are returned unchanged', () => {
  const safeChar = fc.constantFrom(...'abcXYZ019_.:/=+-@ '.split(''));
  const key = fc.string({ unit: safeChar, minLength: 1, maxLength: 128 }).filter((k) => !k.toLowerCase().startsWith('aws:'));
  const value = fc.string({ unit: safeChar, maxLength: 256 });
  const tagSet = fc.uniqueArray(fc.record({ key, value }), { maxLength: 50, selector: (tag) => tag.key });
  fc.assert(fc.property(tagSet, (set) => {
    // fast-check builds records without a prototype; compare as plain objects.
    assert.deepEqual(validateTags(set), set.map((tag) => ({ ...tag })));
  }));
});
