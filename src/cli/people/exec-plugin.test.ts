import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profileKeys } from './exec-plugin.js';

test('a profile\'s keys are read from an AWS credentials file', () => {
  const ini = '[default]\naws_access_key_id = A\n\n[pier]\n# comment\naws_access_key_id=PIERKEY\naws_secret_access_key = s=cret\n[other]\naws_access_key_id = O\n';
  assert.deepEqual(profileKeys(ini, 'pier'), { aws_access_key_id: 'PIERKEY', aws_secret_access_key: 's=cret' });
  assert.deepEqual(profileKeys(ini, 'default'), { aws_access_key_id: 'A' });
  assert.deepEqual(profileKeys(ini, 'missing'), {});
});
