/**
 * The OciRuntime behaviour suite: the same tests against every implementation. `fake` always runs;
 * `runc` and `runsc` run as root when the binaries are installed (they use real network
 * namespaces, cgroups and a busybox rootfs built in a temp dir). Containers are busybox scripts;
 * the fake gets the same behaviour from PIER_FAKE_* variables in the same specs.
 *
 * Every test makes its own task (id, netns, dirs) and removes everything in `finally`: the
 * sandbox, leftover shim processes (by pid file), the netns and the dirs.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createNetns, deleteNetns } from '../../src/agent/host/netns.js';
import { cgroupExists, hierarchyOf, removeCgroupTree } from '../../src/agent/runtime/cgroup.js';
import { FakeRuntime } from '../../src/agent/runtime/fake.js';
import { ContainerStartError, ExecTimeoutError, type ContainerSpec, type ContainerStatus, type OciRuntime, type SandboxSpec } from '../../src/agent/runtime/oci-runtime.js';
import { RuncRuntime } from '../../src/agent/runtime/runc.js';
import { RunscRuntime } from '../../src/agent/runtime/runsc.js';
import { killShim, liveShimPid, pidAlive } from '../../src/agent/runtime/shim.js';
import { buildOciSpec } from '../../src/agent/runtime/spec.js';

const isRoot = process.getuid?.() === 0;
const has = (bin: string): boolean => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const BUSYBOX = '/usr/bin/busybox';
const here = dirname(fileURLToPath(import.meta.url));

let WORK = '';
let ROOTFS = '';

interface Impl {
  name: 'fake' | 'runc' | 'runsc' | 'runsc-host';
  /** Shown in the suite's name when it differs from `name`. */
  label?: string;
  /** Tasks of one container, run as the sandbox's root (`SandboxSpec.soleContainerId`). */
  sole?: boolean;
  skip: string | false;
  /** Constructor options, JSON-serialisable (the agent-death test rebuilds the runtime in a child process). */
  options(): Record<string, unknown>;
}

const make = (name: Impl['name'], options: Record<string, unknown>): OciRuntime =>
  name === 'fake' ? new FakeRuntime() : name === 'runc' ? new RuncRuntime(options) : new RunscRuntime(options);

const tag = `${process.pid}`;
const implementations: Impl[] = [
  { name: 'fake', skip: false, options: () => ({}) },
  {
    name: 'runc',
    skip: !isRoot ? 'needs root' : !has('runc') ? 'runc not installed' : !existsSync(BUSYBOX) ? 'needs busybox-static' : false,
    options: () => ({ root: join(WORK, 'runc-root'), cgroupParent: `/pier-test-${tag}/runc` }),
  },
  {
    name: 'runsc',
    skip: !isRoot ? 'needs root' : !has('runsc') ? 'runsc not installed' : !existsSync(BUSYBOX) ? 'needs busybox-static' : false,
    options: () => ({ root: join(WORK, 'runsc-root'), stateDir: join(WORK, 'runsc-state'), cgroupParent: `/pier-test-${tag}/runsc` }),
  },
  {
    name: 'runsc',
    label: 'runsc, sole container as the sandbox root',
    sole: true,
    skip: !isRoot ? 'needs root' : !has('runsc') ? 'runsc not installed' : !existsSync(BUSYBOX) ? 'needs busybox-static' : false,
    options: () => ({ root: join(WORK, 'runsc-sole-root'), stateDir: join(WORK, 'runsc-state'), cgroupParent: `/pier-test-${tag}/runsc-sole` }),
  },
];
// runsc's other network mode (host stack inside the task netns) adds ~40 s, so it is an extended
// run (PIER_TEST_RUNSC_HOST=1) rather than part of every npm test.
if (process.env.PIER_TEST_RUNSC_HOST === '1') {
  implementations.push({
    name: 'runsc-host',
    skip: !isRoot ? 'needs root' : !has('runsc') ? 'runsc not installed' : false,
    options: () => ({ root: join(WORK, 'runsc-host-root'), stateDir: join(WORK, 'runsc-state'), cgroupParent: `/pier-test-${tag}/runsc-host`, network: 'host' }),
  });
}

/** A busybox root filesystem: /bin/<applet> links, /etc/passwd, a web root, a mount point for /data. */
function buildRootfs(dir: string): void {
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'data', 'www', 'root']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(BUSYBOX, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  const applets = spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(dir, 'www', 'index.html'), 'hello over loopback\n');
}

interface Task {
  sandbox: SandboxSpec;
  base: string;
  netns: string;
  containers: ContainerSpec[];
}

interface ContainerOpts {
  env?: Record<string, string>;
  memoryMiB?: number;
  init?: boolean;
}

function newTask(impl: Impl, stateDir: string, memoryMiB = 512): Task {
  const id = randomBytes(16).toString('hex');
  const base = join(WORK, 'tasks', id);
  mkdirSync(base, { recursive: true });
  const netns = `pier-ct-${id.slice(0, 12)}`;
  return {
    sandbox: {
      id, dir: join(stateDir, id), netnsPath: `/var/run/netns/${netns}`, cpuUnits: 256, memoryMiB, hostname: `ip-task-${id.slice(0, 8)}`,
      ...(impl.sole ? { soleContainerId: `${id}-0` } : {}),
    },
    base, netns, containers: [],
  };
}

function container(impl: Impl, task: Task, n: number, args: string[], opts: ContainerOpts = {}): ContainerSpec {
  const id = `${task.sandbox.id}-${n}`;
  const dir = join(task.base, 'containers', `c${n}`);
  const data = join(task.base, 'data', `c${n}`);
  mkdirSync(dir, { recursive: true });
  mkdirSync(data, { recursive: true });
  const oci = buildOciSpec({
    taskId: task.sandbox.id,
    runtimeId: id,
    container: {
      name: `c${n}`, command: args, readonlyRootFilesystem: true,
      environment: Object.entries(opts.env ?? {}).map(([name, value]) => ({ name, value })),
      ...(opts.memoryMiB ? { memory: opts.memoryMiB } : {}),
      ...(opts.init ? { linuxParameters: { initProcessEnabled: true } } : {}),
    },
    image: { Env: ['PATH=/bin'] },
    rootfs: ROOTFS,
    mounts: [{ source: data, destination: '/data', readOnly: false }],
    injectedEnv: { AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE' },
    environmentFiles: {},
    netnsPath: task.sandbox.netnsPath,
    hostname: task.sandbox.hostname!,
    taskLimits: { cpuUnits: task.sandbox.cpuUnits, memoryMiB: task.sandbox.memoryMiB },
    userDb: { passwd: readFileSync(join(ROOTFS, 'etc', 'passwd'), 'utf8'), group: readFileSync(join(ROOTFS, 'etc', 'group'), 'utf8') },
    ...(impl.name === 'runc' ? { initBinary: BUSYBOX } : {}),
  });
  const spec = { id, dir, oci };
  task.containers.push(spec);
  return spec;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const stopped = (rt: OciRuntime, t: Task, c: ContainerSpec, timeoutMs?: number): Promise<ContainerStatus> =>
  waitFor(`${c.id} to stop`, async () => {
    const s = await rt.status(t.sandbox, c);
    return s.state === 'stopped' ? s : undefined;
  }, timeoutMs);

const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');

for (const impl of implementations) {
  describe(`OciRuntime contract: ${impl.label ?? impl.name}`, { skip: impl.skip }, () => {
    let rt: OciRuntime;
    let stateDir = '';

    before(() => {
      rt = make(impl.name, impl.options());
      stateDir = join(WORK, `sandboxes-${impl.name}${impl.sole ? '-sole' : ''}`);
      mkdirSync(stateDir, { recursive: true });
    });

    /** Runs body with a fresh task whose sandbox exists; cleans up everything whatever happens. */
    async function withTask(body: (t: Task) => Promise<void>, memoryMiB?: number): Promise<void> {
      const t = newTask(impl, stateDir, memoryMiB);
      try {
        if (impl.name !== 'fake') await createNetns(t.netns);
        await rt.createSandbox(t.sandbox);
        await body(t);
      } finally {
        await rt.destroySandbox(t.sandbox).catch((err: unknown) => console.error(`cleanup ${t.sandbox.id}:`, err));
        for (const c of t.containers) {
          const pid = liveShimPid(c.dir, c.id);
          if (pid !== undefined) killShim(pid);
        }
        if (impl.name !== 'fake') await deleteNetns(t.netns);
        rmSync(t.base, { recursive: true, force: true });
      }
    }

    if (impl.sole) test('a sole container exits 3: status, exit-code file and stdout say so', () => withTask(async (t) => {
      const c = container(impl, t, 0, ['sh', '-c', 'echo "user=$(id -u) host=$(hostname) env=$AWS_EXECUTION_ENV"; echo err >&2; exit 3']);
      await rt.startContainer(t.sandbox, c);
      const s = await stopped(rt, t, c);
      assert.equal(s.exitCode, 3);
      assert.notEqual(s.oomKilled, true);
      assert.equal(read(join(c.dir, 'exit-code')).trim(), '3');
      assert.match(read(join(c.dir, 'stdout')), /^user=0 host=ip-task-\w+ env=AWS_ECS_FARGATE\n$/);
      assert.equal(read(join(c.dir, 'stderr')), 'err\n');
    }));

    if (impl.sole) {
      const signalCases: [string, string[], boolean, NodeJS.Signals, number][] = [
        ['no handler, under an init: SIGTERM gives 143', ['sleep', '1000'], true, 'SIGTERM', 143],
        ['a trapped SIGTERM gives the trap\'s status', ['sh', '-c', 'trap "exit 7" TERM; while :; do sleep 1 & wait; done'], false, 'SIGTERM', 7],
        ['an ignored SIGTERM leaves it running; SIGKILL gives 137', ['sh', '-c', 'trap "" TERM; while :; do sleep 1 & wait; done'], false, 'SIGKILL', 137],
      ];
      for (const [what, args, init, signal, code] of signalCases) {
        test(`signals to a sole container: ${what}`, () => withTask(async (t) => {
          const c = container(impl, t, 0, args, { init });
          await rt.startContainer(t.sandbox, c);
          await new Promise((r) => setTimeout(r, 300)); // let the shell install its trap
          if (signal === 'SIGKILL') {
            await rt.kill(t.sandbox, c, 'SIGTERM');
            await new Promise((r) => setTimeout(r, 300));
            assert.equal((await rt.status(t.sandbox, c)).state, 'running', 'SIGTERM was ignored');
          }
          await rt.kill(t.sandbox, c, signal);
          assert.equal((await stopped(rt, t, c)).exitCode, code);
          await rt.kill(t.sandbox, c, 'SIGKILL'); // an exited container: not an error
        }));
      }
    }

    if (!impl.sole) test('a container exits 0 or 3: status and exit-code file say so; stdout/stderr land in files', () => withTask(async (t) => {
      const ok = container(impl, t, 0, ['sh', '-c', 'echo out-0; echo err-0 >&2'], { env: { PIER_FAKE_RUN_MS: '50', PIER_FAKE_STDOUT: 'out-0\n', PIER_FAKE_STDERR: 'err-0\n' } });
      const three = container(impl, t, 1, ['sh', '-c', 'echo "user=$(id -u) host=$(hostname) env=$AWS_EXECUTION_ENV"; exit 3'], {
        env: { PIER_FAKE_RUN_MS: '50', PIER_FAKE_EXIT: '3', PIER_FAKE_STDOUT: 'user=0 host=x env=AWS_ECS_FARGATE\n' },
      });
      await rt.startContainer(t.sandbox, ok);
      await rt.startContainer(t.sandbox, three);
      const s0 = await stopped(rt, t, ok);
      const s1 = await stopped(rt, t, three);
      assert.equal(s0.exitCode, 0);
      assert.equal(s1.exitCode, 3);
      assert.notEqual(s1.oomKilled, true);
      assert.equal(read(join(ok.dir, 'exit-code')).trim(), '0');
      assert.equal(read(join(three.dir, 'exit-code')).trim(), '3');
      assert.equal(read(join(ok.dir, 'stdout')), 'out-0\n');
      assert.equal(read(join(ok.dir, 'stderr')), 'err-0\n');
      assert.match(read(join(three.dir, 'stdout')), /user=0 .*env=AWS_ECS_FARGATE/);
    }));

    test('a started container reports running; starting it again is a no-op; a restart after exit runs it again', () => withTask(async (t) => {
      const c = container(impl, t, 0, ['sh', '-c', 'echo run >> /data/runs; sleep 1; exit 4'], { env: { PIER_FAKE_RUN_MS: '1000', PIER_FAKE_EXIT: '4', PIER_FAKE_STDOUT: '' } });
      await rt.startContainer(t.sandbox, c);
      assert.equal((await rt.status(t.sandbox, c)).state, 'running');
      await rt.startContainer(t.sandbox, c);
      assert.equal((await stopped(rt, t, c)).exitCode, 4);
      await rt.startContainer(t.sandbox, c);
      assert.equal((await rt.status(t.sandbox, c)).state, 'running');
      assert.equal((await stopped(rt, t, c)).exitCode, 4);
      if (impl.name !== 'fake') assert.equal(read(join(t.base, 'data', 'c0', 'runs')), 'run\nrun\n');
    }));

    if (impl.name !== 'fake') test('the task cgroup gets its CPU quota once a container runs, not while the sandbox boots', () => withTask(async (t) => {
      const cpu = hierarchyOf('cpu')!;
      const quota = (cgroup: string): string => read(join(cpu, cgroup, 'cpu.cfs_quota_us')).trim();
      const task = (rt as RuncRuntime | RunscRuntime).taskCgroup(t.sandbox.id);
      assert.equal(quota(task) || '-1', '-1', 'no quota on the task cgroup while the sandbox boots');
      const c = container(impl, t, 0, ['sh', '-c', 'sleep 30']);
      await rt.startContainer(t.sandbox, c);
      assert.equal(quota(task), '25000', 'the task quota (256 units) once it runs');
      if (impl.name === 'runc') assert.equal(quota(`${task}/${c.id}`), '25000', 'a runc container carries it from its own start');
      await rt.kill(t.sandbox, c, 'SIGKILL');
      await stopped(rt, t, c);
      if (impl.sole) {
        await rt.startContainer(t.sandbox, c); // a restart boots a new sandbox, again without it
        assert.equal(quota(task), '25000');
      }
      await rt.adopt!(t.sandbox);
      assert.equal(quota(task), '25000');
    }));

    test('a missing executable is a ContainerStartError', () => withTask(async (t) => {
      const c = container(impl, t, 0, ['/bin/no-such-program'], { env: { PIER_FAKE_START_ERROR: 'no such file' } });
      await assert.rejects(rt.startContainer(t.sandbox, c), ContainerStartError);
    }));

    // The fake runtime has no network, so this one runs on the real runtimes only.
    if (impl.name !== 'fake' && !impl.sole) test('two containers of a task talk over loopback (one network namespace)', () => withTask(async (t) => {
      const server = container(impl, t, 0, ['httpd', '-f', '-p', '8080', '-h', '/www']);
      const client = container(impl, t, 1, ['sh', '-c', 'for i in $(seq 100); do wget -q -O - http://127.0.0.1:8080/index.html && exit 0; sleep 0.1; done; exit 1']);
      await rt.startContainer(t.sandbox, server);
      await rt.startContainer(t.sandbox, client);
      assert.equal((await stopped(rt, t, client)).exitCode, 0, read(join(client.dir, 'stderr')));
      assert.equal(read(join(client.dir, 'stdout')), 'hello over loopback\n');
      assert.equal((await rt.status(t.sandbox, server)).state, 'running');
    }));

    if (!impl.sole) test('SIGTERM: 143 without a handler (under an init), the trapped status with one; SIGKILL: 137', () => withTask(async (t) => {
      const plain = container(impl, t, 0, ['sleep', '1000'], { init: true });
      const trapped = container(impl, t, 1, ['sh', '-c', 'trap "exit 7" TERM; while :; do sleep 1 & wait; done'], { env: { PIER_FAKE_ON_SIGTERM: '7' } });
      const killed = container(impl, t, 2, ['sh', '-c', 'trap "" TERM; while :; do sleep 1 & wait; done'], { env: { PIER_FAKE_ON_SIGTERM: 'ignore' } });
      for (const c of [plain, trapped, killed]) await rt.startContainer(t.sandbox, c);
      await new Promise((r) => setTimeout(r, 300)); // let the shells install their traps
      await rt.kill(t.sandbox, plain, 'SIGTERM');
      await rt.kill(t.sandbox, trapped, 'SIGTERM');
      await rt.kill(t.sandbox, killed, 'SIGTERM');
      assert.equal((await stopped(rt, t, plain)).exitCode, 143);
      assert.equal((await stopped(rt, t, trapped)).exitCode, 7);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await rt.status(t.sandbox, killed)).state, 'running', 'SIGTERM was ignored');
      await rt.kill(t.sandbox, killed, 'SIGKILL');
      assert.equal((await stopped(rt, t, killed)).exitCode, 137);
      await rt.kill(t.sandbox, killed, 'SIGKILL'); // an exited container: not an error
    }));

    test('exec returns the exit status and output, and times out', () => withTask(async (t) => {
      const c = container(impl, t, 0, ['sleep', '1000'], { env: { PIER_FAKE_EXEC_EXIT: '5', PIER_FAKE_EXEC_OUTPUT: 'out\nerr\n' } });
      await rt.startContainer(t.sandbox, c);
      const r = await rt.exec(t.sandbox, c, ['sh', '-c', 'echo out; echo err >&2; exit 5'], 10_000);
      assert.equal(r.exitCode, 5);
      assert.match(r.output, /out/);
      assert.match(r.output, /err/);
      const slow = impl.sole ? c : container(impl, t, 1, ['sleep', '1000'], { env: { PIER_FAKE_EXEC_MS: '5000' } });
      if (slow !== c) await rt.startContainer(t.sandbox, slow);
      await assert.rejects(rt.exec(t.sandbox, slow, ['sleep', '5'], 300), ExecTimeoutError);
    }));

    test('a memory hog is OOM-killed: 137 and oomKilled', () => withTask(async (t) => {
      // runc: the container's own 64 MiB limit; runsc: the task (sandbox) limit of 64 MiB.
      const hog = container(impl, t, 0, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=200M', 'count=1'], { memoryMiB: 64, env: { PIER_FAKE_RUN_MS: '50', PIER_FAKE_OOM: '1' } });
      await rt.startContainer(t.sandbox, hog);
      const s = await stopped(rt, t, hog, 60_000);
      assert.equal(s.exitCode, 137, read(join(hog.dir, 'stderr')));
      assert.equal(s.oomKilled, true);
      assert.ok(existsSync(join(hog.dir, 'oom-killed')));
    }, impl.name.startsWith('runsc') ? 64 : 512));

    test('the agent can die: a container started by a SIGKILLed process runs on and its exit code lands in the file', () => withTask(async (t) => {
      const c = container(impl, t, 0, ['sh', '-c', 'sleep 2; echo done; exit 42'], { env: { PIER_FAKE_RUN_MS: '2000', PIER_FAKE_EXIT: '42' } });
      const moduleUrl = (m: string): string => pathToFileURL(resolve(here, '../../src/agent/runtime', m)).href;
      const script = `
        const [{ FakeRuntime }, { RuncRuntime }, { RunscRuntime }] = await Promise.all([
          import(${JSON.stringify(moduleUrl('fake.js'))}), import(${JSON.stringify(moduleUrl('runc.js'))}), import(${JSON.stringify(moduleUrl('runsc.js'))})]);
        const { name, options, sandbox, container } = JSON.parse(process.argv[1]);
        const rt = name === 'fake' ? new FakeRuntime() : name === 'runc' ? new RuncRuntime(options) : new RunscRuntime(options);
        await rt.startContainer(sandbox, container);
        process.stdout.write('started\\n');
        setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify({ name: impl.name, options: impl.options(), sandbox: t.sandbox, container: c })], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((r) => child.once('exit', r));
      try {
        await new Promise<void>((res, rej) => {
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes('started')) res();
          });
          void exited.then(() => rej(new Error('the child agent exited before it started the container')));
          setTimeout(() => rej(new Error('the child agent did not start the container in 30 s')), 30_000).unref();
        });
      } finally {
        child.kill('SIGKILL');
      }
      await exited;
      assert.equal((await rt.status(t.sandbox, c)).state, 'running', 'still running after the agent died');
      const s = await stopped(rt, t, c);
      assert.equal(s.exitCode, 42);
      assert.equal(read(join(c.dir, 'exit-code')).trim(), '42');
      if (impl.name !== 'fake') assert.equal(read(join(c.dir, 'stdout')), 'done\n');
    }));

    test('destroySandbox leaves nothing and is idempotent; listSandboxes reports live sandboxes', () => withTask(async (t) => {
      const a = container(impl, t, 0, ['sleep', '1000']);
      const b = impl.sole ? undefined : container(impl, t, 1, ['sh', '-c', 'trap "" TERM; sleep 1000']);
      const all = b ? [a, b] : [a];
      for (const c of all) await rt.startContainer(t.sandbox, c);
      assert.ok((await rt.listSandboxes(stateDir)).includes(t.sandbox.id));
      const shims = all.map((c) => Number(read(join(c.dir, 'shim.pid')))).filter((p) => p > 0);
      const started = performance.now();
      await rt.destroySandbox(t.sandbox);
      const took = performance.now() - started;
      await rt.destroySandbox(t.sandbox);
      assert.ok(took < 15_000, `destroy took ${took} ms`);
      for (const p of shims) assert.equal(pidAlive(p), false, `shim ${p} still alive`);
      assert.equal(existsSync(t.sandbox.dir), false);
      assert.equal((await rt.listSandboxes(stateDir)).includes(t.sandbox.id), false);
      for (const c of all) assert.equal((await rt.status(t.sandbox, c)).state, 'stopped');
      if (impl.name === 'runc') {
        const r = rt as RuncRuntime;
        assert.deepEqual(readdirSync(r.root).filter((id) => id.startsWith(t.sandbox.id)), []);
        assert.equal(cgroupExists(r.taskCgroup(t.sandbox.id)), false);
      }
      if (impl.name === 'runsc' || impl.name === 'runsc-host') {
        const r = rt as RunscRuntime;
        assert.deepEqual(readdirSync(r.root).filter((f) => f.includes(t.sandbox.id)), []);
        assert.equal(cgroupExists(r.taskCgroup(t.sandbox.id)), false);
      }
    }));

    test('createSandbox twice is fine; destroying a sandbox that never existed is fine', async () => {
      const t = newTask(impl, stateDir);
      try {
        if (impl.name !== 'fake') await createNetns(t.netns);
        await rt.createSandbox(t.sandbox);
        await rt.createSandbox(t.sandbox);
        assert.ok((await rt.listSandboxes(stateDir)).includes(t.sandbox.id));
        await rt.destroySandbox(t.sandbox);
      } finally {
        await rt.destroySandbox(t.sandbox).catch(() => undefined);
        if (impl.name !== 'fake') await deleteNetns(t.netns);
        rmSync(t.base, { recursive: true, force: true });
      }
      await rt.destroySandbox({ ...t.sandbox, id: randomBytes(16).toString('hex'), dir: join(stateDir, 'never') });
    });
  });
}

before(() => {
  WORK = mkdtempSync(join(tmpdir(), 'pier-oci-'));
  ROOTFS = join(WORK, 'rootfs');
  if (existsSync(BUSYBOX)) buildRootfs(ROOTFS);
});

after(() => {
  rmSync(WORK, { recursive: true, force: true });
  if (isRoot) removeCgroupTree(`/pier-test-${tag}`); // the test's cgroup parents; each task's cgroup is the runtime's to remove
});
