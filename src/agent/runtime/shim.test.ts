import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { behaviourFromEnv } from './fake.js';
import { INIT_SCRIPT } from './spec.js';
import { clearRun, launchShim, liveShimPid, pidAlive, readExitCode, readOomKilled, shimScript, shq } from './shim.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'pier-shim-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('shim', () => {
  test('shq quotes anything for sh', () => {
    const nasty = `it's "$(rm -rf /)" \`x\` \\ ; | &`;
    assert.equal(spawnSync('sh', ['-c', `printf %s ${shq(nasty)}`], { encoding: 'utf8' }).stdout, nasty);
  });

  test('the script is valid sh', () => {
    const script = shimScript({ id: 'x', dir: "/tmp/a b'c", argv: ['runsc', 'run', 'x'], taskOomFile: '/t', containerOomFile: '/c', sandboxPid: 42, after: ['runc', 'delete', 'x'] });
    assert.equal(spawnSync('sh', ['-n', '-c', script]).status, 0);
  });

  test('runs the command detached, with output in files, and records pid and exit status', async () => {
    const dir = tmp();
    const pid = await launchShim({ id: 'c1', dir, argv: ['sh', '-c', 'echo out; echo err >&2; sleep 0.2; exit 3'] });
    assert.equal(liveShimPid(dir, 'c1'), pid);
    assert.equal(liveShimPid(dir, 'other'), undefined, 'the pid file is checked against the command line');
    await until(() => readExitCode(dir) !== undefined);
    assert.equal(readExitCode(dir), 3);
    assert.equal(readFileSync(join(dir, 'stdout'), 'utf8'), 'out\n');
    assert.equal(readFileSync(join(dir, 'stderr'), 'utf8'), 'err\n');
    assert.equal(readOomKilled(dir), false);
    await until(() => !pidAlive(pid));
    clearRun(dir);
    assert.equal(readExitCode(dir), undefined);
    assert.equal(existsSync(join(dir, 'stdout')), true, 'logs are kept across runs');
  });

  test('a signal death is 128 + n; a container OOM counter marks oom-killed; `after` runs before the status lands', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    await launchShim({ id: 'c2', dir, argv: ['sh', '-c', 'kill -9 $$'], containerOomFile: join(dir, 'oom_control'), after: ['sh', '-c', 'echo ran > after'] });
    await until(() => readExitCode(dir) !== undefined);
    assert.equal(readExitCode(dir), 137);
    assert.equal(readOomKilled(dir), true);
    assert.equal(readFileSync(join(dir, 'after'), 'utf8'), 'ran\n');
  });

  test('a task OOM counter that grew counts only for 137', async () => {
    const dir = tmp();
    const task = join(dir, 'task_oom');
    writeFileSync(task, 'oom_kill 0\n');
    await launchShim({ id: 'c3', dir, argv: ['sh', '-c', `echo 'oom_kill 1' > ${shq(task)}; exit 1`], taskOomFile: task });
    await until(() => readExitCode(dir) !== undefined);
    assert.equal(readExitCode(dir), 1);
    assert.equal(readOomKilled(dir), false);
  });
});

describe('the busybox-style init script (run here by the host sh)', () => {
  test('forwards SIGTERM to the child and exits with its status; resolves commands on PATH', () => {
    const r = spawnSync('sh', ['-c', `sh -c ${shq(INIT_SCRIPT)} pier-init sleep 5 & p=$!; sleep 0.3; kill -TERM $p; wait $p; echo "status=$?"`], { encoding: 'utf8' });
    assert.match(r.stdout, /status=143/);
    const missing = spawnSync('sh', ['-c', INIT_SCRIPT, 'pier-init', 'no-such-command-xyz'], { encoding: 'utf8' });
    assert.equal(missing.status, 127);
    const code = spawnSync('sh', ['-c', INIT_SCRIPT, 'pier-init', 'sh', '-c', 'exit 9'], { encoding: 'utf8' });
    assert.equal(code.status, 9);
  });
});

describe('fake behaviour from env', () => {
  test('parses the PIER_FAKE_* variables', () => {
    assert.deepEqual(behaviourFromEnv(['PATH=/bin', 'PIER_FAKE_RUN_MS=200', 'PIER_FAKE_EXIT=3', 'PIER_FAKE_ON_SIGTERM=ignore', 'PIER_FAKE_ON_SIGINT=2', 'PIER_FAKE_STDOUT=a=b', 'PIER_FAKE_EXEC_EXIT=1']), {
      onSignal: { SIGTERM: 'ignore', SIGINT: 2 }, runMs: 200, exitCode: 3, stdout: 'a=b', exec: { exitCode: 1 },
    });
    assert.deepEqual(behaviourFromEnv([]), { onSignal: {}, exec: {} });
  });
});
