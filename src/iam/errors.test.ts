import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as errors from './errors.js';

// dist/src/iam → the repository root.
const model = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models', 'iam-2010-05-08.json'), 'utf8')) as
  { shapes: Record<string, { exception?: boolean; error?: { code: string; httpStatusCode: number } }> };

test('every IAM error class answers the code and HTTP status of the model shape it is named after', () => {
  const classes = Object.entries(errors).filter(([name]) => name.endsWith('Exception'));
  assert.ok(classes.length >= 6);
  for (const [name, cls] of classes) {
    const shape = model.shapes[name];
    assert.ok(shape?.exception && shape.error, `${name} is an error shape of the IAM model`);
    const err = new (cls as new (m: string) => errors.IamError)('x');
    assert.deepEqual({ code: err.code, status: err.status }, { code: shape.error.code, status: shape.error.httpStatusCode }, name);
  }
});

test('the protocol errors IAM and STS answer themselves: ValidationError 400, AccessDenied 403', () => {
  assert.deepEqual([new errors.ValidationError('x').status, new errors.AccessDenied('x').status], [400, 403]);
  assert.equal(errors.roleNotFound('web').message, 'The role with name web cannot be found.');
});
