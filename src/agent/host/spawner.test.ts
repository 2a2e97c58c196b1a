import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { launchDetached, runCommand, setSpawnerEnabled, spawnStats } from './exec.js';
import { Spawner } from './spawner.js';

const dir = mkdtempSync(join(tmpdir(), 'pier-spawner-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const via of ['spawner', 'local'] as const) {
  describe(`runCommand (${via})`, () => {
    test('status, output, input, cwd, env, signals, timeouts and spawn errors', async () => {
      setSpawnerEnabled(via === 'spawner');
      try {
        const before = spawnStats();
        const r = await runCommand(['sh', '-c', 'echo "$X $(pwd)"; cat; echo err >&2; exit 3'], { input: 'in', cwd: dir, env: { ...process.env, X: 'x' } });
        assert.equal(r.status, 3);
        assert.equal(r.stdout, `x ${dir}\nin`);
        assert.equal(r.stderr, 'err\n');
        assert.deepEqual(r.argv, ['sh', '-c', 'echo "$X $(pwd)"; cat; echo err >&2; exit 3']);
        const killed = await runCommand(['sh', '-c', 'kill -TERM $$']);
        assert.equal(killed.status, 128 + 15);
        assert.equal(killed.signal, 'SIGTERM');
        const slow = await runCommand(['sleep', '10'], { timeoutMs: 100 });
        assert.equal(slow.timedOut, true);
        assert.equal(slow.status, 137);
        const missing = await runCommand(['/nonexistent/command']);
        assert.equal(missing.status, -1);
        assert.match(missing.spawnError?.message ?? '', /ENOENT/);
        const capped = await runCommand(['sh', '-c', 'printf 0123456789'], { maxOutputBytes: 4 });
        assert.equal(capped.stdout, '0123');
        const logged = await runCommand(['sh', '-c', 'echo out; echo err >&2'], { outputFile: join(dir, `${via}.log`) });
        assert.equal(logged.stdout, '');
        assert.equal(readFileSync(join(dir, `${via}.log`), 'utf8'), 'out\nerr\n');
        const stats = spawnStats();
        assert.equal(stats.count - before.count, 6);
        if (via === 'spawner') assert.equal(stats.blockedMs, before.blockedMs, 'this process forked nothing');
      } finally {
        setSpawnerEnabled(true);
      }
    });

    test('a detached command gets its own session and its output in files', async () => {
      setSpawnerEnabled(via === 'spawner');
      try {
        const out = join(dir, `${via}-detached.out`);
        const pid = await launchDetached(['sh', '-c', 'echo $$; ps -o sid= -p $$; echo e >&2'], { cwd: dir, stdoutFile: out, stderrFile: join(dir, `${via}-detached.err`) });
        await until(() => !alive(pid) && readFileSync(join(dir, `${via}-detached.err`), 'utf8') === 'e\n');
        const [self, sid] = readFileSync(out, 'utf8').trim().split(/\s+/);
        assert.equal(Number(self), pid);
        assert.equal(Number(sid), pid, 'it leads its own session');
      } finally {
        setSpawnerEnabled(true);
      }
    });
  });
}

describe('the spawner helper', () => {
  test('runs commands concurrently', async () => {
    const t0 = performance.now();
    const rs = await Promise.all([1, 2, 3, 4].map(() => runCommand(['sleep', '0.3'])));
    assert.ok(rs.every((r) => r.status === 0));
    assert.ok(performance.now() - t0 < 1000, `4 × sleep 0.3 took ${performance.now() - t0} ms`);
  });

  test('a helper that dies fails what it was running, and the next request gets a new one', async () => {
    const s = new Spawner();
    const pending = s.run(['sleep', '5'], {});
    await until(() => (s as unknown as { child?: { pid?: number } }).child?.pid !== undefined);
    const helperPid = (s as unknown as { child: { pid: number } }).child.pid;
    await new Promise((r) => setTimeout(r, 100));
    process.kill(helperPid, 'SIGKILL');
    const r = await pending;
    assert.equal(r.status, -1);
    assert.match(r.spawnError?.message ?? '', /spawner helper exited/);
    const again = await s.run(['true'], {});
    assert.equal(again.status, 0);
    s.stop();
  });

  test('neither keeps this process alive when idle nor outlives it; detached commands do outlive both', async () => {
    const marker = join(dir, 'survivor');
    const script = `
      import { runCommand, launchDetached } from ${JSON.stringify(new URL('./exec.js', import.meta.url).href)};
      await runCommand(['true']);
      const pid = await launchDetached(['sh', '-c', 'sleep 0.5; echo alive > ${marker}'], { stdoutFile: '/dev/null', stderrFile: '/dev/null' });
      console.log(pid);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, 'the process exited by itself');
    await until(() => readFileSync(marker, { encoding: 'utf8', flag: 'a+' }) === 'alive\n');
    assert.ok(Number(out.trim()) > 0);
  });
});
