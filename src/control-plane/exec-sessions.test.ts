import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ATTACH_WITHIN_MS, ExecAttachError, ExecSessions } from './exec-sessions.js';

const TERMINAL = { tty: true, rows: 24, cols: 80, term: 'xterm' };
const session = (id: string, issuedAtMs: number): Parameters<ExecSessions['issue']>[0] => ({
  sessionId: id, principalArn: 'arn:aws:iam::123456789012:root', hostId: 'h-1', taskArn: 'arn:task', containerName: 'app', command: '/bin/sh', issuedAtMs,
});

test('a session is attached once, with its token, by whoever started it; then handed to its host once', async () => {
  let now = 1000;
  const s = new ExecSessions(() => now);
  s.issue(session('ecs-execute-command-1', now), 'secret');
  const refused = (fn: () => unknown, status: number): void => assert.throws(fn, (e: unknown) => e instanceof ExecAttachError && e.status === status);
  refused(() => s.attach('ecs-execute-command-1', 'wrong', 'arn:aws:iam::123456789012:root', TERMINAL), 401);
  refused(() => s.attach('ecs-execute-command-1', 'secret', 'arn:aws:iam::123456789012:user/bob', TERMINAL), 403);
  refused(() => s.attach('ecs-execute-command-2', 'secret', 'arn:aws:iam::123456789012:root', TERMINAL), 404);
  const polled = s.pendingFor('h-1', 5_000);
  now += 10;
  s.attach('ecs-execute-command-1', 'secret', 'arn:aws:iam::123456789012:root', TERMINAL);
  refused(() => s.attach('ecs-execute-command-1', 'secret', 'arn:aws:iam::123456789012:root', TERMINAL), 409);
  assert.deepEqual(await polled, [{ sessionId: 'ecs-execute-command-1', taskArn: 'arn:task', containerName: 'app', command: '/bin/sh', terminal: TERMINAL }]);
  assert.equal(s.get('ecs-execute-command-1')?.state, 'dispatched');
  assert.deepEqual(await s.pendingFor('h-1', 0), [], 'handed out once');
  assert.deepEqual(await s.pendingFor('h-2', 0), [], 'only to its host');
  s.close('ecs-execute-command-1');
  assert.equal(s.get('ecs-execute-command-1'), undefined);
});

test('a session nobody attaches in time is gone', () => {
  let now = 0;
  const s = new ExecSessions(() => now);
  s.issue(session('ecs-execute-command-1', now), 'secret');
  now += ATTACH_WITHIN_MS + 1;
  assert.throws(() => s.attach('ecs-execute-command-1', 'secret', 'arn:aws:iam::123456789012:root', TERMINAL), (e: unknown) => e instanceof ExecAttachError && e.status === 404);
});

test('a long poll with nothing to do returns empty when its time is up or it is aborted', async () => {
  const s = new ExecSessions(() => Date.now());
  const t0 = Date.now();
  assert.deepEqual(await s.pendingFor('h-1', 50), []);
  assert.ok(Date.now() - t0 >= 45);
  const abort = new AbortController();
  const waiting = s.pendingFor('h-1', 60_000, abort.signal);
  abort.abort();
  assert.deepEqual(await waiting, []);
});
