/**
 * The awslogs log driver end to end, on real gVisor sandboxes with a separate `pier agent`: a
 * container's stdout and stderr land in `prefix/container/task-id` with exactly the lines it
 * printed (multi-line events framed by awslogs-multiline-pattern), `aws logs tail --follow` shows a
 * running task's lines as it prints them, a task whose log group is missing fails to start as on
 * ECS unless awslogs-create-group allows creating it, and 100,000 lines survive an agent SIGKILL in
 * the middle with none lost and none twice.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { CloudWatchLogsClient, GetLogEventsCommand, type OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { container, createExecutionRole, RealEnv, sleep, summary, taskIdOf, type AgentProcess } from './tasks-real-support.test.js';


describe('awslogs on real sandboxes (runsc, separate agent)', () => {
  let env: RealEnv;
  let agent: AgentProcess;
  let logs: CloudWatchLogsClient;
  let executionRoleArn = '';

  const awslogs = (group: string, extra: Record<string, string> = {}): Record<string, unknown> => ({
    logDriver: 'awslogs', options: { 'awslogs-group': group, 'awslogs-region': env.pier.region, 'awslogs-stream-prefix': 'ecs', ...extra },
  });

  /** Every event of a stream, oldest first, following forward tokens until they repeat. */
  async function allEvents(group: string, stream: string): Promise<OutputLogEvent[]> {
    const out: OutputLogEvent[] = [];
    let token: string | undefined;
    for (;;) {
      const page = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, ...(token ? { nextToken: token } : {}) }));
      out.push(...(page.events ?? []));
      if (page.nextForwardToken === token) return out;
      token = page.nextForwardToken;
    }
  }

  before(async () => {
    env = await RealEnv.start({ agent: false, registryAuth: 'none', agentDataDirs: 1 });
    agent = await env.startAgent(env.agentDataDirs[0]!);
    logs = new CloudWatchLogsClient({
      endpoint: env.pier.endpoint, region: env.pier.region,
      credentials: { accessKeyId: env.pier.accessKeyId, secretAccessKey: env.pier.secretAccessKey },
    });
    executionRoleArn = createExecutionRole(env.aws, 'exec');
    env.aws.ok(['create-log-group', '--log-group-name', '/pier/app'], 'logs');
  });
  after(async () => {
    await env?.teardown();
  });

  test('stdout and stderr lines land in prefix/container/task-id; multi-line events are framed', async () => {
    env.registerTaskDefinition('printer', [
      { name: 'app', command: 'echo first; echo to-stderr >&2; printf "no newline at the end"', logConfiguration: awslogs('/pier/app') },
      { name: 'trace', essential: false, command: 'printf "[1] boom\\n  at a\\n  at b\\n[2] next\\n"', logConfiguration: awslogs('/pier/app', { 'awslogs-multiline-pattern': '^\\[' }) },
    ], { executionRoleArn });
    const arn = env.runTask('printer');
    const t = await env.waitStopped(arn);
    assert.equal(container(t, 'app').exitCode, 0, summary(t));
    const id = taskIdOf(arn);
    const app = (await allEvents('/pier/app', `ecs/app/${id}`)).map((e) => e.message).sort();
    assert.deepEqual(app, ['first', 'no newline at the end', 'to-stderr']);
    const trace = (await allEvents('/pier/app', `ecs/trace/${id}`)).map((e) => e.message);
    assert.deepEqual(trace, ['[1] boom\n  at a\n  at b', '[2] next']);
    const streams = env.aws.ok(['describe-log-streams', '--log-group-name', '/pier/app', '--log-stream-name-prefix', `ecs/app/${id}`], 'logs').logStreams;
    assert.equal(streams.length, 1);
    assert.ok(streams[0].lastEventTimestamp >= t.createdAt!.getTime(), 'events carry the time they were printed');
  });

  test('a missing log group fails the task as ECS does; awslogs-create-group makes it', async () => {
    env.registerTaskDefinition('nogroup', [{ name: 'app', command: 'echo hi', logConfiguration: awslogs('/pier/missing') }], { executionRoleArn });
    const failed = await env.waitStopped(env.runTask('nogroup'));
    assert.equal(failed.stopCode, 'TaskFailedToStart', summary(failed));
    assert.match(failed.stoppedReason ?? '', /^ResourceInitializationError: failed to validate logger args: .*ResourceNotFoundException: The specified log group does not exist\./, summary(failed));
    assert.equal(container(failed, 'app').exitCode, undefined, 'the container never ran');

    env.registerTaskDefinition('mkgroup', [{ name: 'app', command: 'echo made', logConfiguration: awslogs('/pier/made', { 'awslogs-create-group': 'true' }) }], { executionRoleArn });
    const arn = env.runTask('mkgroup');
    const ok = await env.waitStopped(arn);
    assert.equal(container(ok, 'app').exitCode, 0, summary(ok));
    assert.deepEqual((await allEvents('/pier/made', `ecs/app/${taskIdOf(arn)}`)).map((e) => e.message), ['made']);
  });

  test('aws logs tail --follow (AWS CLI v2) shows a running task\'s lines as it prints them', async () => {
    env.registerTaskDefinition('ticker', [{ name: 'app', command: 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.5; done', logConfiguration: awslogs('/pier/ticker', { 'awslogs-create-group': 'true' }) }], { executionRoleArn });
    const arn = env.runTask('ticker');
    await env.waitRunning(arn);
    const tail = spawn('/usr/bin/aws', ['--endpoint-url', env.pier.endpoint, 'logs', 'tail', '/pier/ticker', '--follow', '--format', 'short'], {
      env: { ...process.env, ...env.pier.awsEnv() }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    tail.stdout.on('data', (c: Buffer) => (out += c.toString()));
    tail.stderr.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const deadline = Date.now() + 60_000;
      // Seen once, then a later line must appear while tail keeps following.
      while (!/tick-3\b/.test(out) && Date.now() < deadline) await sleep(200);
      assert.match(out, /tick-3\b/, `tail --follow printed: ${out}`);
      const seen = Math.max(...[...out.matchAll(/tick-(\d+)/g)].map((m) => Number(m[1])));
      while (!new RegExp(`tick-${seen + 4}\\b`).test(out) && Date.now() < deadline) await sleep(200);
      assert.match(out, new RegExp(`tick-${seen + 4}\\b`), `new lines keep coming: ${out}`);
    } finally {
      tail.kill('SIGTERM');
      env.aws.ok(['stop-task', '--task', arn]);
      await env.waitStopped(arn);
    }
  });

  test('100,000 lines across an agent SIGKILL: none lost, none twice', async () => {
    const script = 'i=0; while [ $i -lt 100 ]; do seq $((i*1000+1)) $((i*1000+1000)); i=$((i+1)); sleep 0.1; done';
    env.registerTaskDefinition('flood', [{ name: 'app', command: script, logConfiguration: awslogs('/pier/flood', { 'awslogs-create-group': 'true' }) }], { executionRoleArn });
    const arn = env.runTask('flood');
    await env.waitRunning(arn, 120_000);
    const stream = `ecs/app/${taskIdOf(arn)}`;
    // Kill the agent once lines are arriving, mid-stream.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const got = await logs.send(new GetLogEventsCommand({ logGroupName: '/pier/flood', logStreamName: stream, limit: 1 })).catch(() => undefined);
      if ((got?.events?.length ?? 0) > 0 || Date.now() > deadline) break;
      await sleep(200);
    }
    await agent.kill();
    await sleep(1500);
    agent = await env.startAgent(env.agentDataDirs[0]!);
    const t = await env.waitStopped(arn, 180_000);
    assert.equal(container(t, 'app').exitCode, 0, summary(t));
    const messages = (await allEvents('/pier/flood', stream)).map((e) => e.message!);
    assert.equal(messages.length, 100_000, 'every line once');
    const numbers = messages.map(Number).sort((a, b) => a - b);
    assert.deepEqual([numbers[0], numbers[99_999], new Set(numbers).size], [1, 100_000, 100_000]);
  });

  test('nothing is left on the host', () => env.assertNothingLeft());
});
