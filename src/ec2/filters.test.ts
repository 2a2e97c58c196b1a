import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ec2Error } from './errors.js';
import { compileFilters, globToRegExp, type FilterFields } from './filters.js';

interface R { id: string; cidr: string; isDefault: boolean; groups: string[] }
const fields: FilterFields<R> = {
  'vpc-id': (r) => r.id,
  'cidr-block': (r) => r.cidr,
  'is-default': (r) => r.isDefault,
  'group-id': (r) => r.groups,
};
const a: R = { id: 'vpc-a', cidr: '10.0.0.0/16', isDefault: false, groups: ['sg-1', 'sg-2'] };
const b: R = { id: 'vpc-b', cidr: '172.31.0.0/16', isDefault: true, groups: [] };
const tagsA = [{ key: 'Name', value: 'prod web' }, { key: 'team', value: 'core' }];
const run = (filters: { Name?: string; Values?: string[] }[]) => {
  const match = compileFilters(filters, fields);
  return [a, b].filter((r) => match(r, r === a ? tagsA : [])).map((r) => r.id);
};

test('no filters match everything', () => {
  assert.deepEqual(run([]), ['vpc-a', 'vpc-b']);
});

test('values of one filter are ORed, filters are ANDed', () => {
  assert.deepEqual(run([{ Name: 'vpc-id', Values: ['vpc-a', 'vpc-b'] }]), ['vpc-a', 'vpc-b']);
  assert.deepEqual(run([{ Name: 'vpc-id', Values: ['vpc-a', 'vpc-b'] }, { Name: 'is-default', Values: ['true'] }]), ['vpc-b']);
  assert.deepEqual(run([{ Name: 'group-id', Values: ['sg-2'] }]), ['vpc-a']);
});

test('booleans match as true/false text, wildcards as EC2 defines them', () => {
  assert.deepEqual(run([{ Name: 'is-default', Values: ['false'] }]), ['vpc-a']);
  assert.deepEqual(run([{ Name: 'cidr-block', Values: ['172.*'] }]), ['vpc-b']);
  assert.deepEqual(run([{ Name: 'vpc-id', Values: ['vpc-?'] }]), ['vpc-a', 'vpc-b']);
  assert.ok(globToRegExp('a\\*b').test('a*b'));
  assert.ok(!globToRegExp('a\\*b').test('axb'));
  assert.ok(globToRegExp('1.2').test('1.2') && !globToRegExp('1.2').test('1x2'));
});

test('tag:KEY, tag-key and tag-value', () => {
  assert.deepEqual(run([{ Name: 'tag:Name', Values: ['prod*'] }]), ['vpc-a']);
  assert.deepEqual(run([{ Name: 'tag:Name', Values: ['dev'] }]), []);
  assert.deepEqual(run([{ Name: 'tag-key', Values: ['team'] }]), ['vpc-a']);
  assert.deepEqual(run([{ Name: 'tag-value', Values: ['core'] }]), ['vpc-a']);
});

test('an unknown filter name is InvalidParameterValue', () => {
  assert.throws(() => run([{ Name: 'colour', Values: ['red'] }]),
    (e: unknown) => e instanceof Ec2Error && e.code === 'InvalidParameterValue' && e.message === "The filter 'colour' is invalid");
  assert.throws(() => run([{ Values: ['x'] }]), Ec2Error);
});
