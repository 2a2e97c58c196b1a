import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterException, ResourceNotFoundException } from './errors.js';
import { checkGroupName, checkRetentionDays, checkStreamName, groupNameFromIdentifier, groupNameOf, logArns } from './names.js';

const scope = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };

test('group and stream names follow the model patterns, worded as AWS words validation errors', () => {
  assert.equal(checkGroupName('/aws/ecs/web-app_1#x.y'), '/aws/ecs/web-app_1#x.y');
  assert.throws(() => checkGroupName('bad name'), (e: unknown) => e instanceof InvalidParameterException
    && e.message === "1 validation error detected: Value 'bad name' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
  assert.equal(checkStreamName('ecs/app/0123 any thing'), 'ecs/app/0123 any thing');
  assert.throws(() => checkStreamName('a:b'), /Member must satisfy regular expression pattern: \[\^:\*\]\*/);
  assert.throws(() => checkStreamName('a*'), InvalidParameterException);
});

test('ARNs: the group with and without :*, the stream under it', () => {
  assert.equal(logArns.group(scope, '/g'), 'arn:aws:logs:us-east-1:123456789012:log-group:/g');
  assert.equal(logArns.groupStar(scope, '/g'), 'arn:aws:logs:us-east-1:123456789012:log-group:/g:*');
  assert.equal(logArns.stream(scope, '/g', 's/1'), 'arn:aws:logs:us-east-1:123456789012:log-group:/g:log-stream:s/1');
});

test('identifiers are names or this account\'s group ARNs', () => {
  assert.equal(groupNameFromIdentifier(scope, '/g'), '/g');
  assert.equal(groupNameFromIdentifier(scope, 'arn:aws:logs:us-east-1:123456789012:log-group:/g'), '/g');
  assert.equal(groupNameFromIdentifier(scope, 'arn:aws:logs:us-east-1:123456789012:log-group:/g:*'), '/g');
  assert.throws(() => groupNameFromIdentifier(scope, 'arn:aws:logs:us-west-2:123456789012:log-group:/g'), ResourceNotFoundException);
  assert.throws(() => groupNameFromIdentifier(scope, 'arn:aws:logs:us-east-1:123456789012:destination:d'), ResourceNotFoundException);
  assert.throws(() => groupNameFromIdentifier(scope, 'arn:aws:ecs:us-east-1:123456789012:cluster/c'), InvalidParameterException);
  assert.equal(groupNameOf(scope, { logGroupName: '/a' }), '/a');
  assert.equal(groupNameOf(scope, { logGroupIdentifier: '/b' }), '/b');
  assert.throws(() => groupNameOf(scope, {}), /Either logGroupName or logGroupIdentifier/);
  assert.throws(() => groupNameOf(scope, { logGroupName: '/a', logGroupIdentifier: '/b' }), /mutually exclusive/);
});

test('retention takes only the values AWS offers', () => {
  for (const d of [1, 3, 5, 7, 14, 30, 365, 3653]) assert.equal(checkRetentionDays(d), d);
  for (const d of [0, 2, 4, 31, 3654]) {
    assert.throws(() => checkRetentionDays(d), (e: unknown) => e instanceof InvalidParameterException && e.message.startsWith(`1 validation error detected: Value '${d}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30`));
  }
});
