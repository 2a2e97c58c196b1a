/**
 * `pier exec` and ExecuteCommand (ECS Exec) end to end against `pier up` with its agent (runc
 * tasks, busybox from a local registry): a command's output, stderr and exit status; stdin piped
 * in; an interactive shell through a real pseudo-terminal (util-linux `script` gives the client
 * one) with its window size and a resize; refusals in ECS's words (exec not enabled, unknown task
 * or container, several containers, a stopped task); ExecuteCommand's answer through the SDK, the
 * containers' ExecuteCommandAgent, and the AWS CLI's `ecs execute-command` running a command
 * through `pier session-manager-plugin` (standing in for AWS's: Pier's stream is not SSM's).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExecuteCommandCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { PIER_MAIN } from '../helpers/pier-process.js';
import { PierClient } from '../../src/cli/client/pier-client.js';
import { dialUpgrade, UpgradeRefused } from '../../src/lib/http-upgrade.js';
import { EXEC_UPGRADE } from '../../src/protocol/exec-stream.js';
import { until } from './aws-cli-support.test.js';
import { HOLD, RealEnv, taskIdOf } from './tasks-real-support.test.js';

interface Result { code: number; stdout: string; stderr: string }

const NOT_ENABLED = 'The execute command failed because execute command was not enabled when the task was run or the execute '
  + "command agent isn't running. Wait and try again or run a new task with execute command enabled and try again.";

/** `pier exec --data-dir DIR ARGS…` with `input` on stdin (a pipe: no terminal). */
function pierExecIn(env: RealEnv, args: string[], input = ''): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [PIER_MAIN, 'exec', '--data-dir', env.dataDir, ...args], { encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    child.stdin!.end(input);
  });
}

/** RunTask (SDK) in the default VPC, with or without ECS Exec. */
async function runExecTask(env: RealEnv, family: string, enableExecuteCommand: boolean): Promise<string> {
  const net = env.defaultNetwork();
  const out = await env.ecs.send(new RunTaskCommand({
    taskDefinition: family, launchType: 'FARGATE', enableExecuteCommand,
    networkConfiguration: { awsvpcConfiguration: { subnets: net.subnets, securityGroups: [net.securityGroup] } },
  }));
  assert.deepEqual(out.failures, []);
  const arn = out.tasks![0]!.taskArn!;
  env.tasks.add(arn);
  return arn;
}

/** `pier exec TASK` with no command (a shell) in a 40x100 terminal: typed commands, their answers, a resize, `exit 3`. */
async function interactiveShell(env: RealEnv, id: string): Promise<void> {
  // `script` gives the client a terminal of 40x100; it prints that terminal's path first (to resize it later).
  const inner = `tty; stty rows 40 cols 100; exec ${process.execPath} ${PIER_MAIN} exec --data-dir ${env.dataDir} ${id}`;
  const client = spawn('script', ['--quiet', '--flush', '--return', '--command', inner, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm-256color', SHELL: '/bin/sh' },
  });
  let seen = '';
  client.stdout.on('data', (c: Buffer) => (seen += c.toString()));
  client.stderr.on('data', (c: Buffer) => (seen += c.toString()));
  const exited = new Promise<number | null>((resolve) => client.once('close', (code) => resolve(code)));
  const type = (line: string): void => void client.stdin.write(`${line}\r`);
  try {
    const pty = (await until('the client terminal', () => /^(\/dev\/pts\/\d+)\r?\n/.exec(seen)?.[1], 10_000))!;
    // busybox's prompt may end with a cursor position query (ESC [6n), and once answered it redraws
    // the prompt and clears the rest of the line (\r/ # ESC [J)
    await until('the shell prompt', () => / # (?:\x1b\[[0-9;]*[A-Za-z]|\r)*$/.test(seen), 20_000, { context: () => seen });
    type('echo "sum=$((6*7))"; [ -t 0 ] && [ -t 1 ] && echo on-a-terminal; stty size; echo "TERM=$TERM"');
    await until('the answers', () => /TERM=xterm-256color/.test(seen), 10_000, { context: () => seen });
    // Lines end \r\r\n: the command's terminal turns \n into \r\n, and so does the client's.
    assert.match(seen, /sum=42\r+\n/);
    assert.match(seen, /on-a-terminal\r+\n40 100\r+\n/, 'the command has a terminal of the client\'s size');
    const resized = await new Promise<number | null>((resolve) => spawn('stty', ['-F', pty, 'rows', '50', 'cols', '120']).once('close', resolve));
    assert.equal(resized, 0);
    await until('the new size inside', async () => {
      const mark = seen.length;
      type('stty size');
      await new Promise((r) => setTimeout(r, 300));
      return /50 120\r+\n/.test(seen.slice(mark));
    }, 10_000, { context: () => seen });
    type('exit 3');
    assert.equal(await exited, 3, `the client exits with the shell's status:\n${seen}`);
  } finally {
    if (client.exitCode === null) client.kill('SIGKILL');
  }
}

describe('pier exec and ExecuteCommand (runc tasks, pier up with its agent)', () => {
  let env: RealEnv;
  let shell = '';
  let plain = '';
  let pair = '';

  const pierExec = (args: string[], input = ''): Promise<Result> => pierExecIn(env, args, input);
  const runTask = (family: string, enableExecuteCommand: boolean): Promise<string> => runExecTask(env, family, enableExecuteCommand);

  before(async () => {
    env = await RealEnv.start({ agent: true, registryAuth: 'none', pierArgs: ['--runtime', 'runc'] });
    env.registerTaskDefinition('shell', [{ name: 'app', command: HOLD, stopTimeout: 2 }]);
    env.registerTaskDefinition('pair', [{ name: 'app', command: HOLD, stopTimeout: 2 }, { name: 'side', command: HOLD, stopTimeout: 2 }]);
    [shell, plain, pair] = await Promise.all([runTask('shell', true), runTask('shell', false), runTask('pair', true)]);
    await Promise.all([shell, plain, pair].map((arn) => env.waitRunning(arn)));
  });
  after(async () => {
    await env?.teardown();
  });

  test('a command\'s stdout and stderr come back apart, and pier exec exits with its status', async () => {
    const id = taskIdOf(shell);
    const r = await pierExec([id.slice(0, 8), '--', 'sh', '-c', 'echo out; echo err >&2; hostname; exit 7']);
    assert.equal(r.code, 7, r.stderr);
    assert.equal(r.stdout, `out\nip-task-${id.slice(0, 12)}\n`);
    assert.equal(r.stderr, 'err\n');
    const ok = await pierExec([id, '--', 'true']);
    assert.deepEqual(ok, { code: 0, stdout: '', stderr: '' });
  });

  test('arguments arrive as given, and stdin is piped through until it ends', async () => {
    const id = taskIdOf(shell);
    const args = await pierExec([id, '--', 'printf', '[%s]', 'two words', "it's", '$HOME', '"q"', '']);
    assert.deepEqual(args, { code: 0, stdout: `[two words][it's][$HOME]["q"][]`, stderr: '' });
    const piped = await pierExec([id, '--', 'sh', '-c', 'tr a-z A-Z; echo done'], 'hello\nworld\n');
    assert.deepEqual(piped, { code: 0, stdout: 'HELLO\nWORLD\ndone\n', stderr: '' });
    const env_ = await pierExec([id, '--', 'sh', '-c', 'echo "$PATH"; pwd; id -u']);
    assert.equal(env_.stdout.split('\n')[2], '0', 'the container\'s user');
    assert.match(env_.stdout, /^\/usr\/local\/sbin:.*\n\/\n/, 'the container\'s environment and working directory');
  });

  test('pier run --exec starts a task with ECS Exec on, and pier exec enters it', async () => {
    const run = await new Promise<Result>((resolve) => execFile(process.execPath,
      [PIER_MAIN, 'run', '--data-dir', env.dataDir, '--exec', '--json', '--name', 'run-exec', env.image, '--', 'sh', '-c', HOLD],
      { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })));
    assert.equal(run.code, 0, run.stderr);
    const [arn] = JSON.parse(run.stdout).taskArns as string[];
    env.tasks.add(arn!);
    assert.equal((await env.describe(arn!)).enableExecuteCommand, true);
    assert.deepEqual(await pierExec([taskIdOf(arn!), '--', 'echo', 'inside']), { code: 0, stdout: 'inside\n', stderr: '' });
  });

  test('an interactive shell through a pseudo-terminal: prompt, answers, window size and its changes, exit status', async () => {
    await interactiveShell(env, taskIdOf(shell));
  });

  test('a task run without enableExecuteCommand is refused in ECS\'s words, and changes nothing', async () => {
    const r = await pierExec([taskIdOf(plain), '--', 'true']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `pier: ExecuteCommand: InvalidParameterException: ${NOT_ENABLED}\n`
      + '  ECS Exec is set when a task starts: run it with `pier run --exec` (aws ecs run-task --enable-execute-command), '
      + 'or for a service `pier deploy --exec` (aws ecs update-service --enable-execute-command --force-new-deployment).\n');
    await assert.rejects(env.ecs.send(new ExecuteCommandCommand({ task: plain, command: 'true', interactive: true })),
      (e: Error) => e.name === 'InvalidParameterException' && e.message === NOT_ENABLED);
    const t = await env.describe(plain);
    assert.equal(t.lastStatus, 'RUNNING');
    assert.equal(t.enableExecuteCommand, false);
    assert.equal(t.containers![0]!.managedAgents, undefined, 'no ExecuteCommandAgent without ECS Exec');
  });

  test('unknown tasks and containers, several containers, non-interactive calls: ECS errors; --container picks one', async () => {
    const call = (input: Record<string, unknown>): Promise<unknown> =>
      env.ecs.send(new ExecuteCommandCommand({ command: 'true', interactive: true, task: pair, ...input }));
    const refused = async (input: Record<string, unknown>, name: string, message: RegExp): Promise<void> => {
      await assert.rejects(call(input), (e: Error) => e.name === name && message.test(e.message), JSON.stringify(input));
    };
    await refused({ task: 'f'.repeat(32) }, 'InvalidParameterException', /^The referenced task was not found\.$/);
    await refused({ cluster: 'nope' }, 'ClusterNotFoundException', /^Cluster not found\.$/);
    await refused({}, 'InvalidParameterException', /^The task has 2 containers\. Specify the container to run the command in: app, side\.$/);
    await refused({ container: 'db' }, 'InvalidParameterException', /^The container db does not exist in the task\./);
    await refused({ container: 'app', interactive: false }, 'InvalidParameterException', /^Interactive is the only mode supported currently\.$/);
    const r = await pierExec([taskIdOf(pair), '--container', 'side', '--', 'sh', '-c', 'echo "in $(hostname)"']);
    assert.deepEqual(r, { code: 0, stdout: `in ip-task-${taskIdOf(pair).slice(0, 12)}\n`, stderr: '' });
    const missing = await pierExec(['0123abcd', '--', 'true']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^pier: no task '0123abcd' in cluster default/);
  });

  test('ExecuteCommand answers as ECS does, the containers show their ExecuteCommandAgent, and aws ecs execute-command runs through Pier\'s plugin', async () => {
    const t = await env.describe(shell);
    const agent = t.containers![0]!.managedAgents;
    assert.equal(agent?.length, 1);
    assert.equal(agent![0]!.name, 'ExecuteCommandAgent');
    assert.equal(agent![0]!.lastStatus, 'RUNNING');
    assert.ok(agent![0]!.lastStartedAt instanceof Date);
    const out = await env.ecs.send(new ExecuteCommandCommand({ task: shell, command: '/bin/sh', interactive: true }));
    assert.equal(out.clusterArn, t.clusterArn);
    assert.equal(out.taskArn, shell);
    assert.equal(out.containerName, 'app');
    assert.equal(out.containerArn, t.containers![0]!.containerArn);
    assert.equal(out.interactive, true);
    assert.match(out.session!.sessionId!, /^ecs-execute-command-[0-9a-f]{17}$/);
    assert.equal(out.session!.streamUrl, `${env.pier.endpoint.replace('http:', 'ws:')}/_pier/exec/${out.session!.sessionId}`);
    assert.match(out.session!.tokenValue!, /^[A-Za-z0-9_-]{43}$/);

    // The AWS CLI calls ExecuteCommand, then DescribeTasks for the runtime id, then runs the
    // session-manager-plugin with the session: Pier's stands in for AWS's and runs the command.
    const bin = join(env.tmp, 'plugin-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'session-manager-plugin'), `#!/bin/sh\nexec ${process.execPath} ${PIER_MAIN} session-manager-plugin "$@"\n`);
    chmodSync(join(bin, 'session-manager-plugin'), 0o755);
    const cli = await new Promise<Result>((resolve) => {
      const child = execFile(env.aws.cli.path, [
        '--endpoint-url', env.pier.endpoint, 'ecs', 'execute-command', '--task', shell, '--interactive',
        '--command', `sh -c 'echo "from the AWS CLI in $(hostname)"; read line; echo "read: $line"'`,
      ], { encoding: 'utf8', env: { ...env.pier.awsEnv(), PATH: `${bin}:${process.env.PATH}` } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }));
      child.stdin!.end('typed\n');
    });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`from the AWS CLI in ip-task-${taskIdOf(shell).slice(0, 12)}\nread: typed\n`));
  });

  test('a session\'s stream takes its caller only: signed, with the token, once', async () => {
    const client = PierClient.fromDataDir(env.dataDir);
    const open = async (session: { sessionId?: string; tokenValue?: string }, token = session.tokenValue!, signed = true): Promise<number> => {
      const path = `/_pier/exec/${session.sessionId}`;
      const headers = { 'x-pier-exec-token': token, 'x-pier-exec-tty': '0' };
      try {
        const socket = await dialUpgrade(new URL(path, env.pier.endpoint), EXEC_UPGRADE, signed ? client.signedHeaders('ecs', 'GET', path, headers) : headers);
        socket.destroy();
        return 101;
      } catch (err) {
        if (err instanceof UpgradeRefused) return err.status;
        throw err;
      }
    };
    const { session } = await env.ecs.send(new ExecuteCommandCommand({ task: shell, command: 'true', interactive: true }));
    assert.equal(await open(session!, 'not-the-token'), 401);
    assert.equal(await open(session!, session!.tokenValue, false), 403, 'unsigned');
    assert.equal(await open({ sessionId: 'ecs-execute-command-00000000000000000', tokenValue: 'x' }), 404);
    assert.equal(await open(session!), 101);
    assert.equal(await open(session!), 409, 'used once');
  });

  test('a stopped task takes no command; its ExecuteCommandAgent is STOPPED', async () => {
    const arn = await runTask('shell', true);
    await env.waitRunning(arn);
    await env.ecs.send(new StopTaskCommand({ task: arn }));
    const t = await env.waitStopped(arn);
    assert.equal(t.containers![0]!.managedAgents?.[0]?.lastStatus, 'STOPPED');
    const r = await pierExec([taskIdOf(arn), '--', 'true']);
    assert.equal(r.stderr, `pier: ExecuteCommand: InvalidParameterException: ${NOT_ENABLED}\n`, 'no hint to enable what is enabled');
  });
});

describe('pier exec into gVisor (runsc) through a separate pier agent process', () => {
  let env: RealEnv;
  let shell = '';

  before(async () => {
    env = await RealEnv.start({ agent: false, registryAuth: 'none', agentDataDirs: 1 });
    await env.startAgent(env.agentDataDirs[0]!);
    env.registerTaskDefinition('shell', [{ name: 'app', command: HOLD, stopTimeout: 2 }]);
    shell = await runExecTask(env, 'shell', true);
    await env.waitRunning(shell);
  });
  after(async () => {
    await env?.teardown();
  });

  test('a command runs in the sandbox, its kernel gVisor\'s, with its output apart and its exit status', async () => {
    const r = await pierExecIn(env, [taskIdOf(shell), '--', 'sh', '-c', 'dmesg | head -1; echo err >&2; read x; echo "got $x"; exit 5'], 'line\n');
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stdout, /^\[ *0\.0+\] Starting gVisor\.\.\.\ngot line\n$/);
    assert.equal(r.stderr, 'err\n');
  });

  test('an interactive shell in the sandbox through a pseudo-terminal', async () => {
    await interactiveShell(env, taskIdOf(shell));
  });
});
