import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionAuthority } from './session-credentials.js';

const grant = {
  roleArn: 'arn:aws:iam::123456789012:role/app-task', roleId: 'AROAEXAMPLE0000000001', sessionName: 'f3a1',
  taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/default/f3a1', expiresAtMs: 1_800_000_000_000,
};

test('issued credentials verify to their grant and secret', () => {
  const sessions = new SessionAuthority(Buffer.alloc(32, 1));
  const c = sessions.issue(grant);
  assert.match(c.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
  assert.equal(c.secretAccessKey.length, 40);
  const v = sessions.verify(c.accessKeyId, c.sessionToken);
  assert.deepEqual(v, { ...grant, secretAccessKey: c.secretAccessKey });
});

test('every issue has its own key id and secret', () => {
  const sessions = new SessionAuthority(Buffer.alloc(32, 1));
  const a = sessions.issue(grant);
  const b = sessions.issue(grant);
  assert.notEqual(a.accessKeyId, b.accessKeyId);
  assert.notEqual(a.secretAccessKey, b.secretAccessKey);
});

test('a token is refused with another key id, altered facts, another key or garbage', () => {
  const sessions = new SessionAuthority(Buffer.alloc(32, 1));
  const c = sessions.issue(grant);
  const other = sessions.issue(grant);
  assert.equal(sessions.verify(other.accessKeyId, c.sessionToken), undefined);

  const [prefix, facts, mac] = c.sessionToken.split('.');
  const forged = JSON.parse(Buffer.from(facts!, 'base64url').toString()) as Record<string, unknown>;
  forged['r'] = 'arn:aws:iam::123456789012:role/admin';
  const forgedToken = `${prefix}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${mac}`;
  assert.equal(sessions.verify(c.accessKeyId, forgedToken), undefined);

  assert.equal(new SessionAuthority(Buffer.alloc(32, 2)).verify(c.accessKeyId, c.sessionToken), undefined);
  for (const junk of ['', 'PIER1.', 'PIER1.a.b.c', 'FwoGZXIvYXdzEJr', `${c.sessionToken}x`]) {
    assert.equal(sessions.verify(c.accessKeyId, junk), undefined, junk);
  }
});
