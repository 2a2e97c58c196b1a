/**
 * A control plane (`pier up --no-agent`) with separate `pier agent` processes on one data dir, as
 * root with gVisor: registry credentials from --registry-config (a wrong password fails the pull,
 * the agent restarted with the right one runs the task), and an agent SIGKILLed while tasks run:
 * the containers keep running under their shims, a task that exits meanwhile is reported STOPPED
 * with its exit code by the next agent, and a task started before the kill is adopted and can be
 * stopped normally. Finally nothing is left on the host.
 */
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { agentInstance } from '../helpers/host-leftovers.js';
import {
  container, HOLD, pidAlive, processesMatching, RealEnv, sleep, summary, taskIdOf, writeDockerConfig, type AgentProcess,
} from './tasks-real-support.test.js';

describe('real tasks with a separate pier agent process (runsc)', () => {
  let env: RealEnv;
  let agentDir: string;
  let right: string;
  let wrong: string;
  let agent: AgentProcess | undefined;
  let hostId = '';

  before(async () => {
    env = await RealEnv.start({ agent: false, registryAuth: 'basic', agentDataDirs: 1 });
    agentDir = env.agentDataDirs[0]!;
    right = writeDockerConfig(env.tmp, 'right.json', env.reg.host, env.reg.username!, env.reg.password!);
    wrong = writeDockerConfig(env.tmp, 'wrong.json', env.reg.host, env.reg.username!, `${env.reg.password!}-wrong`);
    env.app();
  });
  after(async () => {
    await env?.teardown();
  });

  test('an agent whose --registry-config holds a wrong password fails the pull with CannotPullContainerError (unauthorized)', async (t) => {
    agent = await env.startAgent(agentDir, ['--registry-config', wrong]);
    hostId = agent.hostId;
    const arn = env.runCommand('app', 'app', 'exit 0');
    const task = await env.waitStopped(arn);
    t.diagnostic(summary(task));
    assert.equal(task.stopCode, 'TaskFailedToStart', summary(task));
    assert.match(task.stoppedReason ?? '', /^CannotPullContainerError: /, summary(task));
    assert.match(task.stoppedReason!, /unauthori[sz]ed|authenticat/i, `the reason says the registry refused the credentials: ${task.stoppedReason}`);
    assert.equal(container(task, 'app').exitCode, undefined);
  });

  test('the agent restarted on the same data dir with the right password keeps its host and runs the task', async () => {
    await agent!.stop();
    agent = await env.startAgent(agentDir, ['--registry-config', right]);
    assert.equal(agent.hostId, hostId, 'the agent registers again with the host id it kept in its data dir');
    const arn = env.runCommand('app', 'app', 'exit 0');
    const task = await env.waitStopped(arn);
    assert.equal(container(task, 'app').exitCode, 0, summary(task));
    assert.equal(task.stopCode, 'EssentialContainerExited');
  });

  test('agent SIGKILLed mid-run: containers keep running; the next agent reports the exit code of a task that ended meanwhile and adopts one still running', async (t) => {
    const victim = env.runCommand('app', 'app', 'sleep 8; exit 3');
    const survivor = env.runCommand('app', 'app', HOLD);
    await Promise.all([env.waitRunning(victim), env.waitRunning(survivor)]);
    const vid = taskIdOf(victim);
    const sid = taskIdOf(survivor);
    const shimOf = (id: string): number => {
      const shims = processesMatching(`pier-shim:${id}-`);
      assert.equal(shims.length, 1, `one shim for task ${id}: ${JSON.stringify(shims)}`);
      return shims[0]!.pid;
    };
    const sandboxOf = (id: string): number[] => processesMatching(id).filter((p) => /runsc/.test(p.cmdline) && !p.cmdline.includes('pier-shim:')).map((p) => p.pid);
    const victimShim = shimOf(vid);
    const survivorShim = shimOf(sid);
    const victimSandbox = sandboxOf(vid);
    const survivorSandbox = sandboxOf(sid);
    assert.ok(victimSandbox.length > 0 && survivorSandbox.length > 0, 'runsc processes of both tasks are found by task id');
    t.diagnostic(`victim ${vid}: shim ${victimShim}, runsc ${victimSandbox.join(' ')}; survivor ${sid}: shim ${survivorShim}, runsc ${survivorSandbox.join(' ')}`);

    await agent!.kill();
    assert.ok(!agent!.alive());
    await sleep(500);
    for (const pid of [victimShim, survivorShim, ...victimSandbox, ...survivorSandbox]) {
      assert.ok(pidAlive(pid), `process ${pid} of a task survives the agent's SIGKILL`);
    }
    const root = `/run/pier/${agentInstance(agentDir)}/runsc`;
    const listed = spawnSync('runsc', [`--root=${root}`, 'list'], { encoding: 'utf8' }).stdout;
    for (const id of [vid, sid]) assert.match(listed, new RegExp(`^${id}-0\\s+\\d+\\s+running`, 'm'), `runsc list shows ${id}-0 running:\n${listed}`);

    // The victim's container exits (code 3) while no agent runs: its shim records that and ends.
    const deadline = Date.now() + 30_000;
    while (pidAlive(victimShim) && Date.now() < deadline) await sleep(200);
    assert.ok(!pidAlive(victimShim), 'the victim container exited (its shim ended) while the agent was down');
    assert.ok(pidAlive(survivorShim), 'the survivor keeps running');
    assert.equal((await env.describe(victim)).lastStatus, 'RUNNING', 'with no agent, the control plane has not heard of the exit yet');

    agent = await env.startAgent(agentDir, ['--registry-config', right]);
    assert.equal(agent.hostId, hostId);
    const v = await env.waitStopped(victim, 30_000);
    t.diagnostic(summary(v));
    assert.equal(container(v, 'app').exitCode, 3, summary(v));
    assert.equal(v.stopCode, 'EssentialContainerExited', summary(v));

    await sleep(1000);
    const s = await env.describe(survivor);
    assert.equal(s.lastStatus, 'RUNNING', `the survivor is still RUNNING after the new agent started: ${summary(s)}`);
    assert.equal(s.desiredStatus, 'RUNNING');
    assert.ok(pidAlive(survivorShim), 'the new agent adopted the survivor (same shim), it did not restart it');
    const out = env.aws.ok(['stop-task', '--task', survivor, '--reason', 'test: done surviving']);
    assert.equal(out.task.desiredStatus, 'STOPPED');
    const stopped = await env.waitStopped(survivor, 30_000);
    assert.equal(container(stopped, 'app').exitCode, 143, summary(stopped));
    assert.equal(stopped.stopCode, 'UserInitiated');
    assert.equal(stopped.stoppedReason, 'test: done surviving');
    assert.ok(!pidAlive(survivorShim));
  });

  test('nothing is left on the host once every task is STOPPED and the agent and pier have exited', () => env.assertNothingLeft());
});
