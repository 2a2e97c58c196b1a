import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpiredTokenException, UnrecognizedClientException } from '../../ecs/errors.js';
import { SessionAuthority } from '../../iam/session-credentials.js';
import { ManualClock } from '../../lib/clock.js';
import type { Store } from '../../store/store.js';
import { Identities } from './identities.js';

const scope = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };
const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/default/0123456789abcdef0123456789abcdef';

function fixture(): { ids: Identities; clock: ManualClock; sessions: SessionAuthority; status: { last: string | undefined } } {
  const clock = new ManualClock(1_800_000_000_000);
  const sessions = new SessionAuthority(Buffer.alloc(32, 3));
  const status: { last: string | undefined } = { last: 'RUNNING' };
  const store = {
    read: { tasks: { get: async (cluster: string, id: string) => (cluster === 'default' && TASK.endsWith(id) && status.last ? { task: { lastStatus: status.last } } : undefined) } },
  } as unknown as Store;
  return { ids: new Identities(scope, new Map([['AKIAROOT', 'root-secret']]), sessions, store, clock), clock, sessions, status };
}

test('root keys answer the root principal', async () => {
  const { ids } = fixture();
  assert.equal(ids.secretFor('AKIAROOT', undefined), 'root-secret');
  assert.equal(ids.secretFor('AKIAOTHER', undefined), undefined);
  assert.deepEqual(await ids.principalFor('AKIAROOT', undefined), { kind: 'root', arn: 'arn:aws:iam::123456789012:root', userId: '123456789012', accountId: '123456789012' });
});

test('a task session answers its assumed role until it expires or its task stops', async () => {
  const { ids, clock, sessions, status } = fixture();
  const c = sessions.issue({ roleArn: 'arn:aws:iam::123456789012:role/svc/app', roleId: 'AROAAAAAAAAAAAAAAAAAA', sessionName: 'f00d', taskArn: TASK, expiresAtMs: clock.now() + 60_000 });
  assert.equal(ids.secretFor(c.accessKeyId, c.sessionToken), c.secretAccessKey);
  assert.equal(ids.secretFor('AKIAROOT', c.sessionToken), undefined, 'a token is bound to its key id');
  assert.deepEqual(await ids.principalFor(c.accessKeyId, c.sessionToken), {
    kind: 'assumed-role', arn: 'arn:aws:sts::123456789012:assumed-role/app/f00d', userId: 'AROAAAAAAAAAAAAAAAAAA:f00d',
    accountId: '123456789012', roleArn: 'arn:aws:iam::123456789012:role/svc/app', sessionName: 'f00d', taskArn: TASK,
  });
  status.last = 'STOPPED';
  await assert.rejects(ids.principalFor(c.accessKeyId, c.sessionToken), (e) => e instanceof UnrecognizedClientException);
  status.last = undefined;
  await assert.rejects(ids.principalFor(c.accessKeyId, c.sessionToken), (e) => e instanceof UnrecognizedClientException, 'task gone');
  status.last = 'RUNNING';
  clock.advance(60_000);
  await assert.rejects(ids.principalFor(c.accessKeyId, c.sessionToken), (e) => e instanceof ExpiredTokenException);
});
