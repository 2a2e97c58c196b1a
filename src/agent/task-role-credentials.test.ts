import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControlPlaneError } from './control-plane-client.js';
import type { TaskView } from './endpoint/task-metadata.js';
import { TaskRoleCredentials } from './task-role-credentials.js';

const HOUR = 3_600_000;
const view = (taskArn: string, credentialsId: string | undefined, phase = 'running'): TaskView => ({
  state: { taskArn, phase, assignment: credentialsId ? { taskRole: { roleArn: 'arn:aws:iam::1:role/r', credentialsId } } : {} },
  health: new Map(),
} as unknown as TaskView);

function fixture(lifetimeMs = 6 * HOUR): { now: { ms: number }; calls: string[]; creds: TaskRoleCredentials } {
  const now = { ms: 1_000_000 };
  const calls: string[] = [];
  const creds = new TaskRoleCredentials(async (arn) => {
    calls.push(arn);
    return { RoleArn: 'arn:aws:iam::1:role/r', AccessKeyId: `ASIA${calls.length}`, SecretAccessKey: 's', Token: 't', Expiration: new Date(now.ms + lifetimeMs).toISOString() };
  }, () => now.ms);
  return { now, calls, creds };
}

test('a task gets its own credentials by its own id only, fetched once while fresh', async () => {
  const { calls, creds } = fixture();
  assert.equal(await creds.forCaller(view('arn:a', 'id-a'), 'id-b'), undefined, 'another id');
  assert.equal(await creds.forCaller(view('arn:a', undefined), 'id-a'), undefined, 'no task role');
  const [one, two] = await Promise.all([creds.forCaller(view('arn:a', 'id-a'), 'id-a'), creds.forCaller(view('arn:a', 'id-a'), 'id-a')]);
  assert.equal(one?.AccessKeyId, 'ASIA1');
  assert.equal(two?.AccessKeyId, 'ASIA1');
  assert.deepEqual(calls, ['arn:a'], 'concurrent callers share one fetch');
  assert.equal(await creds.forCaller(view('arn:a', 'id-a', 'cleaning'), 'id-a'), undefined, 'a stopping task gets nothing');
});

test('credentials are renewed 30 minutes before expiry, or at a quarter of a short lifetime', async () => {
  const long = fixture(6 * HOUR);
  await long.creds.forCaller(view('arn:a', 'id'), 'id');
  long.now.ms += 5 * HOUR;
  assert.equal((await long.creds.forCaller(view('arn:a', 'id'), 'id'))?.AccessKeyId, 'ASIA1', '1 h left: kept');
  long.now.ms += 31 * 60_000;
  assert.equal((await long.creds.forCaller(view('arn:a', 'id'), 'id'))?.AccessKeyId, 'ASIA2', '29 min left: renewed');

  const short = fixture(HOUR);
  await short.creds.forCaller(view('arn:a', 'id'), 'id');
  short.now.ms += 44 * 60_000;
  assert.equal((await short.creds.forCaller(view('arn:a', 'id'), 'id'))?.AccessKeyId, 'ASIA1');
  short.now.ms += 2 * 60_000;
  assert.equal((await short.creds.forCaller(view('arn:a', 'id'), 'id'))?.AccessKeyId, 'ASIA2', 'less than 15 of 60 min left');
});

test('a refusal from the control plane hands out nothing; a server fault is an error', async () => {
  let fault: Error = new ControlPlaneError(409, 'TaskStopped', 'stopped');
  const creds = new TaskRoleCredentials(async () => { throw fault; });
  assert.equal(await creds.forCaller(view('arn:a', 'id'), 'id'), undefined);
  fault = new ControlPlaneError(503, 'Unavailable', 'down');
  await assert.rejects(creds.forCaller(view('arn:a', 'id'), 'id'), /down/);
});
