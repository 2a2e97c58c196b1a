import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HierarchyLevelLimitExceededException, ValidationException } from './errors.js';
import { isUnderPath, parameterArn, parseParameterName, parseParameterRef, parsePath } from './parameter-names.js';
import { tierFor } from './put-parameter.js';

describe('parameter names', () => {
  test('accepts plain and fully qualified names, trims spaces, refuses the rest with AWS\'s errors', () => {
    assert.equal(parseParameterName('db-url'), 'db-url');
    assert.equal(parseParameterName(' /app/prod/db.url_1 '), '/app/prod/db.url_1');
    assert.throws(() => parseParameterName('app/db'), (e: unknown) => e instanceof ValidationException && e.message === 'Parameter name must be a fully qualified name.');
    for (const bad of ['/app//db', '/app/db url', 'awsThing', '/SSM/x', '/app/$x']) assert.throws(() => parseParameterName(bad), ValidationException, bad);
    assert.throws(() => parseParameterName(`/${Array(16).fill('a').join('/')}`), HierarchyLevelLimitExceededException);
    assert.equal(parseParameterName(`/${Array(15).fill('a').join('/')}`).split('/').length, 16);
  });

  test('references: name, name:version, ARNs for names with and without a leading slash', () => {
    assert.deepEqual(parseParameterRef('/a/b:3'), { names: ['/a/b'], selector: '3' });
    assert.deepEqual(parseParameterRef('plain'), { names: ['plain'] });
    const scope = { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' };
    assert.equal(parameterArn(scope, '/a/b'), 'arn:aws:ssm:eu-west-1:123456789012:parameter/a/b');
    assert.equal(parameterArn(scope, 'plain'), 'arn:aws:ssm:eu-west-1:123456789012:parameter/plain');
    assert.deepEqual(parseParameterRef('arn:aws:ssm:eu-west-1:123456789012:parameter/a/b:2'), { names: ['/a/b', 'a/b'], selector: '2' });
  });

  test('paths: one level or recursive, never the path itself', () => {
    assert.ok(isUnderPath('/a/b', '/a', false));
    assert.ok(isUnderPath('/a/b', '/a/', false));
    assert.ok(!isUnderPath('/a/b/c', '/a', false));
    assert.ok(isUnderPath('/a/b/c', '/a', true));
    assert.ok(!isUnderPath('/ab/c', '/a', true));
    assert.ok(!isUnderPath('/a', '/a', true));
    assert.ok(isUnderPath('/x', '/', false));
    assert.throws(() => parsePath('a/b'), ValidationException);
    assert.equal(parsePath('/'), '/');
  });

  test('tiers: Standard up to 4096 characters, Advanced is kept, Intelligent-Tiering picks', () => {
    assert.equal(tierFor(undefined, undefined, 4096), 'Standard');
    assert.throws(() => tierFor('Standard', undefined, 4097), ValidationException);
    assert.equal(tierFor('Intelligent-Tiering', undefined, 5000), 'Advanced');
    assert.equal(tierFor(undefined, 'Advanced', 10), 'Advanced');
    assert.throws(() => tierFor('Standard', 'Advanced', 10), ValidationException);
  });
});
