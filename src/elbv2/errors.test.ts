import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as errors from './errors.js';

// dist/src/elbv2 → the repository root.
const model = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models', 'elasticloadbalancingv2-2015-12-01.json'), 'utf8')) as
  { shapes: Record<string, { exception?: boolean; error?: { code: string; httpStatusCode: number } }> };

test('every ELBv2 error class answers the code and HTTP status of the model shape it is named after', () => {
  const classes = Object.entries(errors).filter(([name]) => name.endsWith('Exception'));
  assert.equal(classes.length, errors.elbv2ErrorClasses.length);
  for (const [name, cls] of classes) {
    const shape = model.shapes[name];
    assert.ok(shape?.exception && shape.error, `${name} is an error shape of the ELBv2 model`);
    const err = new (cls as new (m: string) => errors.Elbv2Error)('x');
    assert.deepEqual({ code: err.code, status: err.status, fault: err.fault }, { code: shape.error.code, status: shape.error.httpStatusCode, fault: 'client' }, name);
  }
});
